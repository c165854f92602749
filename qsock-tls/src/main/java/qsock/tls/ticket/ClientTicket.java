package qsock.tls.ticket;

import java.util.Arrays;
import java.util.Objects;
import qsock.core.handshake.CipherSuite;

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
 */
public record ClientTicket(byte[] ticket, byte[] psk, CipherSuite cipherSuite, String alpn, String serverName,
                           long receivedAtMillis, long lifetimeSeconds, long ageAdd, long maxEarlyDataSize,
                           byte[] serverTransportParameters, int quicVersion) {

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
