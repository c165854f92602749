#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (src/test/resources/.../<Target>Inputs/<method>/) from the RFC 9001
Appendix A vectors the crypto tests hold, the QUIC-LB draft's vectors, and hand-built valid encodings (RFC 9000 §19
frames, §18 transport parameters, routerd and handshake-daemon frames). Re-run it after changing a target's input
layout; the fuzzer's findings are added next to these seeds by hand (crash-<sha1> files) and are never rewritten."""
import hashlib, os, re, struct, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORE = os.path.join(ROOT, 'qsock-core/src/test')
TLS = os.path.join(ROOT, 'qsock-tls/src/test')


def blocks(path):
    """The hex text blocks of a vector test class, in order."""
    text = open(path).read()
    return [bytes.fromhex(re.sub(r'\s', '', b)) for b in re.findall(r'"""(.*?)"""', text, re.S)]


def write(base, target, method, seeds):
    d = os.path.join(base, 'resources', target.replace('.', '/') + 'Inputs', method)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, 'seed-' + name), 'wb') as f:
            f.write(data)


def varint(v):
    if v < 0x40:
        return bytes([v])
    if v < 0x4000:
        return struct.pack('>H', v | 0x4000)
    if v < 0x40000000:
        return struct.pack('>I', v | 0x80000000)
    return struct.pack('>Q', v | 0xC000000000000000)


A = blocks(os.path.join(CORE, 'java/qsock/core/crypto/Rfc9001AppendixATest.java'))
V2 = blocks(os.path.join(CORE, 'java/qsock/core/crypto/Rfc9369AppendixATest.java'))
CLIENT_CRYPTO, SERVER_FRAMES = A[14], A[19]
CLIENT_INITIAL, SERVER_INITIAL, RETRY, SHORT = A[18], A[23], A[24], A[35]
CLIENT_HELLO = CLIENT_CRYPTO[4:]            # CRYPTO type 06, offset 00, length 40f1
SERVER_HELLO = SERVER_FRAMES[9:]            # after ACK 02 00 00 00 00 and CRYPTO 06 00 405a
assert CLIENT_HELLO[0] == 1 and SERVER_HELLO[0] == 2

# Packet headers: input[0] picks the short header DCID length (here 8) and greasing (bit 7).
v2_packets = {'v2-%d' % i: b'\x08' + b for i, b in enumerate(V2) if len(b) > 30 and b[1:5] == bytes.fromhex('6b3343cf')}
write(CORE, 'qsock.fuzz.PacketHeaderFuzzTest', 'parsesEveryCoalescedPacketInsideTheDatagram', {
    'rfc9001-a2-client-initial': b'\x08' + CLIENT_INITIAL,
    'rfc9001-a3-server-initial': b'\x08' + SERVER_INITIAL,
    'rfc9001-a4-retry': b'\x08' + RETRY,
    'rfc9001-a5-short-header': b'\x00' + SHORT,
    'coalesced-initial-handshake': b'\x08' + SERVER_INITIAL + bytes([0xe0]) + SERVER_INITIAL[1:60],
    'version-negotiation': b'\x08' + bytes.fromhex('80000000000408f067a5502a4262b5000000010000000200000003'),
    'short-header-8': b'\x08' + bytes([0x41]) + bytes(range(8)) + bytes(40),
    **v2_packets,
})

