package qsock.tls.engine;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import qsock.core.handshake.HashFunction;
import qsock.tls.message.HandshakeCodec;

/**
 * The running hash of the handshake messages (RFC 8446 §4.4.1). Until the cipher suite, and with it the
 * hash, is known (the client learns it from ServerHello), the messages are kept and hashed once the hash is
 * chosen.
 */
final class TranscriptHash {

    private ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private MessageDigest digest;
    private HashFunction hash;

    /** Chooses the hash; messages added so far are hashed now. */
    void select(HashFunction hash) {
        if (this.hash != null) {
            if (this.hash != hash) {
                throw new IllegalStateException("transcript hash already " + this.hash);
            }
            return;
        }
        this.hash = hash;
        try {
            digest = MessageDigest.getInstance(hash.digestAlgorithm());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + hash.digestAlgorithm(), e);
        }
        digest.update(pending.toByteArray());
        pending = null;
    }

    /** {@return the hash in use, or null before {@link #select}} */
    HashFunction hash() {
        return hash;
    }

    /** Adds a whole handshake message (type, length and body) as sent or received. */
    void add(byte[] message) {
        add(ByteBuffer.wrap(message));
    }

    /** Adds a whole handshake message from the buffer's position to its limit, without moving it. */
    void add(ByteBuffer message) {
        ByteBuffer m = message.duplicate();
        if (digest == null) {
            byte[] b = new byte[m.remaining()];
            m.get(b);
            pending.writeBytes(b);
        } else {
            digest.update(m);
        }
    }

    /**
     * Replaces the messages so far (ClientHello1) by the synthetic message_hash message that stands for
     * them after a HelloRetryRequest (RFC 8446 §4.4.1); the hash must be selected.
     */
    void replaceWithMessageHash() {
        byte[] clientHello1Hash = current();
        digest.reset();
        add(HandshakeCodec.messageHash(clientHello1Hash));
    }

    /**
     * {@return the hash, with {@code hash}, of the messages so far followed by {@code extra}, which is not
     * added} For PSK binders (RFC 8446 §4.2.11.2): {@code extra} is a truncated ClientHello. Before
     * {@link #select} the pending messages are hashed with {@code hash}; after it, {@code hash} must be the
     * selected one.
     */
    byte[] currentWith(HashFunction hash, byte[] extra) {
        try {
            MessageDigest d;
            if (digest == null) {
                d = MessageDigest.getInstance(hash.digestAlgorithm());
                d.update(pending.toByteArray());
            } else if (this.hash != hash) {
                throw new IllegalStateException("transcript hash is " + this.hash + ", not " + hash);
            } else {
                d = (MessageDigest) digest.clone();
            }
            d.update(extra);
            return d.digest();
        } catch (NoSuchAlgorithmException | CloneNotSupportedException e) {
            throw new IllegalStateException("cannot hash with " + hash.digestAlgorithm(), e);
        }
    }

    /** {@return the hash of the messages so far; the transcript goes on} */
    byte[] current() {
        if (digest == null) {
            throw new IllegalStateException("no hash selected yet");
        }
        try {
            return ((MessageDigest) digest.clone()).digest();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("digest " + digest.getAlgorithm() + " cannot be cloned", e);
        }
    }
}
