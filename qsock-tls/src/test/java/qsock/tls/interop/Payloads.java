package qsock.tls.interop;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Application data for the interop tests: reproducible from a seed, so that each side can check what it
 * received without the other telling it.
 */
final class Payloads {

    /** 100 KB each way: seven records of at most 2^14 bytes, the last one partial. */
    static final int LENGTH = 100_000;

    /**
     * Lines of this many bytes, newline included. GnuTLS's echo server answers line by line (it holds input
     * until a newline), so data meant to come back whole ends at a line end: any multiple of 80 bytes.
     */
    static final int LINE = 80;

    /** Letters and digits: GnuTLS's echo server reads "**...**" as commands, and line ends only as above. */
    private static final byte[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".getBytes(StandardCharsets.US_ASCII);

    private Payloads() {}

    /** {@return {@code length} bytes determined by {@code seed}: lines of {@link #LINE} bytes} */
    static byte[] of(long seed, int length) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = i % LINE == LINE - 1 ? (byte) '\n' : ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return data;
    }
}
