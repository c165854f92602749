package qsock.core.endpoint;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.random.RandomGenerator;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import qsock.api.TokenKeys;
import qsock.api.QuicVersion;
import qsock.core.wire.ConnectionId;

/**
 * Seals and opens a server's address validation tokens (RFC 9000 §8.1.1-§8.1.4): Retry tokens and NEW_TOKEN tokens,
 * authenticated and encrypted with AES-GCM under {@link TokenKeys} that several servers may share.
 *
 * <p>Layout: the kind (one byte, in the clear but authenticated as associated data, so that a server tells a Retry
 * token it cannot open from a token of another kind or origin), a 12-byte random nonce, then sealed: the issue time
 * (8 bytes, on the token clock), the client's IP address (a length byte, 4 or 16, and the address), the port (2
 * bytes; 0 in a NEW_TOKEN token, since a client's port changes between connections), and for a Retry token the
 * original Destination Connection ID and the Retry's Source Connection ID (a length byte and the ID each); then the
 * 16-byte tag. At most {@value #MAX_LENGTH} bytes.
 *
 * <p>Random nonces: RFC 9000 §8.1.4 wants tokens that cannot be linked, and servers sharing a key cannot share a
 * counter. A 96-bit random nonce stays safe for far more tokens than a key lives for (rotate it: {@link
 * TokenKeys#rotate}).
 *
 * <p>Opening is strict and bounded: the length is checked before anything is decrypted, every field after, and a
 * token that is forged, sealed under an unknown key, malformed, expired, issued in the future, or bound to another
 * address is invalid: {@link #open} returns null and throws nothing. Time is passed in ({@code now}), never read.
 *
 * <p>Not thread-safe: one endpoint's thread uses it.
 */
public final class AddressTokens {

    /** Bytes of the nonce after the kind byte. */
    static final int NONCE_LENGTH = 12;
    private static final int TAG_LENGTH = 16;
    private static final int MAX_CID = ConnectionId.MAX_LENGTH;
    /** The largest token this class writes or opens: kind, nonce, time, IPv6 address, port, two CIDs, tag. */
    public static final int MAX_LENGTH = 1 + NONCE_LENGTH + 8 + 1 + 16 + 2 + 2 * (1 + MAX_CID) + TAG_LENGTH;
    /** The smallest: kind, nonce, time, IPv4 address, port, tag. */
    static final int MIN_LENGTH = 1 + NONCE_LENGTH + 8 + 1 + 4 + 2 + TAG_LENGTH;

    private final SecretKeySpec current;
    private final SecretKeySpec previous;
    private final Cipher cipher;
    private final RandomGenerator random;
    private final long retryLifetime;
    private final long newTokenLifetime;
    private final byte[] nonce = new byte[NONCE_LENGTH];
    private final byte[] plain = new byte[MAX_LENGTH];

