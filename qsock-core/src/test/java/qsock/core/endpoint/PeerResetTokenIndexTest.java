package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.params.StatelessResetToken;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PeerResetTokenIndexTest {

    private static StatelessResetToken token(long n) {
        return StatelessResetToken.of(ByteBuffer.allocate(16).putLong(n).putLong(n * 31).array());
    }

    /** A datagram of {@code length} random-looking bytes ending in {@code token}, positioned at its start. */
    private static ByteBuffer datagramEndingIn(StatelessResetToken token, int length) {
        ByteBuffer b = ByteBuffer.allocate(length + 5);
        b.position(3);
        byte[] filler = new byte[length - StatelessResetToken.LENGTH];
        new SplittableRandom(length).nextBytes(filler);
        b.put(filler);
        token.writeTo(b);
        b.limit(b.position()).position(3);
        return b;
    }

    @Test
    void aDatagramEndingInAnIndexedTokenLeadsToItsValueAmongThousands() {
        PeerResetTokenIndex<Integer> index = new PeerResetTokenIndex<>(new SplittableRandom(1));
        for (int i = 0; i < 5000; i++) {
            index.put(token(i), i);
        }
        assertEquals(5000, index.size());
        for (int i : new int[] {0, 1, 2499, 4999}) {
            ByteBuffer d = datagramEndingIn(token(i), 43);
            assertEquals(i, index.lookup(d));
            assertEquals(3, d.position(), "the lookup leaves the buffer as it was");
        }
        assertNull(index.lookup(datagramEndingIn(token(5000), 43)), "an unknown token leads nowhere");
    }

    @Test
    void removingATokenOnlyForgetsItForItsOwnValue() {
        PeerResetTokenIndex<String> index = new PeerResetTokenIndex<>(new SplittableRandom(2));
        index.put(token(7), "first");
        index.put(token(7), "second");
        index.remove(token(7), "first");
        assertEquals("second", index.lookup(datagramEndingIn(token(7), 40)), "another connection took it over");
        index.remove(token(7), "second");
        assertNull(index.lookup(datagramEndingIn(token(7), 40)));
        assertEquals(0, index.size());
    }

    @Test
    void datagramsShorterThanATokenLeadNowhere() {
        PeerResetTokenIndex<String> index = new PeerResetTokenIndex<>(new SplittableRandom(3));
        index.put(token(1), "one");
        assertNull(index.lookup(ByteBuffer.allocate(15)));
        assertNull(index.lookup(ByteBuffer.allocate(0)));
    }
}