# Frames: input[0] picks the packet type (0 Initial, 1 0-RTT, 2 Handshake, 3 1-RTT).
stream_data = b'hello'
frames = {
    'padding-ping': bytes([0, 0, 0, 1]),
    'ack-ranges-ecn': bytes([0x03]) + varint(100) + varint(25) + varint(2) + varint(3)
                      + varint(1) + varint(4) + varint(0) + varint(2) + varint(1) + varint(2) + varint(3),
    'reset-stream': bytes([0x04]) + varint(4) + varint(7) + varint(1000),
    'stop-sending': bytes([0x05]) + varint(8) + varint(9),
    'new-token': bytes([0x07]) + varint(4) + b'tokn',
    'stream-all-flags': bytes([0x0f]) + varint(4) + varint(1 << 20) + varint(5) + stream_data,
    'stream-no-length': bytes([0x08]) + varint(0) + stream_data,
    'max-data-family': bytes([0x10]) + varint(1 << 30) + bytes([0x11]) + varint(4) + varint(99)
                       + bytes([0x12]) + varint(100) + bytes([0x13]) + varint(3),
    'blocked-family': bytes([0x14]) + varint(5) + bytes([0x15]) + varint(4) + varint(6)
                      + bytes([0x16]) + varint(7) + bytes([0x17]) + varint(8),
    'new-cid-retire': bytes([0x18]) + varint(2) + varint(1) + bytes([8]) + bytes(range(8)) + bytes(range(16))
                      + bytes([0x19]) + varint(1),
    'path-challenge-response': bytes([0x1a]) + bytes(range(8)) + bytes([0x1b]) + bytes(range(8)),
    'connection-close': bytes([0x1c]) + varint(0x0a) + varint(0x08) + varint(3) + b'bad',
    'application-close': bytes([0x1d]) + varint(0x101) + varint(2) + b'no',
    'handshake-done': bytes([0x1e]),
    'datagram': bytes([0x31]) + varint(3) + b'abc' + bytes([0x30]) + b'rest',
    'ack-simple': bytes([0x02]) + varint(5) + varint(0) + varint(0) + varint(5),
}
seeds = {name: bytes([3]) + f for name, f in frames.items()}
seeds['rfc9001-a2-client-crypto-padded'] = bytes([0]) + CLIENT_CRYPTO + bytes(917)
seeds['rfc9001-a3-server-ack-crypto'] = bytes([0]) + SERVER_FRAMES
seeds['handshake-crypto'] = bytes([2]) + bytes([0x06]) + varint(0) + varint(4) + b'\x14\x00\x00\x00'
write(CORE, 'qsock.fuzz.FrameFuzzTest', 'decodesOrRejectsAndRoundTripsWhatItDecoded', seeds)


def tls_extension(hello, wanted):
    """The data of extension `wanted` in a ClientHello (RFC 8446 §4.1.2)."""
    at = 4 + 2 + 32
    at += 1 + hello[at]
    at += 2 + struct.unpack('>H', hello[at:at + 2])[0]
    at += 1 + hello[at]
    end = at + 2 + struct.unpack('>H', hello[at:at + 2])[0]
    at += 2
    while at < end:
        t, n = struct.unpack('>HH', hello[at:at + 4])
        if t == wanted:
            return hello[at + 4:at + 4 + n]
        at += 4 + n
    raise KeyError(wanted)


def param(pid, value):
    return varint(pid) + varint(len(value)) + value


client_params = tls_extension(CLIENT_HELLO, 0x39)
server_params = (param(0x00, bytes(range(8))) + param(0x01, varint(30000)) + param(0x02, bytes(range(16)))
                 + param(0x03, varint(1452)) + param(0x04, varint(1 << 20)) + param(0x05, varint(1 << 18))
                 + param(0x06, varint(1 << 18)) + param(0x07, varint(1 << 18)) + param(0x08, varint(100))
                 + param(0x09, varint(100)) + param(0x0a, varint(3)) + param(0x0b, varint(25))
                 + param(0x0c, b'') + param(0x0e, varint(4)) + param(0x0f, bytes(range(8)))
                 + param(0x10, bytes(range(8)))
                 + param(0x0d, bytes([192, 0, 2, 1]) + b'\x01\xbb' + bytes(16) + b'\x01\xbb' + bytes([8])
                         + bytes(range(8)) + bytes(range(16)))
                 + param(0x20, varint(1200)) + param(0x2ab2, b'') + param(0x11, bytes.fromhex('0000000100000001'))
                 + param(27 + 31 * 5, b'grease'))
write(CORE, 'qsock.fuzz.TransportParametersFuzzTest', 'decodesOrRejectsAndRoundTripsWhatItDecoded', {
    'rfc9001-a2-client': b'\x00' + client_params,
    'server-all-parameters': b'\x01' + server_params,
    'empty-client': b'\x00',
})

