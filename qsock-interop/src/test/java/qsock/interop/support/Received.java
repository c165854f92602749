package qsock.interop.support;

import java.security.MessageDigest;
import java.util.HexFormat;

/** What arrived on a stream up to its FIN: the byte count and the SHA-256 of the bytes, in hex. */
public record Received(long length, String sha256) {

    /** Length and digest of {@code data}. */
    public static Received of(byte[] data) {
        return new Received(data.length, HexFormat.of().formatHex(HqInterop.sha256().digest(data)));
    }

    /** Counts and hashes bytes as they arrive, for bodies too large to keep. */
    public static final class Accumulator {
        private final MessageDigest digest = HqInterop.sha256();
        private long length;

        /** Adds {@code len} bytes of {@code b} from {@code off}. */
        public void update(byte[] b, int off, int len) {
            digest.update(b, off, len);
            length += len;
        }

        /** Adds the remaining bytes of {@code buffer}, consuming them. */
        public void update(java.nio.ByteBuffer buffer) {
            length += buffer.remaining();
            digest.update(buffer);
        }

        /** Bytes seen so far. */
        public long length() {
            return length;
        }

        /** The result; the accumulator must not be used afterwards. */
        public Received finish() {
            return new Received(length, HexFormat.of().formatHex(digest.digest()));
        }
    }
}
