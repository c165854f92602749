package qsock.tls.jca;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The server's answer to a client's key share (RFC 8446 §4.2.8): the key_exchange bytes of its KeyShareEntry
 * in the ServerHello, and the shared secret the key schedule takes as its (EC)DHE input (§7.1). For an (EC)DHE
 * group the bytes are a fresh public key; for a KEM group such as X25519MLKEM768 they hold the ciphertext.
 *
 * @param group the group of both shares
 * @param publicBytes the server's key_exchange bytes (copied in and out)
 * @param sharedSecret the shared secret (copied in and out); never printed
 */
public record KeyShareResponse(NamedGroup group, byte[] publicBytes, byte[] sharedSecret) {

    /** Checks that nothing is missing and copies the arrays. */
    public KeyShareResponse {
        Objects.requireNonNull(group, "group");
        publicBytes = publicBytes.clone();
        sharedSecret = sharedSecret.clone();
    }

    /** {@return a copy of the key_exchange bytes to send} */
    @Override
    public byte[] publicBytes() {
        return publicBytes.clone();
    }

    /** {@return a copy of the shared secret} */
    @Override
    public byte[] sharedSecret() {
        return sharedSecret.clone();
    }

    /** Two responses are equal when they hold the same group, public bytes and secret. */
    @Override
    public boolean equals(Object o) {
        return o instanceof KeyShareResponse r && group == r.group && Arrays.equals(publicBytes, r.publicBytes)
                && Arrays.equals(sharedSecret, r.sharedSecret);
    }

    @Override
    public int hashCode() {
        return 31 * group.hashCode() + Arrays.hashCode(publicBytes);
    }

    /** {@return the group and public bytes; the secret stays out of logs} */
    @Override
    public String toString() {
        return "KeyShareResponse[" + group + ", " + HexFormat.of().formatHex(publicBytes) + "]";
    }
}
