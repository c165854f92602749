package qsock.core.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LinkConfigTest {

    @Test
    void presetsAreWhatTheySay() {
        LinkConfig perfect = LinkConfig.perfect();
        assertEquals(new LinkConfig(0, 0, 0, 0, 0, 0, 0, 0, 0, LinkConfig.MAX_UDP_PAYLOAD), perfect);
        assertEquals(perfect.withLoss(0.25), LinkConfig.lossy(0.25));
        assertEquals(7_000_000L, LinkConfig.delayed(7_000_000L).delayNanos());
        assertEquals(1472, LinkConfig.wan().mtu());
        assertEquals(50_000_000L, LinkConfig.wan().bandwidthBitsPerSecond());
        assertEquals(0.05, LinkConfig.hostile().lossRate());
    }

    @Test
    void withersChangeOnlyTheirFields() {
        LinkConfig c = LinkConfig.perfect().withLoss(0.1).withDuplication(0.2).withReordering(0.3, 4)
                .withCorruption(0.5).withDelay(6, 7).withBandwidth(8, 9).withMtu(1200);
        assertEquals(new LinkConfig(0.1, 0.2, 0.3, 4, 0.5, 6, 7, 8, 9, 1200), c);
    }

    @Test
    void invalidValuesAreRejected() {
        LinkConfig p = LinkConfig.perfect();
        assertThrows(IllegalArgumentException.class, () -> p.withLoss(-0.01));
        assertThrows(IllegalArgumentException.class, () -> p.withLoss(1.01));
        assertThrows(IllegalArgumentException.class, () -> p.withLoss(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> p.withDuplication(2));
        assertThrows(IllegalArgumentException.class, () -> p.withReordering(0.5, -1));
        assertThrows(IllegalArgumentException.class, () -> p.withCorruption(-1));
        assertThrows(IllegalArgumentException.class, () -> p.withDelay(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> p.withDelay(0, -1));
        assertThrows(IllegalArgumentException.class, () -> p.withBandwidth(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> p.withBandwidth(0, -1));
        assertThrows(IllegalArgumentException.class, () -> p.withMtu(0));
    }
}
