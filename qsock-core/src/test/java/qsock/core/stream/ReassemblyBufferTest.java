package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;

class ReassemblyBufferTest {

    private static ByteBuffer piece(byte[] data, int from, int to) {
        return ByteBuffer.wrap(Arrays.copyOfRange(data, from, to));
    }

    private static byte[] drain(ReassemblyBuffer b) {
        ByteBuffer dst = ByteBuffer.allocate((int) b.readable());
        b.read(dst);
        return dst.array();
    }

    @Test
    void outOfOrderDataBecomesReadableWhenTheGapFills() {
        byte[] data = Generators.bytes(new SplittableRandom(1), 100);
        ReassemblyBuffer b = new ReassemblyBuffer(1000);
        assertEquals(40, b.insert(60, piece(data, 60, 100)));
        assertEquals(0, b.readable());
        assertEquals(100, b.highestReceived());
        assertEquals(30, b.insert(0, piece(data, 0, 30)));
        assertEquals(30, b.contiguousEnd());
        assertEquals(30, b.insert(30, piece(data, 30, 60)));
        assertEquals(100, b.contiguousEnd());
        assertArrayEquals(data, drain(b));
        assertEquals(100, b.readOffset());
    }

    @Test
    void duplicatesAndOverlapsStoreOnlyNewBytes() {
        byte[] data = Generators.bytes(new SplittableRandom(2), 100);
        ReassemblyBuffer b = new ReassemblyBuffer(1000);
        assertEquals(20, b.insert(10, piece(data, 10, 30)));
        assertEquals(0, b.insert(10, piece(data, 10, 30)), "exact duplicate");
        assertEquals(0, b.insert(15, piece(data, 15, 20)), "inside");
        assertEquals(20, b.insert(0, piece(data, 0, 40)), "overlapping both sides stores only the two ends");
        assertEquals(10, b.insert(50, piece(data, 50, 60)));
        assertEquals(20, b.insert(35, piece(data, 35, 70)), "fills [40,50) and [60,70)");
        assertArrayEquals(Arrays.copyOfRange(data, 0, 70), drain(b));
        assertEquals(0, b.insert(0, piece(data, 0, 70)), "data below the read point is a duplicate");
        assertEquals(30, b.insert(60, piece(data, 60, 100)));
        assertArrayEquals(Arrays.copyOfRange(data, 70, 100), drain(b));
    }

    @Test
    void dataPastTheLimitIsTheCallersBug() {
        ReassemblyBuffer b = new ReassemblyBuffer(100);
        assertThrows(IllegalArgumentException.class, () -> b.insert(90, ByteBuffer.allocate(11)));
        b.setLimit(200);
        assertEquals(11, b.insert(90, ByteBuffer.allocate(11)));
        assertThrows(IllegalArgumentException.class, () -> b.setLimit(150));
    }

    @Test
    void tooManyGapsAreRefusedWithoutStoringAnything() {
        ReassemblyBuffer b = new ReassemblyBuffer(10_000, 3);
        b.insert(10, ByteBuffer.allocate(1));
        b.insert(20, ByteBuffer.allocate(1));
        b.insert(30, ByteBuffer.allocate(1));
        assertEquals(ReassemblyBuffer.TOO_FRAGMENTED, b.insert(40, ByteBuffer.allocate(1)));
        assertEquals(31, b.highestReceived());
        assertEquals(1, b.insert(11, ByteBuffer.allocate(1)), "extending a range needs no new one");
    }

    @Test
    void readsHandOutPartialAmountsAndDiscardMovesTheReadPoint() {
        byte[] data = Generators.bytes(new SplittableRandom(3), 50_000);
        ReassemblyBuffer b = new ReassemblyBuffer(100_000);
        b.insert(0, ByteBuffer.wrap(data));
        ByteBuffer dst = ByteBuffer.allocate(7000);
        assertEquals(7000, b.read(dst));
        assertArrayEquals(Arrays.copyOfRange(data, 0, 7000), dst.array());
        b.discard(60_000);
        assertEquals(60_000, b.readOffset());
        assertEquals(0, b.readable());
    }

    private record Pieces(byte[] data, List<int[]> pieces, int chunkReads) {}

    /**
     * Random chunking, shuffling and duplication of a payload reassembles to the same bytes, with reads
     * interleaved, and every byte is stored once.
     */
    @Test
    void shuffledDuplicatedChunksReassembleToThePayload() {
        Properties.forAll(300, r -> {
            byte[] data = Generators.bytes(r, r.nextInt(40_000));
            List<int[]> pieces = new ArrayList<>();
            int pos = 0;
            while (pos < data.length) {
                int len = 1 + r.nextInt(Math.min(3000, data.length - pos));
                pieces.add(new int[] {pos, pos + len});
                pos += len;
            }
            int dups = r.nextInt(pieces.size() + 1);
            for (int i = 0; i < dups; i++) {
                // A duplicate, or an overlapping piece across neighbours.
                int a = r.nextInt(Math.max(1, data.length));
                int bEnd = Math.min(data.length, a + 1 + r.nextInt(5000));
                pieces.add(new int[] {a, bEnd});
            }
            for (int i = pieces.size() - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int[] t = pieces.get(i);
                pieces.set(i, pieces.get(j));
                pieces.set(j, t);
            }
            return new Pieces(data, pieces, 1 + r.nextInt(4096));
        }, in -> {
            byte[] data = in.data();
            ReassemblyBuffer b = new ReassemblyBuffer(data.length);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long stored = 0;
            ByteBuffer dst = ByteBuffer.allocate(in.chunkReads());
            for (int[] p : in.pieces()) {
                stored += b.insert(p[0], piece(data, p[0], p[1]));
                dst.clear();
                b.read(dst);
                out.write(dst.array(), 0, dst.position());
            }
            while (b.readable() > 0) {
                dst.clear();
                b.read(dst);
                out.write(dst.array(), 0, dst.position());
            }
            assertEquals(data.length, stored, "each byte stored exactly once");
            assertArrayEquals(data, out.toByteArray());
        });
    }
}
