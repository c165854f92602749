package qsock.core.testing;

import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Seeded property checks: run a check on many generated inputs, and on failure name the seed that
 * replays the exact failing input.
 *
 * <p>Every try draws from its own {@link SplittableRandom} seeded from the run's base seed and the try
 * number, so {@code -Dqsock.seed=<base>} replays a whole run and the reported try seed replays one input
 * through {@link #replay}. The base seed is random unless that property is set, and is printed with any
 * failure.
 */
public final class Properties {

    /** Default number of tries per property; {@code -Dqsock.tries=N} overrides it for long fuzz runs. */
    public static final int DEFAULT_TRIES = Integer.getInteger("qsock.tries", 1000);

    private Properties() {}

    /** Runs {@code check} on {@link #DEFAULT_TRIES} inputs made by {@code generator}. */
    public static <T> void forAll(Function<SplittableRandom, T> generator, Consumer<T> check) {
        forAll(DEFAULT_TRIES, generator, check);
    }

    /** Runs {@code check} on {@code tries} inputs made by {@code generator}. */
    public static <T> void forAll(int tries, Function<SplittableRandom, T> generator, Consumer<T> check) {
        long base = baseSeed();
        for (int i = 0; i < tries; i++) {
            long seed = trySeed(base, i);
            T input = generator.apply(new SplittableRandom(seed));
            try {
                check.accept(input);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("property failed at try " + i + " of " + tries
                        + " (run with -Dqsock.seed=" + base + " to replay the run; try seed " + seed
                        + ") on input: " + describe(input), e);
            }
        }
    }

    /** Runs {@code check} once on the input that {@code generator} makes from a try seed. */
    public static <T> void replay(long trySeed, Function<SplittableRandom, T> generator, Consumer<T> check) {
        check.accept(generator.apply(new SplittableRandom(trySeed)));
    }

    private static long baseSeed() {
        String fixed = System.getProperty("qsock.seed");
        return fixed != null ? Long.parseLong(fixed) : new SplittableRandom().nextLong();
    }

    private static long trySeed(long base, int index) {
        // SplitMix64 finaliser: nearby try numbers get unrelated seeds.
        long z = base + 0x9E37_79B9_7F4A_7C15L * (index + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    private static String describe(Object input) {
        if (input instanceof byte[] b) {
            return java.util.HexFormat.of().formatHex(b);
        }
        String s = String.valueOf(input);
        return s.length() > 4000 ? s.substring(0, 4000) + "..." : s;
    }
}
