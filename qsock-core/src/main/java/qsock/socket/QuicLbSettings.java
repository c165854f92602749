package qsock.socket;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import qsock.core.cid.lb.QuicLbConfig;
import qsock.core.cid.lb.QuicLbDecoder;
import qsock.core.wire.ConnectionId;

/**
 * A server's QUIC-LB configuration (draft-ietf-quic-load-balancers): the server ID every connection ID it issues
 * encodes, so that a load balancer with the same configuration routes every packet of a connection to this server,
 * even after the client's address changes. Set it on a listener with {@code QuicSocketOptions.QUIC_LB}.
 *
 * <p>Connection IDs are one octet (3 bits of config rotation, then bits the server chooses), the server ID and a nonce
 * never repeated, all of it after the first octet encrypted under the key when there is one (the draft's four-pass or
 * single-pass modes; without a key, anyone can read the server ID). They are {@link #connectionIdLength()} octets
 * long. The first octet's low bits are not a self-encoded length: a listener with several I/O threads writes its
 * thread's index there (the draft leaves them to the server, §"First CID octet").
 *
 * <p>The bounds are the draft's (§"Configuration Agent Actions", §"Config Rotation"): a server ID of at least one
 * octet, a nonce of at least four, both together at most 19 (a connection ID is at most 20, RFC 9000 §17.2); a config
 * rotation of 0 to 6 (7 marks unroutable IDs); a 16-octet AES-128 key, or none.
 *
 * @param serverId this server's ID, 1 to 15 octets
 * @param nonceLength the nonce's octets, 4 to 18
 * @param configRotation the config rotation codepoint, 0 to 6
 * @param key the 16-octet key, or null for plaintext connection IDs
 */
public record QuicLbSettings(byte[] serverId, int nonceLength, int configRotation, byte[] key) {

    /** @throws IllegalArgumentException for a field out of the draft's bounds, naming it */
    public QuicLbSettings {
        Objects.requireNonNull(serverId, "serverId");
        serverId = serverId.clone();
        key = key == null ? null : key.clone();
        // The internal configuration checks every bound; the settings are its public face.
        new QuicLbConfig(configRotation, serverId.length, nonceLength, key, false);
    }

    /** {@return plaintext settings: the server ID in clear, config rotation 0} */
    public static QuicLbSettings plaintext(byte[] serverId, int nonceLength) {
        return new QuicLbSettings(serverId, nonceLength, 0, null);
    }

    /**
     * {@return the settings written as {@code server-id=HEX,nonce=N[,key=HEX][,rotation=R]}} (the form of {@code qsock
     * server --quic-lb})
     *
     * @throws IllegalArgumentException for a missing or unknown field, a value that is not a number or hex, or a
     *     setting out of bounds
     */
    public static QuicLbSettings parse(String text) {
        Objects.requireNonNull(text, "text");
        byte[] id = null;
        byte[] key = null;
        Integer nonce = null;
        int rotation = 0;
        for (String part : text.split(",")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("QUIC-LB setting '" + part + "' is not NAME=VALUE");
            }
            String name = part.substring(0, eq).strip();
            String value = part.substring(eq + 1).strip();
            switch (name) {
                case "server-id" -> id = hex(value, name);
                case "key" -> key = hex(value, name);
                case "nonce" -> nonce = number(value, name);
                case "rotation" -> rotation = number(value, name);
                default -> throw new IllegalArgumentException("unknown QUIC-LB setting '" + name
                        + "': server-id, nonce, key or rotation");
            }
        }
        if (id == null || nonce == null) {
            throw new IllegalArgumentException("QUIC-LB settings need server-id=HEX and nonce=N: " + text);
        }
        return new QuicLbSettings(id, nonce, rotation, key);
    }

    private static byte[] hex(String value, String name) {
        if (value.isEmpty() || value.length() % 2 != 0 || !value.chars().allMatch(HexFormat::isHexDigit)) {
            throw new IllegalArgumentException("QUIC-LB " + name + " '" + value + "' is not an even number of hex"
                    + " digits");
        }
        return HexFormat.of().parseHex(value);
    }

    private static int number(String value, String name) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("QUIC-LB " + name + " '" + value + "' is not a number");
        }
    }

    @Override
    public byte[] serverId() {
        return serverId.clone();
    }

    @Override
    public byte[] key() {
        return key == null ? null : key.clone();
    }

    /** {@return the length of every connection ID a listener with these settings issues: 1 + server ID + nonce} */
    public int connectionIdLength() {
        return 1 + serverId.length + nonceLength;
    }

    /**
     * {@return the server ID that {@code connectionId} encodes under these settings (decrypted with the key, if any),
     * or empty if it is of another config rotation or too short} What a load balancer does with the Destination
     * Connection ID of each packet (§"Load Balancer Actions"); the result is some server's ID, this one's only if this
     * server issued it.
     */
    public Optional<byte[]> serverIdOf(byte[] connectionId) {
        Objects.requireNonNull(connectionId, "connectionId");
        if (connectionId.length == 0 || connectionId.length > ConnectionId.MAX_LENGTH) {
            return Optional.empty();
        }
        QuicLbDecoder decoder = new QuicLbDecoder(new QuicLbConfig(configRotation, serverId.length, nonceLength,
                key, false));
        return decoder.serverId(ConnectionId.of(connectionId));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuicLbSettings s && Arrays.equals(serverId, s.serverId) && nonceLength == s.nonceLength
                && configRotation == s.configRotation && Arrays.equals(key, s.key);
    }

    @Override
    public int hashCode() {
        return ((Arrays.hashCode(serverId) * 31 + nonceLength) * 31 + configRotation) * 31 + Arrays.hashCode(key);
    }

    /** {@return the settings but the key, which must not reach logs} */
    @Override
    public String toString() {
        return "QuicLbSettings[serverId=" + HexFormat.of().formatHex(serverId) + ", nonceLength=" + nonceLength
                + ", configRotation=" + configRotation + ", encrypted=" + (key != null) + "]";
    }
}
