package qsock.core.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import qsock.api.QuicVersion;
import qsock.core.wire.ConnectionId;

/**
 * The Retry Integrity Tag (RFC 9001 §5.8, RFC 9369 §3.3.3): AES-128-GCM with the version's fixed key and
 * nonce over an empty plaintext, the associated data being the Retry pseudo-packet (the Original
 * Destination Connection ID with its length, then the Retry packet without its tag).
 *
 * <p>Every tag reuses the one fixed nonce, which the JDK's GCM refuses on a {@code Cipher} object that
 * encrypted with it before; Retry packets are rare, so each call takes a fresh {@code Cipher}. Verifying
 * computes the tag and compares it in constant time, so a bad tag costs no exception. Thread-safe.
 */
public final class RetryIntegrity {

    /** Length of the tag at the end of every Retry packet. */
    public static final int TAG_LENGTH = 16;

    private RetryIntegrity() {}

    /**
     * {@return the integrity tag of a Retry packet}
     *
     * @param originalDestinationId the Destination Connection ID of the client's Initial that the Retry
     *        answers
     * @param retryWithoutTag the Retry packet up to where its tag goes, from position to limit; neither
     *        is moved
     */
    public static byte[] computeTag(QuicVersion version, ConnectionId originalDestinationId,
            ByteBuffer retryWithoutTag) {
        return tag(version, originalDestinationId, retryWithoutTag, retryWithoutTag.position(),
                retryWithoutTag.limit());
    }

    /**
     * {@return true if the Retry packet ends with the right integrity tag} A packet shorter than a tag is
     * not valid. (RFC 9000 §17.2.5.2: a client discards a Retry whose tag is not.)
     *
     * @param retryPacket the whole Retry packet from position to limit, tag included; neither is moved
     */
    public static boolean verify(QuicVersion version, ConnectionId originalDestinationId, ByteBuffer retryPacket) {
        int start = retryPacket.position();
        int end = retryPacket.limit();
        if (end - start < TAG_LENGTH) {
            return false;
        }
        byte[] expected = tag(version, originalDestinationId, retryPacket, start, end - TAG_LENGTH);
        byte[] received = new byte[TAG_LENGTH];
        retryPacket.get(end - TAG_LENGTH, received);
        return MessageDigest.isEqual(expected, received);
    }

    private static byte[] tag(QuicVersion version, ConnectionId odcid, ByteBuffer packet, int start, int end) {
        int odcidLength = odcid.length();
        // RFC 9001 §5.8: Retry Pseudo-Packet = ODCID Length (8), ODCID, then the Retry packet sans tag.
        byte[] pseudo = new byte[1 + odcidLength + end - start];
        pseudo[0] = (byte) odcidLength;
        for (int i = 0; i < odcidLength; i++) {
            pseudo[1 + i] = odcid.byteAt(i);
        }
        packet.get(start, pseudo, 1 + odcidLength, end - start);
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(version.retryIntegrityKey(), "AES"),
                    new GCMParameterSpec(TAG_LENGTH * 8, version.retryIntegrityNonce()));
            gcm.updateAAD(pseudo);
            // The plaintext is empty: the output is the tag alone.
            return gcm.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-128-GCM is not available", e);
        }
    }
}
