package qsock.core.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import qsock.api.QuicVersion;
import qsock.core.handshake.CipherSuite;
import qsock.core.packet.PacketNumber;
import qsock.core.testing.Generators;

class PacketProtectionTest {

    /** A protected packet, the receiver that opens it, and what it holds. */
    private record Sealed(PacketProtection sender, PacketProtection receiver, byte[] packet, byte[] header,
            int pnOffset, long pn, byte[] payload) {}

    private static byte[] secret(CipherSuite suite, SplittableRandom r) {
        return Generators.bytes(r, suite.hash().length());
    }

    /** A short header (1 + 8-byte DCID + 2-byte pn) or long header 1-RTT/Handshake-like packet. */
    private static byte[] header(boolean longHeader, int pnLength, int keyPhase, SplittableRandom r) {
        byte[] h = Generators.bytes(r, longHeader ? 1 + 4 + 1 + 8 + 1 + 8 + 2 + pnLength : 1 + 8 + pnLength);
        h[0] = (byte) (longHeader ? 0xe0 | (pnLength - 1) : 0x40 | keyPhase << 2 | (pnLength - 1));
        return h;
    }

    private static Sealed seal(CipherSuite suite, boolean longHeader, int payloadLength, long pn, SplittableRandom r) {
        byte[] secret = secret(suite, r);
        PacketProtection sender = PacketProtection.fromSecret(suite, QuicVersion.V1, secret);
        PacketProtection receiver = PacketProtection.fromSecret(suite, QuicVersion.V1, secret);
        int pnLength = 2;
        byte[] header = header(longHeader, pnLength, 0, r);
        byte[] payload = Generators.bytes(r, payloadLength);
        ByteBuffer buf = ByteBuffer.allocate(header.length + payloadLength + 16);
        buf.put(0, header).put(header.length, payload);
        int n = sender.seal(buf, 0, header.length - pnLength, pnLength, pn, header.length + payloadLength);
        // The header as sealed: the packet number field holds the packet number.
        header[header.length - 2] = (byte) (pn >>> 8);
        header[header.length - 1] = (byte) pn;
        return new Sealed(sender, receiver, BufferKind.bytes(buf, 0, n), header, header.length - pnLength, pn, payload);
    }

    private static int open(PacketProtection p, byte[] packet, int pnOffset, int end, long largest, OpenedPacket out) {
        return p.open(ByteBuffer.wrap(packet.clone()), 0, pnOffset, end, largest, out);
    }

