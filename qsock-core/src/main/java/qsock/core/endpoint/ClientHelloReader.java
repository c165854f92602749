package qsock.core.endpoint;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Reads the ALPN protocols (RFC 7301) of a client's ClientHello (RFC 8446 §4.1.2) from the first bytes of its
 * Initial CRYPTO stream, without a TLS stack: the endpoint routes a new connection to one of the listeners sharing
 * its port before any handshake runs (the transport core depends on no TLS code).
 *
 * <p>Strict and bounded: every length is checked against what encloses it before it is used, a ClientHello longer
 * than {@link #MAX_CLIENT_HELLO} bytes is malformed (a post-quantum hybrid key share makes one of about 1.5 KiB;
 * a large session ticket and many extensions stay well under the bound), two extensions of one type are malformed
 * (RFC 8446 §4.2), and so are an empty protocol list or an empty protocol name (RFC 7301 §3.1). Only the fields
 * on the way to the extensions are read; the others (cipher suites, key shares) are the TLS stack's to judge.
 */
public final class ClientHelloReader {

    /** The longest ClientHello routed, in bytes with its 4-byte handshake header. */
    public static final int MAX_CLIENT_HELLO = 16384;

    /** RFC 8446 §4: HandshakeType client_hello. */
    private static final int CLIENT_HELLO = 1;
    /** RFC 7301 §3.1: ExtensionType application_layer_protocol_negotiation. */
    private static final int ALPN_EXTENSION = 16;
    /** RFC 8446 §4.1.2: legacy_version is 0x0303 (TLS 1.2) in a TLS 1.3 ClientHello. */
    private static final int LEGACY_VERSION = 0x0303;

    private ClientHelloReader() {
    }

    /**
     * Reads the ClientHello at the start of {@code crypto} (position to limit; nothing is consumed).
     *
     * @return INCOMPLETE while the bytes are a prefix of a ClientHello that fits the bound, MALFORMED for anything
     *     that cannot be one, else COMPLETE with its ALPN protocols
     */
    public static ClientHelloAlpn read(ByteBuffer crypto) {
        int p = crypto.position();
        int available = crypto.remaining();
        if (available < 1) {
            return ClientHelloAlpn.INCOMPLETE;
        }
        if ((crypto.get(p) & 0xFF) != CLIENT_HELLO) {
            return ClientHelloAlpn.MALFORMED;
        }
        if (available < 4) {
            return ClientHelloAlpn.INCOMPLETE;
        }
        int length = u24(crypto, p + 1);
        if (length + 4 > MAX_CLIENT_HELLO) {
            return ClientHelloAlpn.MALFORMED;
        }
        if (available < 4 + length) {
            return ClientHelloAlpn.INCOMPLETE;
        }
        return body(crypto, p + 4, p + 4 + length);
    }

    /** Reads the body between {@code at} and {@code end}, which are inside the buffer. */
    private static ClientHelloAlpn body(ByteBuffer b, int at, int end) {
        // RFC 8446 §4.1.2: legacy_version, random[32].
        if (end - at < 2 + 32 || u16(b, at) != LEGACY_VERSION) {
            return ClientHelloAlpn.MALFORMED;
        }
        at += 2 + 32;
        // legacy_session_id<0..32>
        if (at + 1 > end) {
            return ClientHelloAlpn.MALFORMED;
        }
        int sessionId = b.get(at) & 0xFF;
        at += 1;
        if (sessionId > 32 || at + sessionId > end) {
            return ClientHelloAlpn.MALFORMED;
        }
        at += sessionId;
        // cipher_suites<2..2^16-2>: whole two-byte suites.
        if (at + 2 > end) {
            return ClientHelloAlpn.MALFORMED;
        }
        int suites = u16(b, at);
        at += 2;
        if (suites < 2 || (suites & 1) != 0 || at + suites > end) {
            return ClientHelloAlpn.MALFORMED;
        }
        at += suites;
        // legacy_compression_methods<1..2^8-1>
        if (at + 1 > end) {
            return ClientHelloAlpn.MALFORMED;
        }
        int compression = b.get(at) & 0xFF;
        at += 1;
        if (compression < 1 || at + compression > end) {
            return ClientHelloAlpn.MALFORMED;
        }
        at += compression;
        // extensions<8..2^16-1>: a TLS 1.3 ClientHello has them (supported_versions at least), filling the rest.
        if (at + 2 > end) {
            return ClientHelloAlpn.MALFORMED;
        }
        int extensionsLength = u16(b, at);
        at += 2;
        if (extensionsLength < 8 || at + extensionsLength != end) {
            return ClientHelloAlpn.MALFORMED;
        }
        BitSet seen = new BitSet();
        List<String> protocols = null;
        while (at < end) {
            if (at + 4 > end) {
                return ClientHelloAlpn.MALFORMED;
            }
            int type = u16(b, at);
            int length = u16(b, at + 2);
            at += 4;
            if (at + length > end) {
                return ClientHelloAlpn.MALFORMED;
            }
            // RFC 8446 §4.2: there MUST NOT be more than one extension of the same type.
            if (seen.get(type)) {
                return ClientHelloAlpn.MALFORMED;
            }
            seen.set(type);
            if (type == ALPN_EXTENSION) {
                protocols = protocolNames(b, at, at + length);
                if (protocols == null) {
                    return ClientHelloAlpn.MALFORMED;
                }
            }
            at += length;
        }
        return protocols == null
                ? new ClientHelloAlpn(ClientHelloAlpn.Status.COMPLETE, List.of(), false)
                : new ClientHelloAlpn(ClientHelloAlpn.Status.COMPLETE, protocols, true);
    }

    /**
     * {@return the names of a ProtocolNameList filling {@code at} to {@code end}, or null if malformed} RFC 7301
     * §3.1: {@code ProtocolName protocol_name_list<2..2^16-1>}, each {@code opaque ProtocolName<1..2^8-1>}.
     */
    private static List<String> protocolNames(ByteBuffer b, int at, int end) {
        if (at + 2 > end || at + 2 + u16(b, at) != end) {
            return null;
        }
        at += 2;
        if (at == end) {
            return null;
        }
        List<String> names = new ArrayList<>();
        while (at < end) {
            int n = b.get(at) & 0xFF;
            at += 1;
            if (n == 0 || at + n > end) {
                return null;
            }
            byte[] name = new byte[n];
            b.get(at, name);
            names.add(new String(name, StandardCharsets.ISO_8859_1));
            at += n;
        }
        return names;
    }

    private static int u16(ByteBuffer b, int at) {
        return (b.get(at) & 0xFF) << 8 | b.get(at + 1) & 0xFF;
    }

    private static int u24(ByteBuffer b, int at) {
        return (b.get(at) & 0xFF) << 16 | (b.get(at + 1) & 0xFF) << 8 | b.get(at + 2) & 0xFF;
    }
}
