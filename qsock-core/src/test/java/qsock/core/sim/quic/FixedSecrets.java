package qsock.core.sim.quic;

import qsock.api.Role;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.crypto.PacketProtection;
import qsock.api.QuicVersion;

/**
 * The known traffic secrets of the {@link FixedSecretHandshake}: one per level and writer, the length of the
 * suite's hash, each a fixed byte pattern. A test that knows them seals packets as either endpoint (frame
 * injection) or opens what one sent, without a key log.
 */
public final class FixedSecrets {

    private FixedSecrets() {
    }

    /**
     * {@return the secret {@code writer} protects its {@code level} packets with} Initial keys come from the
     * connection ID (RFC 9001 §5.2), so only Handshake and 1-RTT secrets are fixed here.
     */
    public static byte[] secret(EncryptionLevel level, Role writer, CipherSuite suite) {
        int base = switch (level) {
            case HANDSHAKE -> 0x10;
            case APPLICATION -> 0x30;
            case INITIAL, EARLY_DATA -> throw new IllegalArgumentException("no fixed " + level + " secret");
        };
        byte[] secret = new byte[suite.hash().length()];
        for (int i = 0; i < secret.length; i++) {
            secret[i] = (byte) (base + (writer == Role.CLIENT ? 0 : 0x10) + i);
        }
        return secret;
    }

    /** {@return the first-generation packet protection {@code writer} uses at {@code level}} */
    public static PacketProtection protection(EncryptionLevel level, Role writer, CipherSuite suite,
                                              QuicVersion version) {
        return PacketProtection.fromSecret(suite, version, secret(level, writer, suite));
    }
}
