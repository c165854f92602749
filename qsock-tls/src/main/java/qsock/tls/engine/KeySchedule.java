package qsock.tls.engine;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import qsock.core.handshake.HashFunction;
import qsock.core.crypto.Hkdf;

/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1) for one hash: from the (possibly absent) PSK and the (EC)DHE
 * shared secret to the handshake and application traffic secrets, plus the Finished computation (§4.4.4).
 * The methods are pure functions of their inputs; the handshake classes keep the secrets.
 */
final class KeySchedule {

    private final HashFunction hash;
    private final byte[] emptyHash;

    KeySchedule(HashFunction hash) {
        this.hash = hash;
        this.emptyHash = digest(new byte[0]);
    }

    HashFunction hash() {
        return hash;
    }

    /** Early Secret = HKDF-Extract(0, PSK), with a string of zeros when there is no PSK. */
    byte[] earlySecret(byte[] psk) {
        byte[] ikm = psk != null ? psk : new byte[hash.length()];
        return Hkdf.extract(hash, new byte[hash.length()], ikm);
    }

    /** Derive-Secret(Secret, Label, Messages) with the transcript hash of the messages already taken. */
    byte[] deriveSecret(byte[] secret, String label, byte[] transcriptHash) {
        return Hkdf.expandLabel(hash, secret, label, transcriptHash, hash.length());
    }

    /** Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE). */
    byte[] handshakeSecret(byte[] earlySecret, byte[] sharedSecret) {
        return Hkdf.extract(hash, deriveSecret(earlySecret, "derived", emptyHash), sharedSecret);
    }

    /** Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0). */
    byte[] masterSecret(byte[] handshakeSecret) {
        return Hkdf.extract(hash, deriveSecret(handshakeSecret, "derived", emptyHash), new byte[hash.length()]);
    }

    /** client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic", ClientHello) (RFC 8446 §7.1). */
    byte[] clientEarlyTrafficSecret(byte[] earlySecret, byte[] clientHelloHash) {
        return deriveSecret(earlySecret, "c e traffic", clientHelloHash);
    }

    /** early_exporter_master_secret = Derive-Secret(Early Secret, "e exp master", ClientHello) (RFC 8446 §7.1). */
    byte[] earlyExporterMasterSecret(byte[] earlySecret, byte[] clientHelloHash) {
        return deriveSecret(earlySecret, "e exp master", clientHelloHash);
    }

    byte[] clientHandshakeTrafficSecret(byte[] handshakeSecret, byte[] helloHash) {
        return deriveSecret(handshakeSecret, "c hs traffic", helloHash);
    }

    byte[] serverHandshakeTrafficSecret(byte[] handshakeSecret, byte[] helloHash) {
        return deriveSecret(handshakeSecret, "s hs traffic", helloHash);
    }

    byte[] clientApplicationTrafficSecret(byte[] masterSecret, byte[] serverFinishedHash) {
        return deriveSecret(masterSecret, "c ap traffic", serverFinishedHash);
    }

    byte[] serverApplicationTrafficSecret(byte[] masterSecret, byte[] serverFinishedHash) {
        return deriveSecret(masterSecret, "s ap traffic", serverFinishedHash);
    }

    byte[] exporterMasterSecret(byte[] masterSecret, byte[] serverFinishedHash) {
        return deriveSecret(masterSecret, "exp master", serverFinishedHash);
    }

    byte[] resumptionMasterSecret(byte[] masterSecret, byte[] clientFinishedHash) {
        return deriveSecret(masterSecret, "res master", clientFinishedHash);
    }

    /** finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 §4.4.4). */
    byte[] finishedKey(byte[] trafficSecret) {
        return Hkdf.expandLabel(hash, trafficSecret, "finished", hash.length());
    }

    /** verify_data = HMAC(finished_key, Transcript-Hash(...)) (RFC 8446 §4.4.4). */
    byte[] finishedVerifyData(byte[] trafficSecret, byte[] transcriptHash) {
        try {
            Mac mac = Mac.getInstance(hash.macAlgorithm());
            mac.init(new SecretKeySpec(finishedKey(trafficSecret), hash.macAlgorithm()));
            return mac.doFinal(transcriptHash);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + hash.macAlgorithm(), e);
        }
    }

    /** {@return true if {@code received} is the Finished value expected, compared in constant time} */
    boolean verifyFinished(byte[] trafficSecret, byte[] transcriptHash, byte[] received) {
        return MessageDigest.isEqual(finishedVerifyData(trafficSecret, transcriptHash), received);
    }

    byte[] digest(byte[] data) {
        try {
            return MessageDigest.getInstance(hash.digestAlgorithm()).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + hash.digestAlgorithm(), e);
        }
    }
}
