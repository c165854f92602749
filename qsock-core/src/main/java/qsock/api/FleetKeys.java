package qsock.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The keys every server of a fleet shares, so that whichever server a client reaches (behind a load balancer, or
 * after a restart) accepts what another gave it: Retry and NEW_TOKEN tokens (RFC 9000 §8.1), session tickets
 * (RFC 8446 §4.6.1) and stateless resets (RFC 9000 §10.3: the reset token is derived from the key and the connection
 * ID, so a server that shares the key sends the token the client was given by another).
 *
 * <p>The file is text, one key a line; {@code #} starts a comment, blank lines are skipped:
 * <pre>
 *   # qsock fleet keys
 *   token-key 5f1c...            16 or 32 bytes in hex (AES-GCM); at most two lines
 *   ticket-key 0a1b2c3d 9e8f...  an 8-hex-digit id, then 32 bytes in hex (AES-256-GCM); at most two lines
 *   stateless-reset-key 77ab...  32 bytes in hex; exactly one line
 * </pre>
 * Of each kind the first line seals (new tokens, new tickets) and the second, if any, only opens: to rotate, write the
 * new key first and keep the old one second until what it sealed has expired, then remove it. A key removed from the
 * file no longer opens anything once the file is read again. The stateless reset key does not rotate: the tokens of
 * connections alive were derived from it, so a new one would silence their resets (RFC 9000 §10.3.2); it changes
 * only with a restart of the whole fleet.
 *
 * <p>Load it on every server ({@link #load}) and set it on the listener ({@code QuicSocketOptions.FLEET_KEYS});
 * qsock-tls builds its ticket sealer from {@link #ticketKeys()}.
 *
 * @param tokenKeys the token keys: the first line's seals, the second's only opens
 * @param statelessResetKey the stateless reset key, {@link #RESET_KEY_LENGTH} bytes
 * @param ticketKeys the session ticket keys, the sealing one first; none to two, of distinct ids
 */
public record FleetKeys(TokenKeys tokenKeys, byte[] statelessResetKey, List<FleetTicketKey> ticketKeys) {

    /** The stateless reset key's length: 256 bits, as RFC 9000 §10.3.2's HMAC-SHA256 example takes. */
    public static final int RESET_KEY_LENGTH = 32;

    /** The largest file {@link #load} reads: a few lines of keys are far less. */
    public static final int MAX_FILE_BYTES = 64 * 1024;

    /** The most keys of one kind: the one that seals and the one before it. */
    public static final int MAX_KEYS_PER_KIND = 2;

    /** Checks and copies the keys. */
    public FleetKeys {
        Objects.requireNonNull(tokenKeys, "tokenKeys");
        Objects.requireNonNull(statelessResetKey, "statelessResetKey");
        if (statelessResetKey.length != RESET_KEY_LENGTH) {
            throw new IllegalArgumentException("a stateless reset key is " + RESET_KEY_LENGTH + " bytes, not "
                    + statelessResetKey.length);
        }
        statelessResetKey = statelessResetKey.clone();
        ticketKeys = List.copyOf(ticketKeys);
        if (ticketKeys.size() > MAX_KEYS_PER_KIND) {
            throw new IllegalArgumentException("at most " + MAX_KEYS_PER_KIND + " ticket keys, not "
                    + ticketKeys.size());
        }
        if (ticketKeys.size() == 2 && ticketKeys.get(0).id() == ticketKeys.get(1).id()) {
            throw new IllegalArgumentException("two ticket keys with the id " + hexId(ticketKeys.get(0).id()));
        }
    }

    @Override
    public byte[] statelessResetKey() {
        return statelessResetKey.clone();
    }

    /**
     * {@return the keys in the file at {@code file}}
     *
     * @throws java.nio.file.NoSuchFileException if there is no such file
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if it is larger than {@link #MAX_FILE_BYTES} or not of the format, with the
     *     file's name and the line number
     */
    public static FleetKeys load(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IllegalArgumentException(file + ": " + size + " bytes, larger than a fleet key file may be ("
                    + MAX_FILE_BYTES + ")");
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length > MAX_FILE_BYTES) {
            throw new IllegalArgumentException(file + ": larger than a fleet key file may be (" + MAX_FILE_BYTES
                    + " bytes)");
        }
        return parse(file.toString(), new String(bytes, StandardCharsets.UTF_8));
    }

    /**
     * {@return the keys in {@code text}, of the file format}
     *
     * @param name what errors call the text: the file's name
     * @throws IllegalArgumentException naming {@code name} and the line, for a line of an unknown kind, a key that is
     *     not hex or of the wrong length, a third key of a kind, two ticket keys of one id, a second stateless reset
     *     key; or for a text without a token key or without a stateless reset key
     */
    public static FleetKeys parse(String name, String text) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(text, "text");
        List<byte[]> tokens = new ArrayList<>(MAX_KEYS_PER_KIND);
        List<FleetTicketKey> tickets = new ArrayList<>(MAX_KEYS_PER_KIND);
        byte[] reset = null;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String where = name + ":" + (i + 1) + ": ";
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] words = line.split("\\s+");
            switch (words[0]) {
                case "token-key" -> {
                    arity(words, 2, where, "token-key HEX");
                    if (tokens.size() == MAX_KEYS_PER_KIND) {
                        throw new IllegalArgumentException(where + "a third token-key: a file holds the sealing key"
                                + " and at most one older key that only opens");
                    }
                    byte[] key = hex(words[1], where, "token-key");
                    if (key.length != 16 && key.length != 32) {
                        throw new IllegalArgumentException(where + "a token-key is 16 or 32 bytes (32 or 64 hex"
                                + " digits), not " + key.length);
                    }
                    tokens.add(key);
                }
                case "ticket-key" -> {
                    arity(words, 3, where, "ticket-key ID HEX");
                    if (tickets.size() == MAX_KEYS_PER_KIND) {
                        throw new IllegalArgumentException(where + "a third ticket-key: a file holds the sealing key"
                                + " and at most one older key that only opens");
                    }
                    if (words[1].length() != 8 || !words[1].chars().allMatch(HexFormat::isHexDigit)) {
                        throw new IllegalArgumentException(where + "a ticket-key id is 8 hex digits, not '"
                                + words[1] + "'");
                    }
                    int id = HexFormat.fromHexDigits(words[1]);
                    byte[] key = hex(words[2], where, "ticket-key");
                    if (key.length != FleetTicketKey.KEY_LENGTH) {
                        throw new IllegalArgumentException(where + "a ticket-key is " + FleetTicketKey.KEY_LENGTH
                                + " bytes (64 hex digits), not " + key.length);
                    }
                    for (FleetTicketKey k : tickets) {
                        if (k.id() == id) {
                            throw new IllegalArgumentException(where + "a second ticket-key with the id "
                                    + words[1] + ": tickets name their key by its id");
                        }
                    }
                    tickets.add(new FleetTicketKey(id, key));
                }
                case "stateless-reset-key" -> {
                    arity(words, 2, where, "stateless-reset-key HEX");
                    if (reset != null) {
                        throw new IllegalArgumentException(where + "a second stateless-reset-key: reset tokens are"
                                + " derived from one key (RFC 9000 §10.3.2), which does not rotate");
                    }
                    byte[] key = hex(words[1], where, "stateless-reset-key");
                    if (key.length != RESET_KEY_LENGTH) {
                        throw new IllegalArgumentException(where + "a stateless-reset-key is " + RESET_KEY_LENGTH
                                + " bytes (64 hex digits), not " + key.length);
                    }
                    reset = key;
                }
                default -> throw new IllegalArgumentException(where + "unknown line '" + words[0]
                        + "': token-key, ticket-key or stateless-reset-key");
            }
        }
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException(name + ": no token-key line");
        }
        if (reset == null) {
            throw new IllegalArgumentException(name + ": no stateless-reset-key line");
        }
        TokenKeys tokenKeys = new TokenKeys(tokens.get(0), tokens.size() > 1 ? tokens.get(1) : null);
        return new FleetKeys(tokenKeys, reset, tickets);
    }

    /**
     * {@return a fresh set of keys drawn from {@code random}: a 32-byte token key, a ticket key, a reset key} Pass a
     * cryptographically strong generator ({@link java.security.SecureRandom}).
     */
    public static FleetKeys generate(RandomGenerator random) {
        Objects.requireNonNull(random, "random");
        byte[] ticket = new byte[FleetTicketKey.KEY_LENGTH];
        random.nextBytes(ticket);
        byte[] reset = new byte[RESET_KEY_LENGTH];
        random.nextBytes(reset);
        return new FleetKeys(TokenKeys.random(random), reset, List.of(new FleetTicketKey(random.nextInt(), ticket)));
    }

    /**
     * {@return the keys in the file format, with a comment on top} {@link #parse} reads it back to equal keys. The
     * text holds secrets: write it where only the servers can read it.
     */
    public String format() {
        HexFormat hex = HexFormat.of();
        StringBuilder b = new StringBuilder("# qsock fleet keys: the first key of a kind seals, a second only opens\n");
        b.append("token-key ").append(hex.formatHex(tokenKeys.current())).append('\n');
        if (tokenKeys.previous() != null) {
            b.append("token-key ").append(hex.formatHex(tokenKeys.previous())).append('\n');
        }
        for (FleetTicketKey k : ticketKeys) {
            b.append("ticket-key ").append(hexId(k.id())).append(' ').append(hex.formatHex(k.key())).append('\n');
        }
        b.append("stateless-reset-key ").append(hex.formatHex(statelessResetKey)).append('\n');
        return b.toString();
    }

    private static void arity(String[] words, int n, String where, String form) {
        if (words.length != n) {
            throw new IllegalArgumentException(where + "expected '" + form + "', found " + (words.length - 1)
                    + " value(s) after '" + words[0] + "'");
        }
    }

    private static byte[] hex(String digits, String where, String kind) {
        if (digits.length() % 2 != 0 || !digits.chars().allMatch(HexFormat::isHexDigit)) {
            throw new IllegalArgumentException(where + "the " + kind + " is not an even number of hex digits");
        }
        return HexFormat.of().parseHex(digits);
    }

    private static String hexId(int id) {
        return HexFormat.of().toHexDigits(id);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FleetKeys k && tokenKeys.equals(k.tokenKeys)
                && Arrays.equals(statelessResetKey, k.statelessResetKey) && ticketKeys.equals(k.ticketKeys);
    }

    @Override
    public int hashCode() {
        return (tokenKeys.hashCode() * 31 + Arrays.hashCode(statelessResetKey)) * 31 + ticketKeys.hashCode();
    }

    /** {@return how many keys of each kind: never the keys} */
    @Override
    public String toString() {
        return "FleetKeys[" + tokenKeys + ", " + ticketKeys.size() + " ticket key(s), a stateless reset key]";
    }
}
