package qsock.core.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.QuicVersion;
import qsock.core.handshake.CipherSuite;
import qsock.core.packet.PacketNumber;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;

/**
 * Random connections' worth of packets: each scenario seals a run of packets with one protection object
 * and opens them with another, in buffers of one kind, at varying offsets, so that state left behind by
 * one packet (nonce, views, header protection cipher) would show in the next.
 */
class PacketProtectionPropertyTest {

    /** One packet: its unprotected header (packet number field included), payload, and where it goes. */
    private record Packet(byte[] header, int pnLength, long pn, byte[] payload, int at, int spare, int bufferIndex,
            int flippedBit) {}

    private record Scenario(CipherSuite suite, QuicVersion version, byte[] secret, int generation, BufferKind kind,
            long largestBefore, List<Packet> packets) {

        @Override
        public String toString() {
            return suite + " " + version + " generation " + generation + " " + kind + " largest before "
                    + largestBefore + ", " + packets.size() + " packets, first pn "
                    + (packets.isEmpty() ? "-" : packets.getFirst().pn());
        }
    }

    private static Scenario scenario(SplittableRandom r) {
        CipherSuite suite = CipherSuite.values()[r.nextInt(3)];
        QuicVersion version = QuicVersion.values()[r.nextInt(2)];
        int generation = r.nextInt(3);
        long pn = switch (r.nextInt(3)) {
            case 0 -> r.nextLong(300);
            case 1 -> r.nextLong(1L << 32);
            default -> PacketNumber.MAX - 10_000 + r.nextLong(1000);
        };
        long largestBefore = Math.max(PacketNumber.NONE, pn - 1 - r.nextInt(40));
        List<Packet> packets = new ArrayList<>();
        int count = 1 + r.nextInt(12);
        for (int i = 0; i < count; i++) {
            boolean longHeader = r.nextBoolean();
            int pnLength = 1 + r.nextInt(4);
            int dcidLength = r.nextInt(21);
            int headerLength = longHeader ? 1 + 4 + 1 + dcidLength + 1 + r.nextInt(21) + 2 + pnLength
                    : 1 + dcidLength + pnLength;
            byte[] header = Generators.bytes(r, headerLength);
            header[0] = (byte) (longHeader
                    ? 0xc0 | r.nextInt(4) << 4 | (pnLength - 1)
                    : 0x40 | r.nextInt(2) << 5 | (generation & 1) << 2 | (pnLength - 1));
            for (int b = 0; b < pnLength; b++) {
                header[headerLength - pnLength + b] = (byte) (pn >>> (8 * (pnLength - 1 - b)));
            }
            int payloadLength = Math.max(4 - pnLength, r.nextInt(8) == 0 ? r.nextInt(5) : r.nextInt(1500));
            int total = headerLength + payloadLength + 16;
            packets.add(new Packet(header, pnLength, pn, Generators.bytes(r, payloadLength), r.nextInt(40),
                    r.nextBoolean() ? 0 : r.nextInt(30), r.nextInt(2), r.nextInt(total * 8)));
            // Gaps stay under half the 1-byte window, so every encoding decodes against the last one.
            pn += 1 + r.nextInt(r.nextInt(4) == 0 ? 100 : 3);
        }
        return new Scenario(suite, version, Generators.bytes(r, suite.hash().length()), generation,
                BufferKind.values()[r.nextInt(3)], largestBefore, packets);
    }

    private static PacketProtection generation(PacketProtection p, int generation) {
        for (int g = 0; g < generation; g++) {
            p = p.nextGeneration();
        }
        return p;
    }

    @Test
    @Timeout(120)
    void sealedPacketsOpenToTheSameBytesAndMatchPlainJca() {
        Properties.forAll(400, PacketProtectionPropertyTest::scenario, s -> {
            PacketProtection sender = generation(PacketProtection.fromSecret(s.suite(), s.version(), s.secret()),
                    s.generation());
            PacketProtection receiver = generation(PacketProtection.fromSecret(s.suite(), s.version(), s.secret()),
                    s.generation());
            byte[] secret = s.secret();
            for (int g = 0; g < s.generation(); g++) {
                secret = PacketKeys.nextSecret(s.suite(), s.version(), secret);
            }
            PacketKeys keys = PacketKeys.derive(s.suite(), s.version(), secret);
            byte[] hp = PacketKeys.derive(s.suite(), s.version(), s.secret()).hp();
            // Two buffers, used in turn at random: the direct path keeps views of the last buffer it saw.
            ByteBuffer[] buffers = {s.kind().allocate(1600 + 140), s.kind().allocate(1600 + 140)};
            OpenedPacket out = new OpenedPacket();
            long largest = s.largestBefore();
            for (Packet p : s.packets()) {
                ByteBuffer buf = buffers[p.bufferIndex()];
                int headerLength = p.header().length;
                int payloadEnd = p.at() + headerLength + p.payload().length;
                buf.clear().limit(payloadEnd + 16 + p.spare());
                buf.put(p.at(), p.header()).put(p.at() + headerLength, p.payload());
                int pnOffset = p.at() + headerLength - p.pnLength();

                int length = sender.seal(buf, p.at(), pnOffset, p.pnLength(), p.pn(), payloadEnd);
                byte[] sealed = BufferKind.bytes(buf, p.at(), length);
                byte[] expected = JcaOracle.protect(s.suite(), keys.key(), keys.iv(), hp, p.pn(), p.header(),
                        p.pnLength(), p.payload());
                assertEquals(Hex.of(expected), Hex.of(sealed), "seal of pn " + p.pn());

                // A copy with one bit changed fails, and leaves the receiver as it was.
                ByteBuffer forged = s.kind().wrap(sealed, 0);
                forged.put(p.flippedBit() / 8, (byte) (forged.get(p.flippedBit() / 8) ^ 1 << (p.flippedBit() % 8)));
                assertEquals(PacketProtection.AUTHENTICATION_FAILED,
                        receiver.open(forged, 0, pnOffset - p.at(), length, largest, out), "forged pn " + p.pn());

                int n = receiver.open(buf, p.at(), pnOffset, p.at() + length, largest, out);
                assertEquals(p.payload().length, n, "open of pn " + p.pn());
                assertEquals(p.pn(), out.packetNumber());
                assertEquals(p.pnLength(), out.packetNumberLength());
                assertEquals(p.header()[0] & 0xff, out.firstByte());
                assertEquals(p.at() + headerLength, out.payloadOffset());
                assertArrayEquals(p.header(), BufferKind.bytes(buf, p.at(), headerLength));
                assertArrayEquals(p.payload(), BufferKind.bytes(buf, out.payloadOffset(), n));
                if (!out.isLongHeader()) {
                    assertEquals(s.generation() & 1, out.keyPhase());
                }
                largest = p.pn();
            }
            assertEquals(s.packets().size(), sender.packetsSealed());
            assertEquals(s.packets().size(), receiver.authenticationFailures());
        });
    }
}
