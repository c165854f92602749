package qsock.tls.ticket;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import qsock.core.crypto.Hkdf;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.HashFunction;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * What a server's session ticket remembers (RFC 8446 §4.6.1): everything a server needs to accept the
 * ticket's PSK in a later handshake, and, for 0-RTT, to decide whether the early data may be accepted (RFC
 * 9001 §4.6.1: the same ALPN and compatible transport parameters, RFC 9000 §7.4.1). A {@link TicketSealer}
 * encrypts it into the ticket the client holds; nothing of it is visible to the client.
 *
 * <p>Times are wall-clock milliseconds since the epoch as the server's clock reads them (several servers
 * sharing ticket keys must share a notion of time, RFC 8446 §8.3); nothing here reads a clock.
 *
 * <p>{@link #encode()} and {@link #decode(byte[])} are the compact serialization inside a ticket:
 * <pre>
 *   uint8  version = 2
 *   uint16 cipher_suite
 *   opaque psk&lt;32|48&gt;              (the suite's hash length, with a one-byte length)
 *   opaque alpn&lt;0..255&gt;            (ISO-8859-1, one byte a character; empty: none negotiated)
 *   opaque server_name&lt;0..255&gt;     (ASCII host name; empty: no SNI)
 *   uint64 issued_at                  (epoch milliseconds, 0..2^63-1)
 *   uint32 lifetime                   (seconds, at most 604800)
 *   uint32 age_add
 *   uint32 max_early_data_size        (0: the ticket allows no 0-RTT)
 *   opaque transport_parameters&lt;0..1024&gt;  (the server's, as encoded; empty when there is no 0-RTT)
 *   uint32 quic_version               (the wire value; 0: not bound to a QUIC version, as over TCP)
 * </pre>
 * A ticket of the first format (version 1, before the QUIC version was kept) does not decode: it is unknown, and
 * the client gets a full handshake.
 *
 * @param cipherSuite the suite of the connection that issued the ticket; a resumption must use a suite with
 *     the same hash (RFC 8446 §4.2.11), and 0-RTT the same suite (§4.2.10)
 * @param psk the resumption PSK ({@link #resumptionPsk}), of the suite's hash length
 * @param alpn the negotiated application protocol, or "" when none was
 * @param serverName the SNI host name the client sent, or "" when it sent none
 * @param issuedAtMillis when the ticket was issued, epoch milliseconds
 * @param lifetimeSeconds the ticket_lifetime sent with it, 0 to {@link #MAX_LIFETIME_SECONDS}
 * @param ageAdd the ticket_age_add sent with it, a uint32
 * @param maxEarlyDataSize the max_early_data_size sent with it (a uint32), 0 if 0-RTT is not allowed
 * @param transportParameters the server's transport parameters as encoded in its extension, which 0-RTT
 *     must be compatible with (RFC 9000 §7.4.1); at most {@link #MAX_TRANSPORT_PARAMETERS} bytes
 * @param quicVersion the wire value of the QUIC version of the connection that issued the ticket (the negotiated
 *     one), which alone the ticket resumes (RFC 9369 §5); 0 when the ticket is bound to none (TLS over TCP)
 */
public record SessionState(CipherSuite cipherSuite, byte[] psk, String alpn, String serverName, long issuedAtMillis,
                           long lifetimeSeconds, long ageAdd, long maxEarlyDataSize, byte[] transportParameters,
                           int quicVersion) {

    /** The longest ticket lifetime: seven days (RFC 8446 §4.6.1, "MUST NOT use any value greater"). */
    public static final long MAX_LIFETIME_SECONDS = 604_800;

    /** The most bytes of transport parameters a ticket remembers, which bounds a ticket's size. */
    public static final int MAX_TRANSPORT_PARAMETERS = 1024;

    /** The longest encoding {@link #encode()} can produce. */
    public static final int MAX_ENCODED_LENGTH = 1 + 2 + 1 + 48 + 1 + 255 + 1 + 255 + 8 + 4 + 4 + 4 + 2
            + MAX_TRANSPORT_PARAMETERS + 4;

    private static final int VERSION = 2;

    /**
     * @throws IllegalArgumentException if a field is out of its range: a PSK not of the suite's hash
     *     length, an ALPN or server name over 255 characters or with characters outside ISO-8859-1 or
     *     ASCII respectively, a negative issue time, a lifetime over seven days, an age_add or
     *     max_early_data_size that is not a uint32, or too many transport parameter bytes
     */
    public SessionState {
        Objects.requireNonNull(cipherSuite, "cipherSuite");
        Objects.requireNonNull(psk, "psk");
        if (psk.length != cipherSuite.hash().length()) {
            throw new IllegalArgumentException("a " + cipherSuite + " PSK has " + cipherSuite.hash().length()
                    + " bytes, not " + psk.length);
        }
        psk = psk.clone();
        checkText(alpn, 0xFF, "alpn");
        checkText(serverName, 0x7F, "serverName");
        if (issuedAtMillis < 0) {
            throw new IllegalArgumentException("negative issue time");
        }
        if (lifetimeSeconds < 0 || lifetimeSeconds > MAX_LIFETIME_SECONDS) {
            throw new IllegalArgumentException("ticket lifetime " + lifetimeSeconds + " s not in 0..604800");
        }
        checkU32(ageAdd, "ageAdd");
        checkU32(maxEarlyDataSize, "maxEarlyDataSize");
        Objects.requireNonNull(transportParameters, "transportParameters");
        if (transportParameters.length > MAX_TRANSPORT_PARAMETERS) {
            throw new IllegalArgumentException(transportParameters.length + " bytes of transport parameters, more than "
                    + MAX_TRANSPORT_PARAMETERS);
        }
        transportParameters = transportParameters.clone();
    }

    /** A state bound to no QUIC version (TLS over TCP, or a transport that names none). */
    public SessionState(CipherSuite cipherSuite, byte[] psk, String alpn, String serverName, long issuedAtMillis,
                        long lifetimeSeconds, long ageAdd, long maxEarlyDataSize, byte[] transportParameters) {
        this(cipherSuite, psk, alpn, serverName, issuedAtMillis, lifetimeSeconds, ageAdd, maxEarlyDataSize,
                transportParameters, 0);
    }

    /**
     * The PSK a ticket stands for: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce,
     * Hash.length) (RFC 8446 §4.6.1). Server and client both derive it, from the resumption master secret
     * of the connection that issued the ticket and the ticket_nonce sent with it.
     *
     * @param hash the hash of the connection's cipher suite
     * @param resumptionMasterSecret the connection's resumption_master_secret (RFC 8446 §7.1)
     * @param ticketNonce the NewSessionTicket's ticket_nonce, 0 to 255 bytes
     * @return the PSK, {@code hash.length()} bytes
     */
    public static byte[] resumptionPsk(HashFunction hash, byte[] resumptionMasterSecret, byte[] ticketNonce) {
        if (ticketNonce.length > 0xFF) {
            throw new IllegalArgumentException("a ticket_nonce has at most 255 bytes");
        }
        return Hkdf.expandLabel(hash, resumptionMasterSecret, "resumption", ticketNonce, hash.length());
    }

    /** {@return a copy of the PSK} */
    @Override
    public byte[] psk() {
        return psk.clone();
    }

    /** {@return a copy of the remembered transport parameters} */
    @Override
    public byte[] transportParameters() {
        return transportParameters.clone();
    }

    /** {@return true if the ticket allows 0-RTT (a nonzero max_early_data_size, RFC 8446 §4.2.10)} */
    public boolean allowsEarlyData() {
        return maxEarlyDataSize > 0;
    }

    /**
     * {@return true if the ticket may still be used at {@code nowMillis}}: issued no later than now (a
     * tolerance of {@code clockSkewMillis} for servers whose clocks differ) and not older than its lifetime
     * (RFC 8446 §4.6.1: "Servers MUST NOT ... accept tickets ... for longer than" ticket_lifetime, which
     * is itself at most seven days)
     */
    public boolean isUsableAt(long nowMillis, long clockSkewMillis) {
        if (clockSkewMillis < 0) {
            throw new IllegalArgumentException("negative clock skew");
        }
        if (issuedAtMillis - nowMillis > clockSkewMillis) {
            return false;
        }
        long age = nowMillis - issuedAtMillis;
        return age < lifetimeSeconds * 1000;
    }

    /** {@return this state's serialization, at most {@link #MAX_ENCODED_LENGTH} bytes} */
    public byte[] encode() {
        TlsWriter w = new TlsWriter(64 + psk.length + alpn.length() + serverName.length() + transportParameters.length);
        w.u8(VERSION);
        w.u16(cipherSuite.code());
        w.opaque8(Opaque.of(psk));
        w.opaque8(Opaque.of(alpn.getBytes(StandardCharsets.ISO_8859_1)));
        w.opaque8(Opaque.of(serverName.getBytes(StandardCharsets.US_ASCII)));
        w.u32(issuedAtMillis >>> 32);
        w.u32(issuedAtMillis & 0xFFFF_FFFFL);
        w.u32(lifetimeSeconds);
        w.u32(ageAdd);
        w.u32(maxEarlyDataSize);
        w.opaque16(Opaque.of(transportParameters));
        w.u32(quicVersion & 0xFFFF_FFFFL);
        return w.toByteArray();
    }

    /**
     * Parses an {@link #encode()} encoding strictly: every length is checked against its bound before
     * anything is allocated, every field against its range, and no byte may follow the last field.
     *
     * @return the state, or empty if {@code bytes} is not exactly one valid encoding (never an exception)
     */
    public static Optional<SessionState> decode(byte[] bytes) {
        if (bytes == null || bytes.length > MAX_ENCODED_LENGTH) {
            return Optional.empty();
        }
        try {
            TlsReader r = TlsReader.of(bytes);
            if (r.u8() != VERSION) {
                return Optional.empty();
            }
            CipherSuite suite = CipherSuite.fromCode(r.u16());
            if (suite == null) {
                return Optional.empty();
            }
            byte[] psk = r.opaque8("psk", 32, 48).toByteArray();
            String alpn = new String(r.opaque8("alpn", 0, 0xFF).toByteArray(), StandardCharsets.ISO_8859_1);
            byte[] sni = r.opaque8("server_name", 0, 0xFF).toByteArray();
            for (byte b : sni) {
                if (b < 0) {
                    return Optional.empty(); // not ASCII
                }
            }
            long issuedAt = (r.u32() << 32) | r.u32();
            long lifetime = r.u32();
            long ageAdd = r.u32();
            long maxEarly = r.u32();
            byte[] params = r.opaque16("transport_parameters", 0, MAX_TRANSPORT_PARAMETERS).toByteArray();
            int quicVersion = (int) r.u32();
            if (r.hasRemaining() || psk.length != suite.hash().length() || issuedAt < 0
                    || lifetime > MAX_LIFETIME_SECONDS) {
                return Optional.empty();
            }
            return Optional.of(new SessionState(suite, psk, alpn, new String(sni, StandardCharsets.US_ASCII),
                    issuedAt, lifetime, ageAdd, maxEarly, params, quicVersion));
        } catch (TlsAlertException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionState s && cipherSuite == s.cipherSuite && Arrays.equals(psk, s.psk)
                && alpn.equals(s.alpn) && serverName.equals(s.serverName) && issuedAtMillis == s.issuedAtMillis
                && lifetimeSeconds == s.lifetimeSeconds && ageAdd == s.ageAdd
                && maxEarlyDataSize == s.maxEarlyDataSize && Arrays.equals(transportParameters, s.transportParameters)
                && quicVersion == s.quicVersion;
    }

    @Override
    public int hashCode() {
        return Objects.hash(cipherSuite, Arrays.hashCode(psk), alpn, serverName, issuedAtMillis, lifetimeSeconds,
                ageAdd, maxEarlyDataSize, Arrays.hashCode(transportParameters), quicVersion);
    }

    /** {@return a description without the PSK} */
    @Override
    public String toString() {
        return "SessionState[" + cipherSuite + ", alpn=" + alpn + ", serverName=" + serverName + ", issuedAt="
                + issuedAtMillis + ", lifetime=" + lifetimeSeconds + "s, maxEarlyData=" + maxEarlyDataSize
                + ", transportParameters=" + transportParameters.length + " bytes, quicVersion=0x"
                + Integer.toHexString(quicVersion) + "]";
    }

    static void checkText(String s, int maxChar, String what) {
        Objects.requireNonNull(s, what);
        if (s.length() > 0xFF) {
            throw new IllegalArgumentException(what + " has more than 255 characters");
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > maxChar) {
                throw new IllegalArgumentException(what + " has a character above 0x" + Integer.toHexString(maxChar));
            }
        }
    }

    static void checkU32(long v, String what) {
        if (v < 0 || v > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(what + " " + v + " is not a uint32");
        }
    }
}
