package qsock.tls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import qsock.core.handshake.HashFunction;

/**
 * The external pre-shared keys a server accepts (RFC 8446 §4.2.11), by identity. Load one from a file of
 * {@code identity:hex-key} lines, the form tlshd's and GnuTLS's PSK users know ({@link #load}, {@link #parse}),
 * or build one from {@link ExternalPsk}s. Immutable. Neither keys nor identities appear in
 * {@link #toString()} or in the messages of parse errors, which name the line by its number.
 */
public final class PskKeyring {

    private static final PskKeyring EMPTY = new PskKeyring(List.of());

    private final Map<ByteBuffer, ExternalPsk> byIdentity = new LinkedHashMap<>();

    private PskKeyring(List<ExternalPsk> keys) {
        for (ExternalPsk k : keys) {
            Objects.requireNonNull(k, "key");
            if (byIdentity.put(ByteBuffer.wrap(k.identityBytes()), k) != null) {
                throw new IllegalArgumentException("two keys for one identity");
            }
        }
    }

    /** {@return a keyring with no keys} */
    public static PskKeyring empty() {
        return EMPTY;
    }

    /**
     * {@return a keyring holding these keys}
     *
     * @throws IllegalArgumentException if two keys have the same identity
     */
    public static PskKeyring of(ExternalPsk... keys) {
        return new PskKeyring(List.of(keys));
    }

    /**
     * Reads a keyring file (see {@link #parse}), whose keys are used with SHA-256.
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the file and line number of a malformed line
     */
    public static PskKeyring load(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses keyring text: one {@code identity:hex-key} per line, the key an even number of hex digits; the
     * identity is everything before the last colon. Blank lines and lines starting with {@code #} are
     * ignored; surrounding white space is trimmed. Keys are used with SHA-256.
     *
     * @throws IllegalArgumentException naming the line number of a malformed line (without its content)
     */
    public static PskKeyring parse(String text) {
        List<ExternalPsk> keys = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNumber = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.lastIndexOf(':');
            if (colon < 0) {
                throw malformed(lineNumber, "no ':' between identity and key");
            }
            String identity = line.substring(0, colon);
            String hex = line.substring(colon + 1).strip();
            if (identity.isEmpty()) {
                throw malformed(lineNumber, "empty identity");
            }
            if (identity.getBytes(StandardCharsets.UTF_8).length > 0xFFFF) {
                throw malformed(lineNumber, "identity longer than 65535 bytes");
            }
            if (hex.isEmpty()) {
                throw malformed(lineNumber, "empty key");
            }
            if (hex.length() % 2 != 0 || !hex.chars().allMatch(HexFormat::isHexDigit)) {
                throw malformed(lineNumber, "the key is not an even number of hex digits");
            }
            Integer earlier = seen.put(identity, lineNumber);
            if (earlier != null) {
                throw malformed(lineNumber, "the identity of line " + earlier + " again");
            }
            keys.add(new ExternalPsk(identity, HexFormat.of().parseHex(hex), HashFunction.SHA256));
        }
        return new PskKeyring(keys);
    }

    private static IllegalArgumentException malformed(int line, String why) {
        return new IllegalArgumentException("PSK keyring line " + line + ": " + why);
    }

    /** {@return the key for this identity as sent on the wire, or null when there is none} */
    public ExternalPsk find(byte[] identity) {
        return byIdentity.get(ByteBuffer.wrap(identity));
    }

    /** {@return the keys, in the order they were given} */
    List<ExternalPsk> keys() {
        return List.copyOf(byIdentity.values());
    }

    /** {@return the number of keys} */
    public int size() {
        return byIdentity.size();
    }

    /** {@return true if there are no keys} */
    public boolean isEmpty() {
        return byIdentity.isEmpty();
    }

    /** The number of keys only. */
    @Override
    public String toString() {
        return "PskKeyring[" + byIdentity.size() + " keys]";
    }
}
