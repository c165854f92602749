package qsock.tls.jca;

import java.security.PrivateKey;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import qsock.tls.TlsAlertException;

/**
 * Our half of an (EC)DHE exchange: the private key, kept until the peer's share arrives, and the
 * key_exchange bytes of our KeyShareEntry (RFC 8446 §4.2.8).
 *
 * @param group the group the key belongs to
 * @param privateKey our ephemeral private key; never printed
 * @param publicBytes the exact key_exchange bytes to send (copied in and out)
 */
public record KeyShare(NamedGroup group, PrivateKey privateKey, byte[] publicBytes) {

    /** Checks that nothing is missing and copies {@code publicBytes}. */
    public KeyShare {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(privateKey, "privateKey");
        publicBytes = publicBytes.clone();
    }

    /** {@return a copy of the key_exchange bytes to send} */
    @Override
    public byte[] publicBytes() {
        return publicBytes.clone();
    }

    /**
     * {@return the shared secret of this share and the peer's}, as {@link NamedGroup#sharedSecret}
     *
     * @throws TlsAlertException illegal_parameter if the peer's key_exchange bytes are not a valid share
     */
    public byte[] sharedSecret(byte[] peerKeyExchange) throws TlsAlertException {
        return group.sharedSecret(privateKey, peerKeyExchange);
    }

    /** Two shares are equal when they hold the same group, private key and public bytes. */
    @Override
    public boolean equals(Object o) {
        return o instanceof KeyShare k && group == k.group && privateKey.equals(k.privateKey)
                && Arrays.equals(publicBytes, k.publicBytes);
    }

    @Override
    public int hashCode() {
        return 31 * group.hashCode() + Arrays.hashCode(publicBytes);
    }

    /** {@return the group and public bytes; the private key stays out of logs} */
    @Override
    public String toString() {
        return "KeyShare[" + group + ", " + HexFormat.of().formatHex(publicBytes) + "]";
    }
}
