package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** CRYPTO data reassembled in order, holding about what arrived wherever it lies. */
class CryptoReassemblyTest {

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String readAll(CryptoReassembly r) {
        ByteBuffer dst = ByteBuffer.allocate(1 << 16);
        while (r.read(dst) > 0) {
            // until nothing more is in order
        }
        return new String(dst.array(), 0, dst.position(), StandardCharsets.US_ASCII);
    }

    @Test
    void piecesComeOutInOrderWhateverOrderTheyCameIn() {
        CryptoReassembly r = new CryptoReassembly(8, 1024);
        assertEquals(3, r.insert(6, bytes("ghi")));
        assertEquals("", readAll(r), "nothing in order yet");
        assertEquals(3, r.insert(0, bytes("abc")));
        assertEquals(3, r.insert(3, bytes("def")));
        assertEquals("abcdefghi", readAll(r));
        assertEquals(9, r.readOffset());
        assertEquals(0, r.retainedBytes(), "what was read is let go");
    }

    @Test
    void aFewBytesFarAwayHoldAFewBytes() {
        CryptoReassembly r = new CryptoReassembly(64, 65_536);
        r.insert(60_000, bytes("far!"));
        assertEquals(4, r.retainedBytes());
        for (int i = 0; i < 60; i++) {
            r.insert(1_000 + 980L * i, bytes("abcd"));
        }
        assertEquals(4 + 60 * 4, r.retainedBytes());
    }

    @Test
    void theFirstCopyOfAByteIsKept() {
        CryptoReassembly r = new CryptoReassembly(8, 1024);
        r.insert(0, bytes("abcd"));
        // Grows into a new array: the bytes it held win over the overlap.
        r.insert(2, bytes("XXef"));
        // Grows in place: only the bytes past the run are taken.
        r.insert(4, bytes("YYgh"));
        assertEquals("abcdefgh", readAll(r));
    }

    @Test
    void bytesAlreadyReadOrHeldAreSkipped() {
        CryptoReassembly r = new CryptoReassembly(8, 1024);
        r.insert(0, bytes("abcdef"));
        ByteBuffer three = ByteBuffer.allocate(3);
        assertEquals(3, r.read(three));
        ByteBuffer again = bytes("abc");
        assertEquals(0, r.insert(0, again));
        assertEquals(0, again.remaining(), "the data is consumed");
        assertEquals(0, r.insert(4, bytes("ef")));
        assertEquals("def", readAll(r));
    }

    @Test
    void aPieceBeyondTheRunCapIsRefusedAndOneThatJoinsRunsIsNot() {
        CryptoReassembly r = new CryptoReassembly(3, 1024);
        r.insert(10, bytes("a"));
        r.insert(20, bytes("b"));
        r.insert(30, bytes("c"));
        ByteBuffer fourth = bytes("d");
        assertEquals(CryptoReassembly.TOO_FRAGMENTED, r.insert(40, fourth));
        assertEquals(1, fourth.remaining(), "nothing taken");
        assertEquals(1, r.insert(31, bytes("d")), "touching a run needs no new one");
        // One piece bridging two runs frees one.
        assertEquals(9, r.insert(11, bytes("123456789")));
        assertEquals(1, r.insert(40, bytes("e")));
        assertEquals(CryptoReassembly.TOO_FRAGMENTED, r.insert(50, bytes("f")));
    }

    @Test
    void anInOrderRunGrowsByDoublingAndHoldsAtMostTwiceWhatArrived() {
        CryptoReassembly r = new CryptoReassembly(8, 1 << 20);
        byte[] piece = new byte[100];
        for (int i = 0; i < 200; i++) {
            Arrays.fill(piece, (byte) i);
            r.insert(100L * i, ByteBuffer.wrap(piece));
            long received = 100L * (i + 1);
            assertTrue(r.retainedBytes() <= 2 * received, r.retainedBytes() + " held for " + received);
        }
        ByteBuffer all = ByteBuffer.allocate(20_000);
        assertEquals(20_000, r.read(all));
        for (int i = 0; i < 20_000; i++) {
            assertEquals((byte) (i / 100), all.get(i));
        }
    }

    @Test
    void randomPiecesReassembleToTheStream() {
        SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 200; round++) {
            byte[] stream = new byte[1 + random.nextInt(6_000)];
            random.nextBytes(stream);
            CryptoReassembly r = new CryptoReassembly(16, stream.length);
            ByteBuffer out = ByteBuffer.allocate(stream.length);
            for (int step = 0; out.hasRemaining() && step < 100_000; step++) {
                int offset = random.nextInt(stream.length);
                int length = Math.min(1 + random.nextInt(700), stream.length - offset);
                // Now and then the next in-order piece, so that the run cap never stalls the stream.
                if (random.nextInt(4) == 0) {
                    offset = (int) r.readOffset();
                    length = Math.min(length, stream.length - offset);
                }
                ByteBuffer piece = ByteBuffer.wrap(stream, offset, length);
                int n = r.insert(offset, piece);
                assertTrue(n == CryptoReassembly.TOO_FRAGMENTED || !piece.hasRemaining());
                if (random.nextInt(3) == 0) {
                    ByteBuffer dst = out.slice(out.position(), Math.min(out.remaining(), 1 + random.nextInt(900)));
                    out.position(out.position() + r.read(dst));
                }
                assertTrue(r.retainedBytes() <= 2L * stream.length, "round " + round + ": " + r);
            }
            ByteBuffer rest = out.slice();
            out.position(out.position() + r.read(rest));
            assertEquals(stream.length, out.position(), "round " + round + ": " + r);
            assertArrayEquals(stream, out.array(), "round " + round);
        }
    }

    @Test
    void discardLetsEverythingGo() {
        CryptoReassembly r = new CryptoReassembly(8, 1024);
        r.insert(5, bytes("abc"));
        r.discard();
        assertEquals(0, r.retainedBytes());
        assertEquals(0, r.read(ByteBuffer.allocate(10)));
    }
}