write(CORE, 'qsock.fuzz.ClientHelloReaderFuzzTest', 'readsWithoutExceptionAndPrefixesAreIncomplete', {
    'rfc9001-a2-client-hello': CLIENT_HELLO,
    'rfc9001-a2-client-hello-truncated': CLIENT_HELLO[:100],
    'server-hello': SERVER_HELLO,
})

# QUIC-LB: input[0] = rotation << 2 | self-encoded length (2) | encrypted (1), input[1] = server ID length - 1,
# input[2] = nonce length - 4, then the connection ID (the draft's vectors).
LB = [(0, 3, 4, False, '07c4605e4504cc4f'), (1, 5, 5, False, '2a350d28b42003487d970b'),
      (0, 3, 4, True, '0720b1d07b359d3c'), (1, 10, 5, True, '2fcc381bc74cb4fbad2823a3d1f8fed2'),
      (2, 8, 8, True, '504dd2d05a7b0de9b2b9907afb5ecf8cc3'), (0, 9, 9, True, '125779c9cc86beb3a3a4a3ca96fce4bfe0cdbc')]
write(CORE, 'qsock.core.cid.lb.QuicLbDecoderFuzzTest', 'decodesWithoutExceptionAndReEncodesWhatItDecoded', {
    'draft-vector-%d' % i: bytes([r << 2 | 2 | int(enc), sid - 1, nonce - 4]) + bytes.fromhex(cid)
    for i, (r, sid, nonce, enc, cid) in enumerate(LB)})

write(CORE, 'qsock.fuzz.AddressTokenFuzzTest', 'opensOnlyWhatWasSealedAndNeverThrows', {
    'retry-shaped': bytes([8, 1]) + bytes([0x52]) + bytes(range(12)) + bytes(8) + bytes([4, 192, 0, 2, 7])
                    + b'\xc3\x50' + bytes([8]) + bytes(8) + bytes([8]) + bytes(8) + bytes(16),
    'new-token-shaped': bytes([0x4e]) + bytes(range(12)) + bytes(8) + bytes([6]) + bytes(16) + bytes(16),
})


def router_frame(kind, body):
    return struct.pack('>IB', len(body) + 1, kind) + body


def address(family, ip, port):
    return bytes([family]) + ip + struct.pack('>H', port)


hello = bytes([1, 1]) + address(4, bytes([127, 0, 0, 1]), 4433) + bytes([2, 2]) + b'h3' + bytes([5]) + b'hq-29'
welcome = (bytes([1]) + address(6, bytes(15) + b'\x01', 443) + bytes([1, 3, 4, 2, 1]) + bytes(range(16))
           + bytes([0xed, 0x79, 0x3a]))
datagram = address(4, bytes([127, 0, 0, 1]), 443) + address(6, bytes(15) + b'\x01', 5000) + CLIENT_INITIAL[:64]
write(CORE, 'qsock.core.router.RouterWireFuzzTest', 'readsFramesOrRejectsAndRoundTripsWhatItRead', {
    'hello-withdraw': router_frame(1, hello) + router_frame(5, b''),
    'welcome-datagram': router_frame(2, welcome) + router_frame(4, datagram),
    'welcome-plaintext': router_frame(2, bytes([1]) + address(4, bytes([10, 0, 0, 1]), 443) + bytes([0, 2, 6, 0, 0])
                                      + b'\x01\x02'),
    'refused': router_frame(3, bytes([98]) + b'address in use'),
})


def str8(s):
    return bytes([len(s)]) + s


def str16(s):
    return struct.pack('>H', len(s)) + s


remote_hello = (bytes([1, 0]) + struct.pack('>I', 10000) + str16(b'localhost') + str16(b'')
                + bytes([2]) + str8(b'h3') + str8(b'hq-interop') + bytes([1]) + str8(b'h3')
                + struct.pack('>HB', 0x1301, 0) + struct.pack('>II', 1, 0) + str16(client_params))
