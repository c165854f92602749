package qsock.tls.ticket;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import qsock.core.handshake.CipherSuite;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * A session ticket as a client keeps it (RFC 8446 §4.6.1): the opaque ticket to send back as a PSK identity,
 * the PSK it stands for, and what the client must check or remember when it resumes: the cipher suite (its
 * hash must match the suite of the resumption, and 0-RTT needs the same suite, RFC 8446 §4.2.10), the ALPN
 * and server name of the connection (0-RTT must use the same ALPN), the ticket's timing, and the server's
 * transport parameters, which a 0-RTT client must apply to its early data (RFC 9000 §7.4.1).
 *
 * <p>Times are the client's wall-clock milliseconds since the epoch; nothing here reads a clock.
 *
 * @param ticket the ticket, 1 to 65535 bytes, sent back verbatim as the PSK identity
 * @param psk the resumption PSK, of the suite's hash length ({@link SessionState#resumptionPsk})
 * @param cipherSuite the suite of the connection that received the ticket
 * @param alpn the application protocol negotiated on that connection, or "" for none
 * @param serverName the SNI host name the client sent on that connection, or "" for none
 * @param receivedAtMillis when the NewSessionTicket arrived, epoch milliseconds
 * @param lifetimeSeconds the ticket_lifetime, 0 to 604800 (a larger value from the server is an
 *     illegal_parameter for the engine, RFC 8446 §4.6.1)
 * @param ageAdd the ticket_age_add, a uint32
 * @param maxEarlyDataSize the early_data extension's max_early_data_size, 0 when it was absent
 * @param serverTransportParameters the server's transport parameters of that connection as encoded, to
 *     remember for 0-RTT (RFC 9000 §7.4.1); may be empty
 * @param quicVersion the wire value of the QUIC version of that connection when the ticket arrived (the negotiated
 *     one): the ticket starts only a connection of that version (RFC 9369 §5); 0 when bound to none (TLS over TCP)
 *
 * <p><b>As bytes.</b> {@link #encode()} and {@link #decode} are the Java form of the socket draft's
 * {@code QUIC_SOCKOPT_SESSION_TICKET} on a client (draft-lxin-quic-socket-apis, Appendix D): the session data an
 * application saves after a connection and gives a later one, even in another process. The remembered transport
 * parameters (the draft's {@code QUIC_SOCKOPT_TRANSPORT_PARAM} with {@code remote} set) travel inside, so a 0-RTT
 * client needs nothing else. The form holds the PSK: keep it as secret as a key. At most
 * {@link #MAX_ENCODED_LENGTH} bytes (the draft's bound for SESSION_TICKET):
 * <pre>
 *   uint32 magic = 0x51534b54 ("QSKT")
 *   uint8  format = 1
 *   uint16 cipher_suite
 *   opaque psk&lt;32|48&gt;                   (one-byte length)
 *   opaque alpn&lt;0..255&gt;                 (ISO-8859-1)
 *   opaque server_name&lt;0..255&gt;          (ASCII)
 *   uint64 received_at                     (epoch milliseconds, 0..2^63-1)
 *   uint32 lifetime                        (seconds, at most 604800)
 *   uint32 age_add
 *   uint32 max_early_data_size
 *   uint32 quic_version                    (the wire value; 0: bound to none)
 *   opaque transport_parameters&lt;0..4096&gt; (the server's, as encoded)
 *   opaque ticket&lt;1..4096&gt;
 * </pre>
 */
public record ClientTicket(byte[] ticket, byte[] psk, CipherSuite cipherSuite, String alpn, String serverName,
                           long receivedAtMillis, long lifetimeSeconds, long ageAdd, long maxEarlyDataSize,
                           byte[] serverTransportParameters, int quicVersion) {

    /** The longest {@link #encode()} form: the socket draft bounds its SESSION_TICKET option at 4096 bytes. */
    public static final int MAX_ENCODED_LENGTH = 4096;

    /** "QSKT": tells a qsock session from other bytes that happen to be in a file. */
    private static final int MAGIC = 0x51534b54;
    private static final int FORMAT = 1;

    /** @throws IllegalArgumentException if a field is out of its range */
    public ClientTicket {
        Objects.requireNonNull(ticket, "ticket");
        if (ticket.length < 1 || ticket.length > 0xFFFF) {
            throw new IllegalArgumentException("a ticket has 1 to 65535 bytes, not " + ticket.length);
        }
        ticket = ticket.clone();
        Objects.requireNonNull(cipherSuite, "cipherSuite");
        Objects.requireNonNull(psk, "psk");
        if (psk.length != cipherSuite.hash().length()) {
            throw new IllegalArgumentException("a " + cipherSuite + " PSK has " + cipherSuite.hash().length()
                    + " bytes, not " + psk.length);
        }
        psk = psk.clone();
        SessionState.checkText(alpn, 0xFF, "alpn");
        SessionState.checkText(serverName, 0x7F, "serverName");
        if (lifetimeSeconds < 0 || lifetimeSeconds > SessionState.MAX_LIFETIME_SECONDS) {
            throw new IllegalArgumentException("ticket lifetime " + lifetimeSeconds + " s not in 0..604800");
        }
        SessionState.checkU32(ageAdd, "ageAdd");
        SessionState.checkU32(maxEarlyDataSize, "maxEarlyDataSize");
        serverTransportParameters = Objects.requireNonNull(serverTransportParameters, "serverTransportParameters")
                .clone();
    }

    /** A ticket bound to no QUIC version (TLS over TCP, or a transport that names none). */
    public ClientTicket(byte[] ticket, byte[] psk, CipherSuite cipherSuite, String alpn, String serverName,
                        long receivedAtMillis, long lifetimeSeconds, long ageAdd, long maxEarlyDataSize,
                        byte[] serverTransportParameters) {
        this(ticket, psk, cipherSuite, alpn, serverName, receivedAtMillis, lifetimeSeconds, ageAdd, maxEarlyDataSize,
                serverTransportParameters, 0);
    }

    /** {@return a copy of the ticket bytes} */
    @Override
    public byte[] ticket() {
        return ticket.clone();
    }

    /** {@return a copy of the PSK} */
    @Override
    public byte[] psk() {
        return psk.clone();
    }

    /** {@return a copy of the server's remembered transport parameters} */
    @Override
    public byte[] serverTransportParameters() {
        return serverTransportParameters.clone();
    }

    /** {@return true if the server allows 0-RTT with this ticket (RFC 8446 §4.2.10)} */
    public boolean allowsEarlyData() {
        return maxEarlyDataSize > 0;
    }

    /**
     * {@return true if the ticket may be offered at {@code nowMillis}}: received no later than now and younger
     * than its lifetime (RFC 8446 §4.6.1: clients "MUST NOT cache" a ticket longer than seven days or its
     * ticket_lifetime; the lifetime's bound makes the first follow from the second)
     */
    public boolean isUsableAt(long nowMillis) {
        long age = nowMillis - receivedAtMillis;
        return age >= 0 && age < lifetimeSeconds * 1000;
    }

    /**
     * {@return the obfuscated_ticket_age to send at {@code nowMillis}}: the ticket's age in milliseconds
     * plus ticket_age_add, modulo 2^32 (RFC 8446 §4.2.11.1)
     *
     * <p>The age is the difference of two whole milliseconds less one, so that it never exceeds the time that
     * really passed: the server counts from before it sent the ticket, but its own whole milliseconds can make
     * its count the smaller one by a millisecond, and a server may reject 0-RTT from a client that reports an
     * older ticket than it sees (GnuTLS does, RFC 8446 §8.3 leaves the window to the server).
     */
    public long obfuscatedAge(long nowMillis) {
        long age = Math.max(0, nowMillis - receivedAtMillis - 1);
        return (age + ageAdd) & 0xFFFF_FFFFL;
    }

    /** {@return the length of {@link #encode()}'s form; a ticket whose form exceeds {@link #MAX_ENCODED_LENGTH} has none} */
    public int encodedLength() {
        return 4 + 1 + 2 + 1 + psk.length + 1 + alpn.length() + 1 + serverName.length() + 8 + 4 + 4 + 4 + 4
                + 2 + serverTransportParameters.length + 2 + ticket.length;
    }

    /** {@return true if this ticket has a byte form: {@link #encodedLength()} at most {@link #MAX_ENCODED_LENGTH}} */
    public boolean isEncodable() {
        return encodedLength() <= MAX_ENCODED_LENGTH;
    }

    /**
     * {@return this ticket as bytes, the socket draft's SESSION_TICKET} Read back with {@link #decode}. Holds the
     * PSK: keep the bytes secret.
     *
     * @throws IllegalStateException if the form would exceed {@link #MAX_ENCODED_LENGTH} (a server's ticket may have
     *     up to 65535 bytes; such a ticket is kept in memory only, see {@link #isEncodable()})
     */
    public byte[] encode() {
        int length = encodedLength();
        if (length > MAX_ENCODED_LENGTH) {
            throw new IllegalStateException("the session's form has " + length + " bytes, more than "
                    + MAX_ENCODED_LENGTH);
        }
        TlsWriter w = new TlsWriter(length);
        w.u32(MAGIC & 0xFFFF_FFFFL);
        w.u8(FORMAT);
        w.u16(cipherSuite.code());
        w.opaque8(Opaque.of(psk));
        w.opaque8(Opaque.of(alpn.getBytes(StandardCharsets.ISO_8859_1)));
        w.opaque8(Opaque.of(serverName.getBytes(StandardCharsets.US_ASCII)));
        w.u32(receivedAtMillis >>> 32);
        w.u32(receivedAtMillis & 0xFFFF_FFFFL);
        w.u32(lifetimeSeconds);
        w.u32(ageAdd);
        w.u32(maxEarlyDataSize);
        w.u32(quicVersion & 0xFFFF_FFFFL);
        w.opaque16(Opaque.of(serverTransportParameters));
        w.opaque16(Opaque.of(ticket));
        return w.toByteArray();
    }

    /**
     * Reads an {@link #encode()} form strictly: the length bound before anything else, every field against its
     * range, no byte after the last field; and refuses a ticket no longer usable at {@code nowMillis} (RFC 8446
     * §4.6.1: a client must not use a ticket past its lifetime).
     *
     * @param nowMillis the wall clock, epoch milliseconds
     * @return the ticket
     * @throws SessionFormatException saying what is wrong (truncated, not a qsock session, another format
     *     version, too long, a field out of range, trailing bytes, expired); never another exception
     */
    public static ClientTicket decode(byte[] bytes, long nowMillis) throws SessionFormatException {
        ClientTicket t = decode(bytes);
        if (!t.isUsableAt(nowMillis)) {
            throw new SessionFormatException("the session ticket expired: received at " + t.receivedAtMillis
                    + " with a lifetime of " + t.lifetimeSeconds + " s, now is " + nowMillis);
        }
        return t;
    }

    /**
     * Reads an {@link #encode()} form strictly, as {@link #decode(byte[], long)} does, without asking whether the
     * ticket is still usable.
     *
     * @throws SessionFormatException saying what is wrong; never another exception
     */
    public static ClientTicket decode(byte[] bytes) throws SessionFormatException {
        if (bytes == null) {
            throw new SessionFormatException("no session bytes");
        }
        if (bytes.length > MAX_ENCODED_LENGTH) {
            throw new SessionFormatException("a session has at most " + MAX_ENCODED_LENGTH + " bytes, not "
                    + bytes.length);
        }
        try {
            TlsReader r = TlsReader.of(bytes);
            if (bytes.length < 4 || (int) r.u32() != MAGIC) {
                throw new SessionFormatException("not a qsock session (no QSKT mark at its start)");
            }
            int format = r.u8();
            if (format != FORMAT) {
                throw new SessionFormatException("session format " + format + " is not known (" + FORMAT
                        + " is)");
            }
            int code = r.u16();
            CipherSuite suite = CipherSuite.fromCode(code);
            if (suite == null) {
                throw new SessionFormatException("unknown cipher suite 0x" + Integer.toHexString(code));
            }
            byte[] psk = r.opaque8("psk", 32, 48).toByteArray();
            String alpn = new String(r.opaque8("alpn", 0, 0xFF).toByteArray(), StandardCharsets.ISO_8859_1);
            byte[] sni = r.opaque8("server_name", 0, 0xFF).toByteArray();
            for (byte b : sni) {
                if (b < 0) {
                    throw new SessionFormatException("the server name is not ASCII");
                }
            }
            long receivedAt = (r.u32() << 32) | r.u32();
            long lifetime = r.u32();
            long ageAdd = r.u32();
            long maxEarly = r.u32();
            int quicVersion = (int) r.u32();
            byte[] params = r.opaque16("transport_parameters", 0, MAX_ENCODED_LENGTH).toByteArray();
            byte[] ticket = r.opaque16("ticket", 1, MAX_ENCODED_LENGTH).toByteArray();
            r.expectEnd("session");
            if (receivedAt < 0) {
                throw new SessionFormatException("negative receipt time");
            }
            return new ClientTicket(ticket, psk, suite, alpn, new String(sni, StandardCharsets.US_ASCII), receivedAt,
                    lifetime, ageAdd, maxEarly, params, quicVersion);
        } catch (TlsAlertException e) {
            throw new SessionFormatException("truncated or malformed session: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // A field out of the record's range (a PSK of the wrong length for its suite, a lifetime over 7 days).
            throw new SessionFormatException("invalid session: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientTicket t && Arrays.equals(ticket, t.ticket) && Arrays.equals(psk, t.psk)
                && cipherSuite == t.cipherSuite && alpn.equals(t.alpn) && serverName.equals(t.serverName)
                && receivedAtMillis == t.receivedAtMillis && lifetimeSeconds == t.lifetimeSeconds
                && ageAdd == t.ageAdd && maxEarlyDataSize == t.maxEarlyDataSize
                && Arrays.equals(serverTransportParameters, t.serverTransportParameters)
                && quicVersion == t.quicVersion;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ticket);
    }

    /** {@return a description without the PSK or ticket bytes} */
    @Override
    public String toString() {
        return "ClientTicket[" + ticket.length + " bytes, " + cipherSuite + ", alpn=" + alpn + ", serverName="
                + serverName + ", receivedAt=" + receivedAtMillis + ", lifetime=" + lifetimeSeconds
                + "s, maxEarlyData=" + maxEarlyDataSize + ", quicVersion=0x" + Integer.toHexString(quicVersion) + "]";
    }
}
