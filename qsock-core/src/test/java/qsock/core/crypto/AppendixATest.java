package qsock.core.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.api.QuicVersion;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.frame.AckFrame;
import qsock.core.frame.CryptoFrame;
import qsock.core.frame.Frame;
import qsock.core.frame.FrameDecoder;
import qsock.core.frame.FrameEncoder;
import qsock.core.frame.PaddingFrame;
import qsock.core.frame.PingFrame;
import qsock.core.handshake.CipherSuite;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketHeaderWriter;
import qsock.core.packet.PacketNumber;
import qsock.core.packet.PacketParser;
import qsock.core.packet.PacketType;
import qsock.core.packet.ParseStatus;
import qsock.core.wire.ConnectionId;

/**
 * The checks of the sample packet protection in Appendix A of RFC 9001 (QUIC v1) and RFC 9369 (QUIC v2):
 * one subclass per RFC supplies the hex, these tests compare every value byte for byte, sealing and
 * opening in each {@link BufferKind}.
 */
abstract class AppendixATest {

    /** The client's Destination Connection ID of every Appendix A sample (A.1). */
    static final ConnectionId CLIENT_DCID = ConnectionId.ofHex("8394c8f03e515708");

    /** The payload length of the client Initial: the CRYPTO frame and PADDING (A.2). */
    static final int CLIENT_INITIAL_PAYLOAD_LENGTH = 1162;

    /** The packet number of A.5, sent in 3 bytes as 49140 (0xbff4). */
    static final long CHACHA_PACKET_NUMBER = 654_360_564L;

    /** The hex of one RFC's Appendix A, as text blocks. */
    record Vectors(
            QuicVersion version,
            String clientInLabel, String serverInLabel, String keyLabel, String ivLabel, String hpLabel,
            String initialSecret,
            String clientSecret, String clientKey, String clientIv, String clientHp,
            String serverSecret, String serverKey, String serverIv, String serverHp,
            String clientCryptoFrame, String clientHeader, String clientSample, String clientMask,
            String clientPacket,
            String serverPayload, String serverHeader, String serverSample, String serverMask,
            String serverPacket,
            String retryPacket,
            String chachaSecret, String chachaKey, String chachaIv, String chachaHp, String chachaKu,
            String chachaHeader, String chachaPlaintext, String chachaCiphertext, String chachaSample,
            String chachaMask, String chachaPacket) {}

    private final Vectors v;

    AppendixATest(Vectors vectors) {
        this.v = vectors;
    }

    private static byte[] hex(String s) {
        return Hex.bytes(s);
    }

    private static void assertHex(String expected, byte[] actual) {
        assertEquals(Hex.of(hex(expected)), Hex.of(actual));
    }

    // A.1

    @Test
    void hkdfLabelsAreTheRfcs() {
        String prefix = v.version().labelPrefix();
        assertHex(v.clientInLabel(), Hkdf.hkdfLabel("client in", new byte[0], 32));
        assertHex(v.serverInLabel(), Hkdf.hkdfLabel("server in", new byte[0], 32));
        assertHex(v.keyLabel(), Hkdf.hkdfLabel(prefix + "key", new byte[0], 16));
        assertHex(v.ivLabel(), Hkdf.hkdfLabel(prefix + "iv", new byte[0], 12));
        assertHex(v.hpLabel(), Hkdf.hkdfLabel(prefix + "hp", new byte[0], 16));
    }

    @Test
    void initialSecretsAreTheRfcs() {
        InitialSecrets secrets = InitialSecrets.derive(v.version(), CLIENT_DCID);
        assertHex(v.initialSecret(), secrets.initialSecret());
        assertHex(v.clientSecret(), secrets.clientSecret());
        assertHex(v.serverSecret(), secrets.serverSecret());
        assertHex(v.clientSecret(), secrets.secretOf(Role.CLIENT));
        assertHex(v.serverSecret(), secrets.secretOf(Role.SERVER));
    }

    @Test
    void initialKeysAreTheRfcs() {
        PacketKeys client = PacketKeys.derive(CipherSuite.TLS_AES_128_GCM_SHA256, v.version(), hex(v.clientSecret()));
        assertHex(v.clientKey(), client.key());
        assertHex(v.clientIv(), client.iv());
        assertHex(v.clientHp(), client.hp());
        PacketKeys server = PacketKeys.derive(CipherSuite.TLS_AES_128_GCM_SHA256, v.version(), hex(v.serverSecret()));
        assertHex(v.serverKey(), server.key());
        assertHex(v.serverIv(), server.iv());
        assertHex(v.serverHp(), server.hp());
    }

