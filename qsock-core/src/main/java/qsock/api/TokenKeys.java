package qsock.api;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * The keys a server seals its address validation tokens with (Retry tokens, RFC 9000 §8.1.2, and NEW_TOKEN tokens,
 * §8.1.3): AES-GCM keys of 16 or 32 bytes, a current one that seals and opens and an optional previous one that only
 * opens, so that keys can be rotated without invalidating the tokens already handed out. Servers behind one load
 * balancer that share these keys (and a clock) accept each other's tokens.
 *
 * @param current the key new tokens are sealed with, 16 or 32 bytes
 * @param previous the key of the last rotation, still accepted for opening, or null
 */
public record TokenKeys(byte[] current, byte[] previous) {

    /** Checks and copies the keys. */
    public TokenKeys {
        current = check(current, "current");
        if (previous != null) {
            previous = check(previous, "previous");
        }
    }

    /** {@return a key set of {@code current} alone} */
    public static TokenKeys of(byte[] current) {
        return new TokenKeys(current, null);
    }

    /** {@return a fresh 32-byte key drawn from {@code random}, no previous key} */
    public static TokenKeys random(RandomGenerator random) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return new TokenKeys(key, null);
    }

    /** {@return a key set where {@code next} seals and this set's current key still opens} */
    public TokenKeys rotate(byte[] next) {
        return new TokenKeys(next, current);
    }

    private static byte[] check(byte[] key, String name) {
        if (key == null || key.length != 16 && key.length != 32) {
            throw new IllegalArgumentException(name + " token key must be 16 or 32 bytes: "
                    + (key == null ? "null" : key.length));
        }
        return key.clone();
    }

    @Override
    public byte[] current() {
        return current.clone();
    }

    @Override
    public byte[] previous() {
        return previous == null ? null : previous.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenKeys k && Arrays.equals(current, k.current) && Arrays.equals(previous, k.previous);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(current) * 31 + Arrays.hashCode(previous);
    }

    @Override
    public String toString() {
        // Keys are secrets: never printed.
        return "TokenKeys[" + current.length * 8 + "-bit" + (previous == null ? "" : ", with a previous key") + "]";
    }
}
