package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.core.testing.Properties;

class LongMapTest {

    /** Puts, gets and removes (which shift entries back) agree with a HashMap, through resizes. */
    @Test
    void agreesWithAHashMap() {
        Properties.forAll(200, r -> r.nextLong(), seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            LongMap<String> map = new LongMap<>();
            Map<Long, String> model = new HashMap<>();
            // Stream IDs cluster: a small key space forces collisions and long probe runs.
            long keySpace = 1 + r.nextInt(300);
            for (int i = 0; i < 2000; i++) {
                long key = r.nextLong(keySpace) * (r.nextBoolean() ? 4 : 1);
                switch (r.nextInt(3)) {
                    case 0 -> {
                        map.put(key, "v" + i);
                        model.put(key, "v" + i);
                    }
                    case 1 -> {
                        map.remove(key);
                        model.remove(key);
                    }
                    default -> assertEquals(model.get(key), map.get(key));
                }
                assertEquals(model.size(), map.size());
            }
            for (long key = 0; key < keySpace * 4; key++) {
                assertEquals(model.get(key), map.get(key), "key " + key);
            }
            Map<Long, String> seen = new HashMap<>();
            map.forEach(v -> seen.put((long) seen.size(), v));
            assertEquals(model.size(), seen.size());
        });
    }
}