write(CORE, 'qsock.socket.remote.RemoteProtocolFuzzTest', 'decodesOrRejectsAndRoundTripsWhatItDecoded', {
    'hello': bytes([0x01]) + remote_hello,
    'hello-server': bytes([0x01]) + bytes([1, 1]) + struct.pack('>I', 500) + str16(b'') + str16(b'psk-id')
                    + bytes([0, 0]) + struct.pack('>HB', 0, 2) + struct.pack('>II', 0x6b3343cf, 1) + str16(b''),
    'established': bytes([0x51]) + str8(b'h3') + struct.pack('>H', 0x1301) + str8(b'x25519'),
    'failed': bytes([0x52, 5, 1]) + struct.pack('>I', 0x128) + str16(b'bad certificate'),
    'failed-no-close': bytes([0x52, 3, 0, 0, 0, 0, 0]) + str16(b''),
})



def java_strings(path):
    """The `static final String NAME = "hex" + ...;` constants of a test class, concatenated and evaluated."""
    values = {}
    for name, expr in re.findall(r'static final String (\w+)\s*=\s*(.*?);', open(path).read(), re.S):
        expr = re.sub(r'("[0-9a-f]*")\.repeat\((\d+)\)', r'(\1*\2)', ' '.join(expr.split()))
        values[name] = eval(expr, {}, dict(values))
    return {k: bytes.fromhex(v) for k, v in values.items() if re.fullmatch(r'([0-9a-f]{2})*', v)}


R = java_strings(os.path.join(TLS, 'java/qsock/tls/message/Rfc8448.java'))
MESSAGES = ['CLIENT_HELLO', 'SERVER_HELLO', 'ENCRYPTED_EXTENSIONS', 'CERTIFICATE', 'CERTIFICATE_VERIFY',
            'SERVER_FINISHED', 'CLIENT_FINISHED', 'NEW_SESSION_TICKET', 'RESUMED_SERVER_HELLO',
            'RESUMED_ENCRYPTED_EXTENSIONS', 'RETRY_CLIENT_HELLO_1', 'HELLO_RETRY_REQUEST', 'RETRY_SERVER_HELLO',
            'RESUMED_CLIENT_HELLO', 'END_OF_EARLY_DATA', 'RETRY_CLIENT_HELLO_2']
# Handshake messages: input[0] picks the Finished length (0: before a suite, 1: 32, 2: 48), the rest is fed to
# the framer: RFC 8448's messages (SHA-256 suites), one flight, and the QUIC ClientHello and ServerHello of RFC 9001.
seeds = {'rfc8448-' + m.lower().replace('_', '-'): b'\x01' + R[m] for m in MESSAGES}
seeds['rfc8448-server-flight'] = b'\x01' + b''.join(R[m] for m in ['ENCRYPTED_EXTENSIONS', 'CERTIFICATE',
                                                                    'CERTIFICATE_VERIFY', 'SERVER_FINISHED'])
seeds['rfc9001-a2-client-hello'] = b'\x00' + CLIENT_HELLO
seeds['rfc9001-a3-server-hello'] = b'\x00' + SERVER_HELLO
seeds['key-update'] = b'\x00' + bytes([24, 0, 0, 1, 1])
write(TLS, 'qsock.tls.fuzz.HandshakeMessageFuzzTest', 'decodesOrRejectsAndRoundTripsWhatItDecoded', seeds)


def vec(data, at, width):
    n = int.from_bytes(data[at:at + width], 'big')
    return at + width + n


def hello_extensions(m):
    """The extension block of a ClientHello or ServerHello message (header included in m)."""
    at = 4 + 2 + 32
    at = vec(m, at, 1)
    at = vec(m, at, 2) if m[0] == 1 else at + 2
    at = vec(m, at, 1) if m[0] == 1 else at + 1
    return m[at:vec(m, at, 2)]


def nst_extensions(m):
    at = vec(m, vec(m, 4 + 8, 1), 2)
    return m[at:vec(m, at, 2)]


def certificate_extensions(m):
    at = vec(m, 4 + 1 + 3, 3)
    return m[at:vec(m, at, 2)]


