package qsock.core.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.QuicVersion;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;
import qsock.core.wire.ConnectionId;

class PacketHeaderPropertiesTest {

    /** A random long or short header packet, its expected fields, and the bytes written. */
    record Case(QuicVersion version, PacketType type, ConnectionId dcid, ConnectionId scid, byte[] token,
                int pnLength, long packetNumber, int lengthFieldSize, int payloadLength, boolean fixedBit,
                boolean spin, boolean keyPhase) {

        static Case random(SplittableRandom r) {
            QuicVersion version = r.nextBoolean() ? QuicVersion.V1 : QuicVersion.V2;
            PacketType[] types = {PacketType.INITIAL, PacketType.ZERO_RTT, PacketType.HANDSHAKE, PacketType.ONE_RTT};
            PacketType type = types[r.nextInt(types.length)];
            int pnLength = 1 + r.nextInt(4);
            long pn = r.nextLong(1L << (8 * pnLength));
            return new Case(version, type,
                    ConnectionId.of(Generators.bytesUpTo(r, 20)), ConnectionId.of(Generators.bytesUpTo(r, 20)),
                    type == PacketType.INITIAL && r.nextBoolean() ? Generators.bytesUpTo(r, 80) : new byte[0],
                    pnLength, pn, r.nextBoolean() ? 2 : 4, 20 + r.nextInt(1200), r.nextBoolean(),
                    r.nextBoolean(), r.nextBoolean());
        }

        int write(ByteBuffer b) {
            if (type == PacketType.ONE_RTT) {
                int pnOffset = PacketHeaderWriter.writeShortHeader(b, dcid, spin, keyPhase, packetNumber, pnLength,
                        fixedBit);
                b.position(pnOffset + pnLength + payloadLength);
                return pnOffset;
            }
            int pnOffset = PacketHeaderWriter.writeLongHeader(b, version, type, dcid, scid,
                    token.length > 0 ? ByteBuffer.wrap(token) : null, packetNumber, pnLength, lengthFieldSize, fixedBit);
            PacketHeaderWriter.setLength(b, pnOffset, lengthFieldSize, pnOffset + pnLength + payloadLength);
            b.position(pnOffset + pnLength + payloadLength);
            return pnOffset;
        }
    }

    @Test
    void writtenHeadersParseBackToTheirFields() {
        PacketHeaderView view = new PacketHeaderView();
        Properties.forAll(Case::random, c -> {
            ByteBuffer b = ByteBuffer.allocate(2000);
            int pnOffset = c.write(b);
            int end = b.position();
            b.flip();
            ParseStatus status = PacketParser.parse(b, 0, c.dcid().length(), !c.fixedBit(), view);
            assertEquals(ParseStatus.OK, status);
            assertEquals(c.type(), view.type());
            assertEquals(c.dcid(), view.dcid(b));
            assertEquals(pnOffset, view.pnOffset());
            assertEquals(end, view.packetEnd());
            // The low bits of the first byte are what header protection will mask: pn length, key phase.
            assertEquals(c.pnLength() - 1, view.firstByte() & 0x03);
            if (c.type().hasLongHeader()) {
                assertEquals(c.version(), view.quicVersion());
                assertEquals(c.scid(), view.scid(b));
                assertEquals(ByteBuffer.wrap(c.token()), ByteBuffer.wrap(view.token(b)));
                assertEquals(PacketHeaderWriter.longHeaderLength(c.type(), c.dcid(), c.scid(), c.token().length,
                        c.pnLength(), c.lengthFieldSize()), pnOffset + c.pnLength());
            } else {
                assertEquals(c.keyPhase(), (view.firstByte() & 0x04) != 0);
                assertEquals(c.spin(), (view.firstByte() & 0x20) != 0);
            }
            long pn = 0;
            for (int i = 0; i < c.pnLength(); i++) {
                pn = (pn << 8) | (b.get(pnOffset + i) & 0xff);
            }
            assertEquals(c.packetNumber(), pn);
        });
    }

    @Test
    void coalescedDatagramsWalkToTheirEnd() {
        PacketHeaderView view = new PacketHeaderView();
        Properties.forAll(r -> {
            int n = 1 + r.nextInt(4);
            Case[] cases = new Case[n];
            for (int i = 0; i < n; i++) {
                Case c;
                do {
                    c = Case.random(r);
                } while (i < n - 1 && c.type() == PacketType.ONE_RTT); // only the last may be short
                cases[i] = c;
            }
            return cases;
        }, cases -> {
            ByteBuffer b = ByteBuffer.allocate(2000 * cases.length);
            int[] starts = new int[cases.length];
            for (int i = 0; i < cases.length; i++) {
                starts[i] = b.position();
                cases[i].write(b);
            }
            b.flip();
            int offset = 0;
            for (int i = 0; i < cases.length; i++) {
                assertEquals(starts[i], offset);
                assertEquals(ParseStatus.OK, PacketParser.parse(b, offset, cases[i].dcid().length(), true, view));
                assertEquals(cases[i].type(), view.type());
                offset = view.packetEnd();
            }
            assertEquals(b.limit(), offset);
        });
    }

    @Test
    void randomBytesNeverBreakTheParserAndAlwaysMakeProgress() {
        PacketHeaderView view = new PacketHeaderView();
        Properties.forAll(r -> mutate(r), bytes -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            int offset = 0;
            // A datagram of n bytes holds at most n packets: bounded walk, each step must advance.
            for (int step = 0; step <= bytes.length && offset < bytes.length; step++) {
                ParseStatus status;
                try {
                    status = PacketParser.parse(b, offset, 8, false, view);
                } catch (RuntimeException e) {
                    fail("parser threw " + e + " at offset " + offset);
                    return;
                }
                if (status != ParseStatus.OK) {
                    return;
                }
                assertTrue(view.packetEnd() > offset, "no progress at " + offset);
                assertTrue(view.packetEnd() <= bytes.length);
                assertTrue(view.pnOffset() <= view.packetEnd());
                offset = view.packetEnd();
            }
            assertTrue(offset >= bytes.length, "walk did not finish");
        });
    }

    /** Random bytes, or a valid coalesced datagram with a few bytes flipped or cut. */
    private static byte[] mutate(SplittableRandom r) {
        if (r.nextInt(3) == 0) {
            return Generators.bytesUpTo(r, 300);
        }
        Case c = Case.random(r);
        ByteBuffer b = ByteBuffer.allocate(4000);
        c.write(b);
        if (c.type() != PacketType.ONE_RTT && r.nextBoolean()) {
            Case.random(r).write(b);
        }
        byte[] bytes = new byte[r.nextInt(b.position() + 1)];
        b.get(0, bytes);
        for (int flips = r.nextInt(4); flips > 0 && bytes.length > 0; flips--) {
            bytes[r.nextInt(bytes.length)] ^= (byte) (1 << r.nextInt(8));
        }
        return bytes;
    }
}
