package qsock.core.handshake;

import java.nio.ByteBuffer;

/**
 * The transport's side of the handshake path: what a TLS handshake, running outside the transport, uses to
 * exchange raw handshake messages and secrets with one connection. It is the Java form of the kernel
 * module's handshake interface (handshake messages with their crypto level through sendmsg/recvmsg,
 * {@code QUIC_SOCKOPT_CRYPTO_SECRET}, {@code QUIC_SOCKOPT_TRANSPORT_PARAM_EXT}); the transport implements
 * it, any TLS 1.3 engine can drive it, and the transport never sees TLS itself (RFC 9001 §4.1).
 *
 * <p>Order matters and is the driver's duty: handshake bytes of a level are written before the secret of
 * the next level is installed, as the TLS stack produces them. The transport keeps that order on the wire:
 * CRYPTO data queued at a level leaves before application data sealed with newer keys.
 *
 * <p>Not thread-safe: a handshake is driven by one thread at a time, the one that owns the connection.
 */
public interface HandshakeChannel {

    /** {@return true if this side of the connection is the client} */
    boolean isClient();

    /**
     * Moves handshake bytes received from the peer into {@code dst}: contiguous CRYPTO stream bytes of one
     * encryption level, the lowest level that has any, in stream order.
     *
     * @return the level the bytes belong to, or null when nothing new has arrived
     */
    EncryptionLevel readHandshake(ByteBuffer dst);

    /**
     * Queues handshake bytes to send in CRYPTO frames at {@code level}, consuming {@code data}.
     *
     * @throws IllegalStateException if the level's keys are not installed for sending, or the connection
     *     is closed
     */
    void writeHandshake(EncryptionLevel level, ByteBuffer data);

    /**
     * Installs the traffic secret of one level and direction; the transport derives the packet protection
     * keys from it (RFC 9001 §5.1). Installing the 1-RTT read secret on a server, or both 1-RTT secrets on a
     * client, lets application data flow once the handshake is complete. The array is lent for the call only: the
     * TLS driver overwrites it with zeros once this returns (RFC 9001 §9), so an implementation keeps a copy.
     *
     * @throws IllegalStateException if that secret is already installed
     */
    void installSecret(EncryptionLevel level, KeyDirection direction, CipherSuite suite, byte[] secret);

    /** {@return our quic_transport_parameters extension (RFC 9001 §8.2), encoded, for the TLS stack to send} */
    byte[] localTransportParameters();

    /**
     * Hands the transport the peer's quic_transport_parameters extension. An invalid or missing set closes
     * the connection with TRANSPORT_PARAMETER_ERROR (RFC 9000 §7.4).
     */
    void peerTransportParameters(byte[] encoded);

    /**
     * Says that the TLS handshake completed on this side (RFC 9001 §4.1.1). A server then sends
     * HANDSHAKE_DONE and considers the handshake confirmed (§4.1.2); a client waits for HANDSHAKE_DONE.
     *
     * @param applicationProtocol the ALPN protocol negotiated, or null for none
     */
    void handshakeComplete(String applicationProtocol);

    /**
     * Says that the TLS handshake failed with a TLS alert: the transport closes the connection with
     * CRYPTO_ERROR {@code 0x0100 + alert} (RFC 9001 §4.8).
     */
    void handshakeFailed(int alert, String reason);

    /**
     * Says that the peer's handshake broke a rule that RFC 9001 makes a PROTOCOL_VIOLATION rather than a TLS alert
     * (a NewSessionTicket whose early_data max_early_data_size is not 0xffffffff, §4.6.1): the transport closes the
     * connection with PROTOCOL_VIOLATION. A channel without that path reports it as the alert illegal_parameter.
     */
    default void protocolViolation(String reason) {
        handshakeFailed(47, reason);
    }

    /**
     * Says that the client offers early data (RFC 9001 §4.6.1) under a ticket that remembered the server's
     * transport parameters {@code rememberedTransportParameters} (encoded): until the server's own parameters
     * arrive, 0-RTT packets keep within the remembered flow-control and stream limits (RFC 9000 §7.4.1). Called
     * before the 0-RTT write secret is installed. A transport that sends no 0-RTT ignores it.
     */
    default void earlyDataAttempt(byte[] rememberedTransportParameters) {
    }

    /**
     * Says whether the server accepted the early data (RFC 8446 §4.2.10), once the TLS stack knows: on the client
     * a rejection means that no 0-RTT packet was processed, so what they carried must go again in 1-RTT packets
     * (RFC 9001 §4.6.2); on the server a rejection means that no 0-RTT packet is to be opened. A transport that
     * sends and opens no 0-RTT ignores it.
     */
    default void earlyDataStatus(boolean accepted) {
    }

    /** {@return true while the handshake can still make progress: not complete, not failed, not closed} */
    boolean isHandshaking();

    /**
     * {@return which connection attempt the client's handshake belongs to: 0, then one more each time the client
     * starts over} A Version Negotiation packet makes a client start a new attempt with another version (RFC 9368
     * §2.1): when this changes, the handshake begins again, with a new ClientHello carrying {@link
     * #localTransportParameters()} anew, and forgets everything of the previous attempt. Always 0 for a server,
     * and by default.
     */
    default int handshakeAttempt() {
        return 0;
    }

    /**
     * {@return the wire value of the QUIC version the connection uses now, or 0 when the channel names none} It
     * changes with Version Negotiation (RFC 9368 §2.1) and compatible negotiation (§2.3). The TLS stack binds session
     * tickets to it (RFC 9369 §5: a ticket is specific to the version of the connection that issued it): a client
     * offers only tickets of the version its ClientHello starts, a server resumes only those, and new tickets are of
     * the version in use when they are issued, the negotiated one.
     */
    default int quicVersion() {
        return 0;
    }
}