# Extension blocks: input[0] picks the message carrying them (0 ClientHello, 1 ServerHello, 2 HelloRetryRequest,
# 3 EncryptedExtensions, 4 Certificate entry, 5 CertificateRequest, 6 NewSessionTicket).
write(TLS, 'qsock.tls.fuzz.ExtensionFuzzTest', 'decodesOrRejectsAndRoundTripsWhatItDecoded', {
    'rfc8448-client-hello': b'\x00' + hello_extensions(R['CLIENT_HELLO']),
    'rfc8448-resumed-client-hello': b'\x00' + hello_extensions(R['RESUMED_CLIENT_HELLO']),
    'rfc9001-a2-client-hello': b'\x00' + hello_extensions(CLIENT_HELLO),
    'rfc8448-server-hello': b'\x01' + hello_extensions(R['SERVER_HELLO']),
    'rfc8448-resumed-server-hello': b'\x01' + hello_extensions(R['RESUMED_SERVER_HELLO']),
    'rfc8448-hello-retry-request': b'\x02' + hello_extensions(R['HELLO_RETRY_REQUEST']),
    'rfc8448-encrypted-extensions': b'\x03' + R['ENCRYPTED_EXTENSIONS'][4:],
    'rfc8448-certificate-entry': b'\x04' + certificate_extensions(R['CERTIFICATE']),
    'certificate-request': b'\x05' + bytes.fromhex('000a000d0006000404030804'),
    'rfc8448-new-session-ticket': b'\x06' + nst_extensions(R['NEW_SESSION_TICKET']),
})

# Session tickets: the input is both a ticket to open and a SessionState encoding (RFC 8446 §4.6.1 leaves the
# ticket's form to the server; qsock's is SessionState.encode sealed with AES-256-GCM).
write(TLS, 'qsock.tls.fuzz.TicketFuzzTest', 'opensOnlyWhatWasSealedAndDecodesOrRejects', {
    'session-state-v2': bytes([2]) + bytes.fromhex('1301') + bytes([32]) + bytes(32) + bytes([2]) + b'h3'
                        + bytes([9]) + b'localhost' + struct.pack('>qIII', 1_700_000_000_000, 7200, 12345, 16384)
                        + struct.pack('>H', len(client_params)) + client_params + struct.pack('>I', 1),
})

# The connection-level target (qsock.core.attack.ConnectionFuzzTest): operations, each a kind byte and its fields
# (the target's Op enum documents them). 1-RTT payloads are RFC 9000 §19 frames as the honest client would send them,
# or would not.
def op_1rtt(payload, flags=0, pn_mode=0, pn_arg=0):
    return bytes([0, flags, pn_mode]) + struct.pack('>HH', pn_arg, len(payload)) + payload


def op_coalesced(*packets):
    out = bytes([1, len(packets) - 1])
    for kind, pn, payload in packets:
        out += bytes([kind, pn]) + struct.pack('>H', len(payload)) + payload
    return out


def op_raw(data):
    return bytes([2]) + struct.pack('>H', len(data)) + data


def op_advance(ms):
    return bytes([3]) + struct.pack('>H', ms - 1)


def op_write(length, new=True, bidi=True, fin=False, choice=0):
    return bytes([4, (1 if new else 0) | (2 if bidi else 0) | (4 if fin else 0), choice]) + struct.pack('>H', length)


def op_read(index, bidi=True):
    return bytes([5, 1 if bidi else 0, index])


OP_KEY_UPDATE = bytes([6])
ACK_FIRST, FROM_NEW_ADDRESS, PORT_ONLY, PHASE_FLIPPED = 1, 16, 32, 8
GEN1, GEN2 = 2, 4
ISSUED_OLDEST, ISSUED_NEWEST, UNKNOWN_CID = 0x40, 0x80, 0xc0


def stream(sid, offset, data, fin=False):
    return bytes([0x0f if fin else 0x0e]) + varint(sid) + varint(offset) + varint(len(data)) + data