    // A.2

    private byte[] clientPayload() {
        byte[] payload = new byte[CLIENT_INITIAL_PAYLOAD_LENGTH];
        byte[] crypto = hex(v.clientCryptoFrame());
        // The rest stays zero: PADDING frames (RFC 9000 §19.1).
        System.arraycopy(crypto, 0, payload, 0, crypto.length);
        return payload;
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void clientInitialSealsToTheRfcsPacket(BufferKind kind) {
        PacketProtection client = PacketProtection.initial(v.version(), CLIENT_DCID, Role.CLIENT);
        assertSealsTo(client, kind, hex(v.clientHeader()), clientPayload(), 2, hex(v.clientPacket()));
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void clientInitialOpensToTheRfcsHeaderAndPayload(BufferKind kind) {
        // The server opens the client's Initial with the client's keys.
        PacketProtection atServer = PacketProtection.initial(v.version(), CLIENT_DCID, Role.CLIENT);
        assertOpensTo(atServer, kind, hex(v.clientPacket()), hex(v.clientHeader()), clientPayload(), 2,
                PacketNumber.NONE);
    }

    @Test
    void clientInitialSampleAndMaskAreTheRfcs() {
        assertSampleAndMask(CipherSuite.TLS_AES_128_GCM_SHA256, hex(v.clientHp()), hex(v.clientPacket()),
                hex(v.clientHeader()), v.clientSample(), v.clientMask());
    }

    // A.3

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void serverInitialSealsToTheRfcsPacket(BufferKind kind) {
        PacketProtection server = PacketProtection.initial(v.version(), CLIENT_DCID, Role.SERVER);
        assertSealsTo(server, kind, hex(v.serverHeader()), hex(v.serverPayload()), 1, hex(v.serverPacket()));
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void serverInitialOpensToTheRfcsHeaderAndPayload(BufferKind kind) {
        PacketProtection atClient = PacketProtection.initial(v.version(), CLIENT_DCID, Role.SERVER);
        assertOpensTo(atClient, kind, hex(v.serverPacket()), hex(v.serverHeader()), hex(v.serverPayload()), 1,
                PacketNumber.NONE);
    }

    @Test
    void serverInitialSampleAndMaskAreTheRfcs() {
        assertSampleAndMask(CipherSuite.TLS_AES_128_GCM_SHA256, hex(v.serverHp()), hex(v.serverPacket()),
                hex(v.serverHeader()), v.serverSample(), v.serverMask());
    }

    // A.4

    @Test
    void retryIntegrityTagIsTheRfcs() {
        byte[] retry = hex(v.retryPacket());
        int withoutTag = retry.length - RetryIntegrity.TAG_LENGTH;
        byte[] tag = RetryIntegrity.computeTag(v.version(), CLIENT_DCID, ByteBuffer.wrap(retry, 0, withoutTag));
        assertHex(Hex.of(retry).substring(2 * withoutTag), tag);
        assertTrue(RetryIntegrity.verify(v.version(), CLIENT_DCID, ByteBuffer.wrap(retry)));
        assertTrue(RetryIntegrity.verify(v.version(), CLIENT_DCID, BufferKind.DIRECT.wrap(retry, 0)));
    }

    @Test
    void retryVerificationRejectsEveryOneBitChange() {
        byte[] retry = hex(v.retryPacket());
        for (int bit = 0; bit < retry.length * 8; bit++) {
            byte[] changed = retry.clone();
            changed[bit / 8] ^= (byte) (1 << (bit % 8));
            assertFalse(RetryIntegrity.verify(v.version(), CLIENT_DCID, ByteBuffer.wrap(changed)), "bit " + bit);
        }
        byte[] odcid = CLIENT_DCID.toByteArray();
        for (int bit = 0; bit < odcid.length * 8; bit++) {
            byte[] changed = odcid.clone();
            changed[bit / 8] ^= (byte) (1 << (bit % 8));
            assertFalse(RetryIntegrity.verify(v.version(), ConnectionId.of(changed), ByteBuffer.wrap(retry)),
                    "ODCID bit " + bit);
        }
    }

    @Test
    void retryVerificationRejectsTheOtherVersionAndTruncation() {
        byte[] retry = hex(v.retryPacket());
        QuicVersion other = v.version() == QuicVersion.V1 ? QuicVersion.V2 : QuicVersion.V1;
        assertFalse(RetryIntegrity.verify(other, CLIENT_DCID, ByteBuffer.wrap(retry)));
        for (int length = 0; length < retry.length; length++) {
            assertFalse(RetryIntegrity.verify(v.version(), CLIENT_DCID, ByteBuffer.wrap(retry, 0, length)),
                    "length " + length);
        }
    }

    // A.5

    @Test
    void chachaKeysAndKeyUpdateSecretAreTheRfcs() {
        CipherSuite suite = CipherSuite.TLS_CHACHA20_POLY1305_SHA256;
        PacketKeys keys = PacketKeys.derive(suite, v.version(), hex(v.chachaSecret()));
        assertHex(v.chachaKey(), keys.key());
        assertHex(v.chachaIv(), keys.iv());
        assertHex(v.chachaHp(), keys.hp());
        assertHex(v.chachaKu(), PacketKeys.nextSecret(suite, v.version(), hex(v.chachaSecret())));
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void chachaShortHeaderSealsToTheRfcsPacket(BufferKind kind) {
        PacketProtection server = PacketProtection.fromSecret(CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
                v.version(), hex(v.chachaSecret()));
        byte[] header = hex(v.chachaHeader());
        ByteBuffer sealed = assertSealsTo(server, kind, header, hex(v.chachaPlaintext()), CHACHA_PACKET_NUMBER,
                hex(v.chachaPacket()));
        assertHex(v.chachaCiphertext(), BufferKind.bytes(sealed, header.length, sealed.limit() - header.length));
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void chachaShortHeaderOpensToTheRfcsHeaderAndPayload(BufferKind kind) {
        PacketProtection atClient = PacketProtection.fromSecret(CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
                v.version(), hex(v.chachaSecret()));
        OpenedPacket opened = assertOpensTo(atClient, kind, hex(v.chachaPacket()), hex(v.chachaHeader()),
                hex(v.chachaPlaintext()), CHACHA_PACKET_NUMBER, CHACHA_PACKET_NUMBER - 1);
        assertEquals(0, opened.keyPhase());
        assertFalse(opened.isLongHeader());
    }

    @Test
    void chachaSampleAndMaskAreTheRfcs() {
        assertSampleAndMask(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, hex(v.chachaHp()), hex(v.chachaPacket()),
                hex(v.chachaHeader()), v.chachaSample(), v.chachaMask());
    }

    // RFC 9001 §5.5: a packet that does not open is dropped. Every single-bit change of each sample
    // packet fails to open, as a result and not an exception, and the keys still open the original.
    @Test
    @Timeout(60)
    void everyOneBitChangeOfTheSamplePacketsFailsToOpen() {
        PacketProtection client = PacketProtection.initial(v.version(), CLIENT_DCID, Role.CLIENT);
        PacketProtection server = PacketProtection.initial(v.version(), CLIENT_DCID, Role.SERVER);
        PacketProtection chacha = PacketProtection.fromSecret(CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
                v.version(), hex(v.chachaSecret()));
        assertEveryBitFlipFails(client, hex(v.clientPacket()), hex(v.clientHeader()), PacketNumber.NONE);
        assertEveryBitFlipFails(server, hex(v.serverPacket()), hex(v.serverHeader()), PacketNumber.NONE);
        assertEveryBitFlipFails(chacha, hex(v.chachaPacket()), hex(v.chachaHeader()), CHACHA_PACKET_NUMBER - 1);
    }

    private static void assertEveryBitFlipFails(PacketProtection p, byte[] packet, byte[] header, long largest) {
        int pnOffset = header.length - ((header[0] & 0x03) + 1);
        OpenedPacket out = new OpenedPacket();
        for (int bit = 0; bit < packet.length * 8; bit++) {
            byte[] changed = packet.clone();
            changed[bit / 8] ^= (byte) (1 << (bit % 8));
            assertEquals(PacketProtection.AUTHENTICATION_FAILED,
                    p.open(ByteBuffer.wrap(changed), 0, pnOffset, changed.length, largest, out), "bit " + bit);
        }
        assertEquals(packet.length * 8L, p.authenticationFailures());
        assertTrue(p.open(ByteBuffer.wrap(packet.clone()), 0, pnOffset, packet.length, largest, out) >= 0);
    }

    // Shared checks

    /** Seals header + payload as the RFC describes and compares with the RFC's protected packet. */
    private static ByteBuffer assertSealsTo(PacketProtection p, BufferKind kind, byte[] header, byte[] payload,
            long packetNumber, byte[] expected) {
        ByteBuffer buf = kind.allocate(header.length + payload.length + CipherSuite.TAG_LENGTH);
        buf.put(0, header).put(header.length, payload);
        int pnLength = (header[0] & 0x03) + 1;
        // The RFC's Packet Number field is the last pnLength bytes of its unprotected header.
        int length = p.seal(buf, 0, header.length - pnLength, pnLength, packetNumber, header.length + payload.length);
        assertEquals(expected.length, length);
        assertEquals(Hex.of(expected), Hex.of(BufferKind.bytes(buf, 0, length)));
        assertEquals(1, p.packetsSealed());
        return buf;
    }

    /** Opens the RFC's protected packet and compares with its unprotected header and payload. */
    private static OpenedPacket assertOpensTo(PacketProtection p, BufferKind kind, byte[] packet, byte[] header,
            byte[] payload, long packetNumber, long largestReceived) {
        ByteBuffer buf = kind.wrap(packet, 0);
        int pnLength = (header[0] & 0x03) + 1;
        OpenedPacket out = new OpenedPacket();
        int n = p.open(buf, 0, header.length - pnLength, packet.length, largestReceived, out);
        assertEquals(payload.length, n);
        assertEquals(packetNumber, out.packetNumber());
        assertEquals(pnLength, out.packetNumberLength());
        assertEquals(header.length, out.payloadOffset());
        assertEquals(payload.length, out.payloadLength());
        assertEquals(header[0] & 0xff, out.firstByte());
        assertEquals(0, out.reservedBits());
        assertEquals(Hex.of(header), Hex.of(BufferKind.bytes(buf, 0, header.length)));
        assertArrayEquals(payload, BufferKind.bytes(buf, header.length, payload.length));
        assertEquals(0, p.authenticationFailures());
        return out;
    }

    // The whole path: header parser, packet protection and frame codec together, as a receiver and a
    // sender use them, on the RFC's packets.

    /** Parses, opens and decodes one packet of a datagram the way a receiver does. */
    private static List<Frame> receive(ByteBuffer datagram, int shortHeaderDcidLength, PacketType expectedType,
            java.util.function.Function<PacketHeaderView, PacketProtection> keys, long expectedPn)
            throws QuicProtocolException {
        return receive(datagram, shortHeaderDcidLength, expectedType, keys, expectedPn, PacketNumber.NONE);
    }

    private static List<Frame> receive(ByteBuffer datagram, int shortHeaderDcidLength, PacketType expectedType,
            java.util.function.Function<PacketHeaderView, PacketProtection> keys, long expectedPn,
            long largestReceived) throws QuicProtocolException {
        PacketHeaderView header = new PacketHeaderView();
        assertEquals(ParseStatus.OK, PacketParser.parse(datagram, 0, shortHeaderDcidLength, false, header));
        assertEquals(expectedType, header.type());
        OpenedPacket opened = new OpenedPacket();
        int length = keys.apply(header).open(datagram, header.packetStart(), header.pnOffset(), header.packetEnd(),
                largestReceived, opened);
        assertTrue(length > 0, "open failed: " + length);
        assertEquals(expectedPn, opened.packetNumber());
        List<Frame> frames = new ArrayList<>();
        FrameDecoder.decodeAll(datagram.slice(opened.payloadOffset(), opened.payloadLength()), expectedType, frames);
        return frames;
    }

    @Test
    void receivePathTurnsTheRfcClientInitialIntoItsFrames() throws QuicProtocolException {
        ByteBuffer datagram = ByteBuffer.wrap(hex(v.clientPacket()));
        // A server knows nothing but the datagram: version and DCID from the header give the keys.
        List<Frame> frames = receive(datagram, 8, PacketType.INITIAL,
                h -> PacketProtection.initial(h.quicVersion(), h.dcid(datagram), Role.CLIENT), 2);
        byte[] cryptoFrame = hex(v.clientCryptoFrame());
        CryptoFrame crypto = (CryptoFrame) frames.get(0);
        assertEquals(0, crypto.offset());
        // The CRYPTO frame header is 06 00 40f1: type, offset 0, 2-byte length.
        assertEquals(ByteBuffer.wrap(cryptoFrame, 4, cryptoFrame.length - 4), crypto.data());
        assertEquals(new PaddingFrame(CLIENT_INITIAL_PAYLOAD_LENGTH - cryptoFrame.length), frames.get(1));
        assertEquals(2, frames.size());
    }

    @Test
    void receivePathTurnsTheRfcServerInitialIntoAnAckAndACryptoFrame() throws QuicProtocolException {
        ByteBuffer datagram = ByteBuffer.wrap(hex(v.serverPacket()));
        List<Frame> frames = receive(datagram, 8, PacketType.INITIAL,
                h -> PacketProtection.initial(h.quicVersion(), CLIENT_DCID, Role.SERVER), 1);
        AckFrame ack = (AckFrame) frames.get(0);
        assertEquals(0, ack.largestAcknowledged());
        assertTrue(ack.acknowledges(0));
        CryptoFrame crypto = (CryptoFrame) frames.get(1);
        assertEquals(0, crypto.offset());
        assertEquals(90, crypto.data().remaining());
        assertEquals(2, frames.size());
    }

    @Test
    void receivePathTurnsTheRfcChachaShortHeaderPacketIntoAPing() throws QuicProtocolException {
        ByteBuffer datagram = ByteBuffer.wrap(hex(v.chachaPacket()));
        PacketProtection keys = PacketProtection.fromSecret(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, v.version(),
                hex(v.chachaSecret()));
        // 4 bytes of header, 1 of payload, 16 of tag: exactly the 21-byte minimum of RFC 9000 §10.3.
        assertEquals(21, datagram.limit());
        ByteBuffer copy = datagram.duplicate();
        assertEquals(List.of(new PingFrame()), receive(copy, 0, PacketType.ONE_RTT, h -> keys, CHACHA_PACKET_NUMBER,
                CHACHA_PACKET_NUMBER - 1));
    }

    @Test
    void sendPathBuildsTheRfcClientInitialFromItsFrames() {
        byte[] cryptoFrame = hex(v.clientCryptoFrame());
        ByteBuffer packet = ByteBuffer.allocate(1200);
        int pnOffset = PacketHeaderWriter.writeLongHeader(packet, v.version(), PacketType.INITIAL, CLIENT_DCID,
                ConnectionId.EMPTY, null, 2, 4, 2, true);
        FrameEncoder.encode(packet, new CryptoFrame(0, ByteBuffer.wrap(cryptoFrame, 4, cryptoFrame.length - 4)));
        // The RFC pads the payload to 1162 bytes so that the datagram is exactly 1200 (RFC 9000 §14.1).
        FrameEncoder.writePadding(packet, CLIENT_INITIAL_PAYLOAD_LENGTH - cryptoFrame.length);
        int payloadEnd = packet.position();
        PacketHeaderWriter.setLength(packet, pnOffset, 2, payloadEnd + CipherSuite.TAG_LENGTH);
        int length = PacketProtection.initial(v.version(), CLIENT_DCID, Role.CLIENT)
                .seal(packet, 0, pnOffset, 4, 2, payloadEnd);
        assertEquals(1200, length);
        assertHex(v.clientPacket(), Arrays.copyOf(packet.array(), length));
    }

    /** The sample starts 4 bytes after the Packet Number field; its mask is the RFC's. */
    private static void assertSampleAndMask(CipherSuite suite, byte[] hp, byte[] packet, byte[] header,
            String sample, String mask) {
        int pnOffset = header.length - ((header[0] & 0x03) + 1);
        int sampleOffset = pnOffset + HeaderProtection.SAMPLE_OFFSET;
        assertHex(sample, BufferKind.bytes(ByteBuffer.wrap(packet), sampleOffset, HeaderProtection.SAMPLE_LENGTH));
        for (BufferKind kind : BufferKind.values()) {
            long m = new HeaderProtection(suite, hp).mask(kind.wrap(packet, 0), sampleOffset);
            assertEquals(Hex.of(hex(mask)), String.format("%010x", m), kind.name());
        }
    }
}
