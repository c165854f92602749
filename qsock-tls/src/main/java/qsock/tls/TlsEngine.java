package qsock.tls;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.engine.ClientHandshake;
import qsock.tls.engine.ServerHandshake;
import qsock.tls.jca.NamedGroup;

/**
 * A TLS 1.3 handshake for one QUIC connection, as a pure state machine (the role GnuTLS plays for the
 * kernel's QUIC): handshake bytes go in with their encryption level; handshake bytes to send, traffic
 * secrets and the peer's transport parameters come out as {@link TlsEvent}s. It does no I/O, starts no
 * thread and reads no clock; its randomness comes from the {@link SecureRandom} it is given, so a seeded
 * one replays a handshake exactly. Packet protection is the transport's.
 *
 * <p>Use: create with {@link #client} or {@link #server}; a client's ClientHello is ready at once. Then
 * repeat: {@link #poll()} until it returns null, acting on each event in order; hand received CRYPTO
 * bytes to {@link #receive}; if {@link #status()} is {@link Status#TASK_PENDING}, run
 * {@link #delegatedTask()} on any thread and then call {@link #resume()} (certificate validation and RSA
 * signing take milliseconds, too long for an I/O thread). A failure throws {@link TlsAlertException}; the
 * transport closes with CRYPTO_ERROR 0x0100 + alert (RFC 9001 §4.8), and the engine stays failed.
 *
 * <p>Not thread-safe: one thread at a time, except for running a delegated task.
 */
public interface TlsEngine {

    /** Where the handshake stands. */
    enum Status {
        /** Waiting for handshake bytes from the peer (or for events to be polled). */
        IN_PROGRESS,
        /** Waiting for {@link #delegatedTask()} to run and {@link #resume()} to be called. */
        TASK_PENDING,
        /** Done: both Finished messages are exchanged (post-handshake messages may still arrive). */
        COMPLETE,
        /** An alert ended the handshake. */
        FAILED
    }

    /**
     * {@return a client engine} Its ClientHello is queued as the first event.
     *
     * @param transportParameters our encoded QUIC transport parameters (RFC 9001 §8.2), sent as is; may be
     *     null only in the TLS-over-TCP test mode
     */
    static TlsEngine client(TlsClientConfig config, SecureRandom random, byte[] transportParameters) {
        return new ClientHandshake(config, random, transportParameters);
    }

    /**
     * {@return a client engine whose session tickets are bound to the connection's QUIC version} (RFC 9369 §5: a
     * ticket from a version 1 connection does not start a version 2 one, nor the reverse.) It offers only a ticket
     * received on a connection of the version {@code quicVersion} names now, the one its ClientHello starts, and keeps
     * each ticket it receives with the version named when it arrives, the negotiated one. Over TCP no version is bound.
     *
     * @param quicVersion the wire value of the connection's QUIC version, asked when needed
     */
    static TlsEngine client(TlsClientConfig config, SecureRandom random, byte[] transportParameters,
                            java.util.function.IntSupplier quicVersion) {
        return new ClientHandshake(config, random, transportParameters,
                java.util.Objects.requireNonNull(quicVersion, "quicVersion"));
    }

    /**
     * {@return a server engine whose transport parameters follow the client's and whose session tickets are bound to
     * the connection's QUIC version} (RFC 9369 §5.) A ticket resumes only a connection whose client Initial is of the
     * version the ticket was issued on ({@code quicVersion} when the engine is made; a ticket of another version is
     * unknown: a full handshake without 0-RTT); new tickets carry the version named when they are issued, the
     * negotiated one. Over TCP no version is bound.
     *
     * @param quicVersion the wire value of the connection's QUIC version, asked when needed
     */
    static TlsEngine server(TlsServerConfig config, SecureRandom random,
                            java.util.function.UnaryOperator<byte[]> parametersFor,
                            java.util.function.IntSupplier quicVersion) {
        return new ServerHandshake(config, random, parametersFor,
                java.util.Objects.requireNonNull(quicVersion, "quicVersion"));
    }

    /**
     * {@return a server engine whose transport parameters follow the client's} When the ClientHello arrives,
     * {@code parametersFor} takes the client's quic_transport_parameters and answers ours (the engine emits no
     * {@link TlsEvent.PeerTransportParameters} then).
     */
    static TlsEngine server(TlsServerConfig config, SecureRandom random,
                            java.util.function.UnaryOperator<byte[]> parametersFor) {
        return new ServerHandshake(config, random, parametersFor);
    }

    /** {@return a server engine} It waits for the ClientHello. */
    static TlsEngine server(TlsServerConfig config, SecureRandom random, byte[] transportParameters) {
        return new ServerHandshake(config, random, transportParameters);
    }

    /**
     * Takes handshake bytes received in CRYPTO frames at {@code level}, in stream order, and processes every
     * complete message. Consumes the buffer.
     *
     * While a delegated task is pending, the bytes are kept and processed by {@link #resume()}.
     *
     * @throws TlsAlertException if the peer broke a rule or the handshake cannot go on
     */
    void receive(EncryptionLevel level, ByteBuffer data) throws TlsAlertException;

    /** {@return the next event, or null when there is none for now} */
    TlsEvent poll();

    /** {@return where the handshake stands} */
    Status status();

    /** {@return the task to run before {@link #resume()}, or null when none is pending} */
    Runnable delegatedTask();

    /**
     * Continues the handshake after the delegated task ran, processing input that waited for it.
     *
     * @throws TlsAlertException if the task failed (for example, an untrusted certificate) or later input
     *     is bad
     * @throws IllegalStateException if no task ran
     */
    void resume() throws TlsAlertException;

    /** {@return true for the client side} */
    boolean isClient();

    /** {@return the negotiated ALPN protocol, or null before it is known or when none was negotiated} */
    String applicationProtocol();

    /** {@return the negotiated cipher suite, or null before ServerHello} */
    CipherSuite cipherSuite();

    /** {@return the key exchange group negotiated, or null before it is known} */
    NamedGroup keyExchangeGroup();

    /** {@return the server name: the one a client was configured with, or the SNI a server received} */
    String serverName();

    /** {@return the peer's certificate chain, leaf first, once validated; empty before} */
    List<X509Certificate> peerCertificates();

    /**
     * {@return the identity of the external pre-shared key the handshake used (RFC 8446 §4.2.11), or null
     * when it used none or is not complete}
     */
    String pskIdentity();

    /**
     * {@return true once a handshake that resumed a session with a ticket completed (RFC 8446 §2.2); false
     * for a full or external-PSK handshake and before completion}
     */
    boolean resumed();
}