PING = bytes([0x01])
token = bytes(range(0xa0, 0xb0))
write(CORE, 'qsock.core.attack.ConnectionFuzzTest', 'anyDatagramSequenceKeepsTheServerWithinItsBounds', {
    'stream-in-order': op_1rtt(stream(0, 0, b'hello')) + op_1rtt(stream(0, 5, b'world', True)) + op_read(0)
                       + op_advance(30),
    'stream-out-of-order': op_1rtt(stream(4, 10, b'later')) + op_1rtt(stream(4, 3, b'mid'))
                           + op_1rtt(stream(4, 0, b'abc'))
                           + op_1rtt(stream(2, 100, b'x' * 50, True)) + op_read(1) + op_read(0, bidi=False)
                           + op_1rtt(stream(4, 5, b'gap!!')) + op_read(1),
    'stream-flow-control': op_1rtt(stream(0, 0, b'a' * 3000)) + op_1rtt(stream(0, 3000, b'b' * 1000)) + op_read(0)
                           + op_1rtt(PING, ACK_FIRST) + op_1rtt(stream(0, 8000, b'c' * 1000)),
    'ack-server-data': op_write(3000) + op_1rtt(PING, ACK_FIRST) + op_write(2000, new=False, fin=True)
                       + op_advance(5) + op_1rtt(PING, ACK_FIRST) + op_advance(400) + op_1rtt(PING, ACK_FIRST),
    'ack-optimistic': op_write(4000) + op_1rtt(bytes([0x02]) + varint(1000) + varint(0) + varint(0) + varint(1000))
                      + op_1rtt(bytes([0x03]) + varint(5) + varint(0) + varint(0) + varint(5) + varint(1) + varint(0)
                                + varint(0)),
    'reset-stop-sending': op_1rtt(stream(0, 0, b'data')) + op_1rtt(bytes([0x04]) + varint(0) + varint(7) + varint(4))
                          + op_read(0) + op_write(500) + op_1rtt(bytes([0x05]) + varint(1) + varint(9))
                          + op_write(100, new=False) + op_1rtt(PING, ACK_FIRST)
                          + op_1rtt(bytes([0x04]) + varint(8) + varint(1) + varint(1 << 20)),
    'max-data-streams': op_write(1000) + op_1rtt(bytes([0x10]) + varint(1 << 20) + bytes([0x11]) + varint(1)
                                                 + varint(1 << 16) + bytes([0x12]) + varint(100) + bytes([0x13])
                                                 + varint(50))
                        + op_1rtt(bytes([0x14]) + varint(100) + bytes([0x15]) + varint(0) + varint(50) + bytes([0x16])
                                  + varint(8) + bytes([0x17]) + varint(4))
                        + op_1rtt(bytes([0x12]) + varint(1 << 60)),
    'new-cid-retire': op_1rtt(bytes([0x18]) + varint(20) + varint(18) + bytes([8]) + bytes(range(1, 9)) + token)
                      + op_1rtt(bytes([0x18]) + varint(21) + varint(19) + bytes([8]) + bytes(range(2, 10))
                                + token[::-1])
                      + op_1rtt(PING, ISSUED_NEWEST) + op_1rtt(bytes([0x19]) + varint(1), ISSUED_NEWEST)
                      + op_1rtt(PING, ISSUED_OLDEST) + op_1rtt(PING, UNKNOWN_CID),
    'path-challenge-migration': op_1rtt(bytes([0x1a]) + bytes(range(8)))
                                + op_1rtt(stream(0, 0, b'moved'), FROM_NEW_ADDRESS | ISSUED_NEWEST)
                                + op_1rtt(bytes([0x1b]) + bytes(8), FROM_NEW_ADDRESS | ISSUED_NEWEST)
                                + op_1rtt(PING, FROM_NEW_ADDRESS | PORT_ONLY) + op_advance(3000),
    'datagram': op_1rtt(bytes([0x31]) + varint(3) + b'abc' + bytes([0x30]) + b'rest')
                + op_1rtt(bytes([0x30]) + b'z' * 1500),
    'connection-close': op_1rtt(stream(0, 0, b'bye')) + op_1rtt(bytes([0x1c]) + varint(0x0a) + varint(0x08) + varint(3)
                                                                 + b'bad')
                        + op_1rtt(PING) + op_advance(2000),
    'application-close': op_1rtt(bytes([0x1d]) + varint(0x101) + varint(2) + b'no') + op_advance(1),
    'key-update': op_1rtt(PING) + op_1rtt(stream(0, 0, b'k1'), GEN1) + op_1rtt(PING, ACK_FIRST | GEN1)
                  + op_advance(1000) + op_1rtt(PING, ACK_FIRST | GEN2) + op_1rtt(PING, GEN2 | PHASE_FLIPPED)
                  + OP_KEY_UPDATE + op_1rtt(PING, ACK_FIRST | GEN2) + op_1rtt(PING, ACK_FIRST | GEN1 | GEN2),
    'coalesced': op_coalesced((1, 7, PING), (2, 0, stream(0, 0, b'co'))) + op_coalesced((0, 3, PING), (1, 4, PING))
                 + op_coalesced((2, 0, PING), (2, 0, PING)),
    'packet-numbers': op_1rtt(PING) + op_1rtt(stream(0, 0, b'dup')) + op_1rtt(stream(0, 0, b'dup'), pn_mode=1)
                      + op_1rtt(PING, pn_mode=3, pn_arg=5000) + op_1rtt(PING, pn_mode=2, pn_arg=3000)
                      + op_1rtt(PING, pn_mode=4, pn_arg=1) + op_1rtt(PING, ACK_FIRST),
    'not-from-a-client': op_1rtt(bytes([0x06]) + varint(0) + varint(4) + b'\x01\x00\x00\x00')
                         + op_1rtt(bytes([0x07]) + varint(4) + b'tokn') + op_1rtt(bytes([0x1e])),
    'garbage': op_raw(bytes(range(256)) * 2) + op_raw(bytes([0x40]) + bytes(range(1, 9)) + b'\x00' * 40)
               + op_1rtt(bytes([0x18]) + varint(20) + varint(18) + bytes([8]) + bytes(range(1, 9)) + token)
               + op_raw(bytes([0x45]) + b'\x11' * 40 + token) + op_1rtt(b'\x21\xff\xff'),
    'idle-timeout': op_1rtt(PING) + op_advance(65535) + op_1rtt(PING) + op_advance(65535),
})