    /**
     * @param keys the keys to seal with (the current one) and open with (both)
     * @param random the source of nonces
     * @param retryLifetime how long a Retry token is valid, in token-clock nanoseconds
     * @param newTokenLifetime how long a NEW_TOKEN token is valid, in token-clock nanoseconds
     */
    public AddressTokens(TokenKeys keys, RandomGenerator random, long retryLifetime, long newTokenLifetime) {
        if (retryLifetime <= 0 || newTokenLifetime <= 0) {
            throw new IllegalArgumentException("token lifetimes must be positive: " + retryLifetime + ", "
                    + newTokenLifetime);
        }
        this.current = new SecretKeySpec(keys.current(), "AES");
        byte[] p = keys.previous();
        this.previous = p == null ? null : new SecretKeySpec(p, "AES");
        this.random = random;
        this.retryLifetime = retryLifetime;
        this.newTokenLifetime = newTokenLifetime;
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /**
     * {@return a Retry token for {@code client}, bound to its address and port}
     *
     * @param originalDestinationId the Destination Connection ID of the client's Initial the Retry answers
     * @param retrySourceId the Source Connection ID the Retry carries, which the client addresses next
     * @param now the token clock
     */
    public byte[] sealRetry(InetSocketAddress client, QuicVersion version, ConnectionId originalDestinationId,
                            ConnectionId retrySourceId, long now) {
        return seal(AddressToken.Kind.RETRY, client, version, originalDestinationId, retrySourceId, now);
    }

    /**
     * {@return a NEW_TOKEN token for {@code client}, bound to its IP address and to {@code version}, the version of
     * the connection it is given on} {@code now} is the token clock.
     */
    public byte[] sealNewToken(InetSocketAddress client, QuicVersion version, long now) {
        return seal(AddressToken.Kind.NEW_TOKEN, client, version, null, null, now);
    }

    private byte[] seal(AddressToken.Kind kind, InetSocketAddress client, QuicVersion version, ConnectionId odcid,
                        ConnectionId rscid, long now) {
        byte[] ip = client.getAddress().getAddress();
        ByteBuffer p = ByteBuffer.wrap(plain);
        p.putLong(now);
        p.put((byte) ip.length).put(ip);
        p.putShort((short) (kind == AddressToken.Kind.RETRY ? client.getPort() : 0));
        if (kind == AddressToken.Kind.RETRY) {
            p.put((byte) odcid.length());
            odcid.writeTo(p);
            p.put((byte) rscid.length());
            rscid.writeTo(p);
        }
        int plainLength = p.position();
        byte[] token = new byte[1 + NONCE_LENGTH + plainLength + TAG_LENGTH];
        token[0] = (byte) kind.marker;
        random.nextBytes(nonce);
        System.arraycopy(nonce, 0, token, 1, NONCE_LENGTH);
        try {
            cipher.init(Cipher.ENCRYPT_MODE, current, new GCMParameterSpec(TAG_LENGTH * 8, nonce));
            cipher.updateAAD(token, 0, 1);
            cipher.updateAAD(versionBytes(version));
            cipher.doFinal(plain, 0, plainLength, token, 1 + NONCE_LENGTH);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to seal a token", e);
        }
        return token;
    }

    /**
     * {@return the version as authenticated data} RFC 9369 §5: a token is bound to the version of the connection
     * that issued it, and a server MUST NOT accept one from another: sealed with its version as associated data, it
     * does not open under another.
     */
    private static byte[] versionBytes(QuicVersion version) {
        int v = version.wireValue();
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    /**
     * {@return the kind a token says it is by its first byte, or null for none of ours} Unauthenticated: only
     * {@link #open} tells whether it is valid.
     */
    public static AddressToken.Kind claimedKind(ByteBuffer buf, int offset, int length) {
        return length < MIN_LENGTH || length > MAX_LENGTH ? null : AddressToken.Kind.ofMarker(buf.get(offset) & 0xff);
    }

    /**
     * Opens the token at {@code offset} in {@code buf} ({@code length} bytes; the buffer is not changed).
     *
     * @param client the address the token came from: it must be the address (and for a Retry token the port) it
     *     was issued to
     * @param now the token clock: the token must not be older than its kind's lifetime, nor from the future
     * @return what the token says, or null if it is not a valid token of ours for {@code client} now
     */
    public AddressToken open(ByteBuffer buf, int offset, int length, InetSocketAddress client, QuicVersion version,
                             long now) {
        AddressToken.Kind kind = claimedKind(buf, offset, length);
        if (kind == null) {
            return null;
        }
        byte[] token = new byte[length];
        buf.get(offset, token);
        int plainLength = decrypt(token, current, version);
        if (plainLength < 0 && previous != null) {
            plainLength = decrypt(token, previous, version);
        }
        if (plainLength < 0) {
            return null;
        }
        return parse(kind, plainLength, client, now);
    }

    /** {@return the plaintext's length in {@link #plain}, or -1 if {@code token} does not open under {@code key}} */
    private int decrypt(byte[] token, SecretKeySpec key, QuicVersion version) {
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_LENGTH * 8, token, 1, NONCE_LENGTH));
            cipher.updateAAD(token, 0, 1);
            cipher.updateAAD(versionBytes(version));
            return cipher.doFinal(token, 1 + NONCE_LENGTH, token.length - 1 - NONCE_LENGTH, plain, 0);
        } catch (AEADBadTagException e) {
            // Forged, altered or sealed under another key: invalid, nothing more.
            return -1;
        } catch (GeneralSecurityException e) {
            return -1;
        }
    }

    private AddressToken parse(AddressToken.Kind kind, int plainLength, InetSocketAddress client, long now) {
        ByteBuffer p = ByteBuffer.wrap(plain, 0, plainLength);
        if (p.remaining() < 8 + 1) {
            return null;
        }
        long issued = p.getLong();
        // Compared by subtraction: the token clock may wrap (RFC-free, but nanoTime-based clocks do).
        long age = now - issued;
        long lifetime = kind == AddressToken.Kind.RETRY ? retryLifetime : newTokenLifetime;
        if (age < 0 || age > lifetime) {
            return null;
        }
        byte[] ip = client.getAddress().getAddress();
        int ipLength = p.get() & 0xff;
        if (ipLength != ip.length || p.remaining() < ipLength + 2) {
            return null;
        }
        for (byte b : ip) {
            if (p.get() != b) {
                return null;
            }
        }
        int port = p.getShort() & 0xffff;
        if (kind == AddressToken.Kind.NEW_TOKEN) {
            return port == 0 && !p.hasRemaining() ? new AddressToken(kind, null, null, issued) : null;
        }
        if (port != client.getPort()) {
            return null;
        }
        ConnectionId odcid = readCid(p);
        ConnectionId rscid = odcid == null ? null : readCid(p);
        if (rscid == null || p.hasRemaining()) {
            return null;
        }
        return new AddressToken(kind, odcid, rscid, issued);
    }

    private static ConnectionId readCid(ByteBuffer p) {
        if (!p.hasRemaining()) {
            return null;
        }
        int n = p.get() & 0xff;
        if (n > MAX_CID || p.remaining() < n) {
            return null;
        }
        byte[] id = new byte[n];
        p.get(id);
        return ConnectionId.of(id);
    }
}
