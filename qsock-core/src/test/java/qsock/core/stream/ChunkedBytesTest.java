package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;

class ChunkedBytesTest {

    /**
     * Bytes written at any offsets above the release point read back the same, across chunk edges, ring
     * growth and wrap-around, with recycled chunks.
     */
    @Test
    void readsBackWhatWasWrittenWhileTheWindowSlides() {
        Properties.forAll(300, r -> r.nextLong(), seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            int chunk = 1 << (4 + r.nextInt(6));
            ChunkedBytes store = new ChunkedBytes(chunk);
            byte[] model = Generators.bytes(r, 60_000);
            long released = 0;
            long written = 0;
            while (written < model.length) {
                int len = (int) Math.min(model.length - written, 1 + r.nextInt(3 * chunk));
                store.put(written, ByteBuffer.wrap(model), (int) written, len);
                written += len;
                if (r.nextInt(3) == 0) {
                    long from = released + r.nextLong(written - released + 1);
                    int n = (int) (written - from);
                    ByteBuffer dst = ByteBuffer.allocate(n);
                    store.get(from, dst, n);
                    assertArrayEquals(Arrays.copyOfRange(model, (int) from, (int) written), dst.array());
                    released = from;
                    store.releaseBelow(released);
                }
            }
        });
    }

    @Test
    void refusesOffsetsBelowTheReleasePointAndNonPowerOfTwoChunks() {
        ChunkedBytes store = new ChunkedBytes(16);
        store.put(0, ByteBuffer.allocate(64), 0, 64);
        store.releaseBelow(40);
        assertThrows(IllegalArgumentException.class, () -> store.get(20, ByteBuffer.allocate(4), 4));
        store.get(32, ByteBuffer.allocate(4), 4);
        assertThrows(IllegalArgumentException.class, () -> new ChunkedBytes(24));
    }
}