# Well-formed frames built by the target (qsock.core.attack.FuzzedFrames): kind byte, then its fields.
def op_frames(frames, flags=0, pn_mode=0, pn_arg=0):
    return bytes([7, flags, pn_mode, pn_arg, len(frames) - 1]) + b''.join(frames)


def f_stream(sid_byte, offset, data, fin=False):
    return bytes([0, sid_byte, 1 if fin else 0]) + struct.pack('>HB', offset, len(data)) + data


F_ACK = bytes([1])
F_PING = bytes([17])
SERVER_BIDI_0, CLIENT_UNI_1 = 1, 2 | 4
with open(os.path.join(CORE, 'resources/qsock/core/attack/ConnectionFuzzTestInputs/'
                             'anyDatagramSequenceKeepsTheServerWithinItsBounds/seed-frames-built'), 'wb') as f:
    f.write(op_frames([f_stream(0, 0, b'hello'), f_stream(0, 10, b'x'), f_stream(4, 0, b'second', True)])
            + op_read(0) + op_write(3000) + op_frames([F_ACK, bytes([4, SERVER_BIDI_0, 3]), bytes([6, 0, 0x10, 0, 4])])
            + op_frames([bytes([5, 0x40, 0, 8]), bytes([7, 1, 0, 20, 0]), bytes([10, 0, 0, 8, 0]),
                         bytes([9, CLIENT_UNI_1, 0, 1, 0]), bytes([8, 0, 1, 0])])
            + op_frames([bytes([3, 4 << 2, 7, 0, 100]), bytes([11, 30, 28, 0x55, 0x66]), bytes([12, 0])])
            + op_frames([bytes([13, 1, 2]), bytes([15, 3]) + b'dgm', bytes([16, 0, 0, 2]) + b'\x08\x00', F_PING])
            + op_frames([f_stream(0, 5, b'moved')], FROM_NEW_ADDRESS | ISSUED_NEWEST)
            + op_frames([bytes([14, 0, 1]), F_ACK], FROM_NEW_ADDRESS | ISSUED_NEWEST)
            + op_frames([bytes([2, 7 << 3, 5])]) + op_advance(500) + op_frames([bytes([18, 0])]))