    // RFC 9001 §5.5: a packet that fails to open is dropped; here: a result, never an exception.
    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    @Timeout(60)
    void everyOneBitChangeFailsToOpenAndLeavesTheKeysWorking(CipherSuite suite) {
        SplittableRandom r = new SplittableRandom(suite.ordinal());
        for (boolean longHeader : new boolean[] {false, true}) {
            Sealed s = seal(suite, longHeader, 60, 1000, r);
            OpenedPacket out = new OpenedPacket();
            int bits = s.packet().length * 8;
            for (int bit = 0; bit < bits; bit++) {
                byte[] changed = s.packet().clone();
                changed[bit / 8] ^= (byte) (1 << (bit % 8));
                assertEquals(PacketProtection.AUTHENTICATION_FAILED,
                        open(s.receiver(), changed, s.pnOffset(), changed.length, 999, out), "bit " + bit);
            }
            assertEquals(bits, s.receiver().authenticationFailures());
            assertEquals(s.payload().length, open(s.receiver(), s.packet(), s.pnOffset(), s.packet().length, 999, out));
            assertEquals(1000, out.packetNumber());
        }
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void truncatedPacketsAreTooShortOrFailToOpen(CipherSuite suite) {
        Sealed s = seal(suite, false, 40, 7, new SplittableRandom(1));
        OpenedPacket out = new OpenedPacket();
        for (int end = s.pnOffset(); end < s.packet().length; end++) {
            ByteBuffer buf = ByteBuffer.wrap(s.packet().clone());
            int result = s.receiver().open(buf, 0, s.pnOffset(), end, 6, out);
            if (end - s.pnOffset() < 4 + 16) {
                assertEquals(PacketProtection.TOO_SHORT, result, "end " + end);
                assertArrayEquals(s.packet(), buf.array(), "a packet too short is left as it was");
            } else {
                assertEquals(PacketProtection.AUTHENTICATION_FAILED, result, "end " + end);
            }
        }
    }

    @Test
    void aPacketNumberDecodedWrongFailsToOpen() {
        Sealed s = seal(CipherSuite.TLS_AES_128_GCM_SHA256, false, 40, 0x1_0005, new SplittableRandom(2));
        OpenedPacket out = new OpenedPacket();
        // Sent as 0x0005 in 2 bytes: with the largest received far ahead it decodes to 0x2_0005.
        assertEquals(PacketProtection.AUTHENTICATION_FAILED, open(s.receiver(), s.packet(), s.pnOffset(),
                s.packet().length, 0x1_ffff, out));
        assertEquals(0x2_0005, out.packetNumber());
        assertEquals(40, open(s.receiver(), s.packet(), s.pnOffset(), s.packet().length, 0x1_0004, out));
    }

    // Duplicates are the connection's to detect (RFC 9000 §12.3); protection opens them like any packet.
    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void aDuplicatedPacketOpensAgain(CipherSuite suite) {
        Sealed s = seal(suite, false, 30, 42, new SplittableRandom(3));
        OpenedPacket out = new OpenedPacket();
        for (int i = 0; i < 3; i++) {
            assertEquals(30, open(s.receiver(), s.packet(), s.pnOffset(), s.packet().length, 41, out));
        }
    }

    @Test
    void sealRefusesPacketNumbersThatDoNotGrow() {
        SplittableRandom r = new SplittableRandom(4);
        PacketProtection p = PacketProtection.fromSecret(CipherSuite.TLS_AES_128_GCM_SHA256, QuicVersion.V1,
                secret(CipherSuite.TLS_AES_128_GCM_SHA256, r));
        ByteBuffer buf = ByteBuffer.allocate(100);
        buf.put(0, (byte) 0x40);
        assertEquals(100, p.seal(buf, 0, 1, 1, 5, 84));
        buf.put(0, (byte) 0x40);
        assertThrows(IllegalStateException.class, () -> p.seal(buf, 0, 1, 1, 5, 84));
        assertThrows(IllegalStateException.class, () -> p.seal(buf, 0, 1, 1, 4, 84));
        assertEquals(100, p.seal(buf, 0, 1, 1, 6, 84));
        assertEquals(2, p.packetsSealed());
    }

    @Test
    void sealRefusesLayoutsThatCannotBeProtected() {
        SplittableRandom r = new SplittableRandom(5);
        PacketProtection p = PacketProtection.fromSecret(CipherSuite.TLS_AES_128_GCM_SHA256, QuicVersion.V1,
                secret(CipherSuite.TLS_AES_128_GCM_SHA256, r));
        ByteBuffer buf = ByteBuffer.allocate(100);
        buf.put(0, (byte) 0x41); // short header, 2-byte packet number, key phase 0
        // No room for the tag before the limit.
        assertThrows(IllegalArgumentException.class, () -> p.seal(buf, 0, 1, 2, 1, 90));
        // Packet number + payload under 4 bytes: no full sample (RFC 9001 §5.4.2).
        assertThrows(IllegalArgumentException.class, () -> p.seal(buf, 0, 1, 2, 1, 4));
        // The first byte announces 2 bytes of packet number.
        assertThrows(IllegalArgumentException.class, () -> p.seal(buf, 0, 1, 1, 1, 50));
        assertThrows(IllegalArgumentException.class, () -> p.seal(buf, 0, 1, 5, 1, 50));
        assertThrows(IllegalArgumentException.class, () -> p.seal(buf, 0, 0, 2, 1, 50));
        assertThrows(IllegalArgumentException.class, () -> p.seal(buf, 0, 1, 2, PacketNumber.MAX + 1, 50));
        assertThrows(IllegalArgumentException.class, () -> p.seal(buf.asReadOnlyBuffer(), 0, 1, 2, 1, 50));
        // Key Phase bit 1 on keys of phase 0.
        buf.put(0, (byte) 0x45);
        assertThrows(IllegalArgumentException.class, () -> p.seal(buf, 0, 1, 2, 1, 50));
        assertEquals(0, p.packetsSealed());
        assertThrows(IllegalArgumentException.class,
                () -> PacketProtection.fromSecret(CipherSuite.TLS_AES_256_GCM_SHA384, QuicVersion.V1, new byte[32]));
    }

    @Test
    void openRefusesLayoutsOutsideTheBuffer() {
        PacketProtection p =
                PacketProtection.fromSecret(CipherSuite.TLS_AES_128_GCM_SHA256, QuicVersion.V1, new byte[32]);
        OpenedPacket out = new OpenedPacket();
        assertThrows(IllegalArgumentException.class, () -> p.open(ByteBuffer.allocate(50), 0, 1, 51, -1, out));
        assertThrows(IllegalArgumentException.class, () -> p.open(ByteBuffer.allocate(50), 5, 5, 50, -1, out));
        assertThrows(IllegalArgumentException.class, () -> p.open(ByteBuffer.allocate(50), 0, 20, 10, -1, out));
    }

    // RFC 9001 §6: key updates change the AEAD key and IV, not the header protection key.
    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void nextGenerationsUseTheKuSecretsAndKeepHeaderProtection(CipherSuite suite) {
        SplittableRandom r = new SplittableRandom(6);
        byte[] secret = secret(suite, r);
        for (QuicVersion version : QuicVersion.values()) {
            PacketProtection gen0 = PacketProtection.fromSecret(suite, version, secret);
            PacketProtection gen1 = gen0.nextGeneration();
            PacketProtection gen2 = gen1.nextGeneration();
            assertEquals(0, gen0.keyPhase());
            assertEquals(1, gen1.keyPhase());
            assertEquals(0, gen2.keyPhase());
            assertEquals(2, gen2.generation());
            assertSame(gen0.headerProtection(), gen2.headerProtection());

            PacketKeys keys0 = PacketKeys.derive(suite, version, secret);
            byte[] secret1 = PacketKeys.nextSecret(suite, version, secret);
            byte[] secret2 = PacketKeys.nextSecret(suite, version, secret1);
            assertNotEquals(Hex.of(secret), Hex.of(secret1));
            PacketProtection[] gens = {gen0, gen1, gen2};
            byte[][] secrets = {secret, secret1, secret2};
            long pn = 100;
            for (int g = 0; g < 3; g++) {
                byte[] header = header(false, 2, g & 1, r);
                header[header.length - 2] = 0;
                header[header.length - 1] = (byte) pn;
                byte[] payload = Generators.bytes(r, 50);
                PacketKeys keys = PacketKeys.derive(suite, version, secrets[g]);
                // AEAD key and IV of this generation, header protection key of the first.
                byte[] expected = JcaOracle.protect(suite, keys.key(), keys.iv(), keys0.hp(), pn, header, 2, payload);
                ByteBuffer buf = ByteBuffer.allocate(expected.length);
                buf.put(0, header).put(header.length, payload);
                gens[g].seal(buf, 0, header.length - 2, 2, pn, header.length + payload.length);
                assertEquals(Hex.of(expected), Hex.of(buf.array()), "generation " + g + " " + version);
                pn++;
            }
        }
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void aReceiverReadsTheKeyPhaseThenDecryptsWithTheNextGeneration(CipherSuite suite) {
        SplittableRandom r = new SplittableRandom(8);
        byte[] secret = secret(suite, r);
        PacketProtection sender = PacketProtection.fromSecret(suite, QuicVersion.V2, secret).nextGeneration();
        PacketProtection receiver = PacketProtection.fromSecret(suite, QuicVersion.V2, secret);
        byte[] header = header(false, 2, 1, r);
        byte[] payload = Generators.bytes(r, 70);
        ByteBuffer buf = ByteBuffer.allocate(header.length + payload.length + 16);
        buf.put(0, header).put(header.length, payload);
        int n = sender.seal(buf, 0, header.length - 2, 2, 500, header.length + payload.length);
        byte[] packet = BufferKind.bytes(buf, 0, n);

        OpenedPacket out = new OpenedPacket();
        ByteBuffer copy = ByteBuffer.wrap(packet.clone());
        assertTrue(receiver.removeHeaderProtection(copy, 0, header.length - 2, n, 499, out));
        assertEquals(1, out.keyPhase());
        assertEquals(500, out.packetNumber());
        assertEquals(payload.length + 16, out.payloadLength());
        assertEquals(PacketProtection.AUTHENTICATION_FAILED, receiver.decryptPayload(copy, out));

        copy = ByteBuffer.wrap(packet.clone());
        assertTrue(receiver.removeHeaderProtection(copy, 0, header.length - 2, n, 499, out));
        PacketProtection next = receiver.nextGeneration();
        assertEquals(payload.length, next.decryptPayload(copy, out));
        assertEquals(payload.length, out.payloadLength());
        assertArrayEquals(payload, BufferKind.bytes(copy, out.payloadOffset(), payload.length));
    }
}
