package qsock.tls.engine;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import qsock.core.handshake.HashFunction;
import qsock.tls.codec.Opaque;
import qsock.tls.extension.Extension;
import qsock.tls.extension.PreSharedKeyClientHello;
import qsock.tls.extension.PskIdentity;
import qsock.tls.message.ClientHello;
import qsock.tls.message.HandshakeCodec;

/**
 * PSK binders (RFC 8446 §4.2.11.2): each is an HMAC, computed like a Finished (§4.4.4), with the binder key
 * Derive-Secret(Early Secret(PSK), "ext binder" | "res binder", "") over the transcript hash up to and
 * including the truncated ClientHello: the ClientHello encoded in full, minus the binders vector at its end.
 * After a HelloRetryRequest the transcript before it is message_hash(ClientHello1) and the
 * HelloRetryRequest (RFC 8446 §4.4.1). Stateless; the handshakes keep the transcript.
 */
final class PskBinder {

    private PskBinder() {}

    /** {@return the early secret of this PSK (RFC 8446 §7.1)} */
    static byte[] earlySecret(OfferedPsk psk) {
        return new KeySchedule(psk.hash()).earlySecret(psk.key());
    }

    /** {@return the binder of {@code psk} over a transcript hash ending with the truncated ClientHello} */
    static byte[] binder(OfferedPsk psk, byte[] truncatedTranscriptHash) {
        KeySchedule schedule = new KeySchedule(psk.hash());
        byte[] binderKey = schedule.deriveSecret(schedule.earlySecret(psk.key()), psk.kind().binderLabel(),
                schedule.digest(new byte[0]));
        return schedule.finishedVerifyData(binderKey, truncatedTranscriptHash);
    }

    /** {@return true if {@code received} is the binder of {@code psk}, compared in constant time} */
    static boolean verify(OfferedPsk psk, byte[] truncatedTranscriptHash, byte[] received) {
        return MessageDigest.isEqual(binder(psk, truncatedTranscriptHash), received);
    }

    /**
     * {@return the ClientHello's encoding minus its binders} Its pre_shared_key must be the last extension
     * (the codec enforces that on both sides).
     */
    static byte[] truncate(byte[] encodedClientHello, PreSharedKeyClientHello offered) {
        return Arrays.copyOf(encodedClientHello, encodedClientHello.length - offered.bindersLength());
    }

    /**
     * {@return {@code extensions} with a pre_shared_key for {@code psks} appended last, its binders
     * placeholders of the right length} {@link #bind} then fills them in.
     */
    static List<Extension> withPlaceholder(List<Extension> extensions, List<OfferedPsk> psks) {
        List<PskIdentity> identities = new ArrayList<>();
        List<Opaque> binders = new ArrayList<>();
        for (OfferedPsk psk : psks) {
            identities.add(new PskIdentity(Opaque.of(psk.identity()), psk.obfuscatedTicketAge()));
            binders.add(Opaque.of(new byte[psk.hash().length()]));
        }
        List<Extension> out = new ArrayList<>(extensions);
        out.add(new PreSharedKeyClientHello(identities, binders));
        return out;
    }

    /**
     * {@return {@code hello}, whose last extension is the pre_shared_key {@link #withPlaceholder} made for
     * {@code psks}, with the real binders} Each binder covers {@code transcript} (nothing before a first
     * ClientHello; message_hash and the HelloRetryRequest before a second) and the truncated ClientHello.
     */
    static ClientHello bind(ClientHello hello, List<OfferedPsk> psks, TranscriptHash transcript) {
        List<Extension> extensions = hello.extensions();
        PreSharedKeyClientHello placeholder = (PreSharedKeyClientHello) extensions.get(extensions.size() - 1);
        byte[] truncated = truncate(HandshakeCodec.encode(hello), placeholder);
        List<Opaque> binders = new ArrayList<>();
        for (OfferedPsk psk : psks) {
            binders.add(Opaque.of(binder(psk, transcript.currentWith(psk.hash(), truncated))));
        }
        List<Extension> bound = new ArrayList<>(extensions.subList(0, extensions.size() - 1));
        bound.add(new PreSharedKeyClientHello(placeholder.identities(), binders));
        return new ClientHello(hello.legacyVersion(), hello.random(), hello.legacySessionId(), hello.cipherSuites(),
                hello.legacyCompressionMethods(), bound);
    }

    /** {@return the PSKs among {@code psks} bound to {@code hash}, for a ClientHello after a HelloRetryRequest} */
    static List<OfferedPsk> withHash(List<OfferedPsk> psks, HashFunction hash) {
        return psks.stream().filter(p -> p.hash() == hash).toList();
    }
}
