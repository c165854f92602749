package qsock.tls;

import java.util.HexFormat;
import java.util.List;
import java.security.cert.X509Certificate;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;

/**
 * What a {@link TlsEngine} hands to the transport, in the order the transport must act on it (RFC 9001
 * §4.1): handshake bytes to send at a level, traffic secrets to install, the peer's transport parameters,
 * and completion. The order matters: a secret for a level is emitted only after every handshake byte
 * that must leave under the previous level's keys, so application data never overtakes the handshake.
 */
public sealed interface TlsEvent {

    /** Handshake bytes to send in CRYPTO frames at {@code level}, in order. */
    record HandshakeData(EncryptionLevel level, byte[] data) implements TlsEvent {
        @Override
        public String toString() {
            return "HandshakeData[" + level + ", " + data.length + " bytes]";
        }
    }

    /**
     * A traffic secret is known: install keys derived from it for {@code direction} at {@code level}.
     * The transport derives packet protection keys itself (RFC 9001 §5.1).
     */
    record SecretReady(EncryptionLevel level, KeyDirection direction, CipherSuite cipherSuite, byte[] secret)
            implements TlsEvent {
        @Override
        public String toString() {
            return "SecretReady[" + level + ", " + direction + ", " + cipherSuite + "]";
        }
    }

    /** The peer's quic_transport_parameters extension (RFC 9001 §8.2), still encoded. */
    record PeerTransportParameters(byte[] encoded) implements TlsEvent {
        @Override
        public String toString() {
            return "PeerTransportParameters[" + HexFormat.of().formatHex(encoded) + "]";
        }
    }

    /**
     * Client only: this ClientHello offers 0-RTT (RFC 8446 §4.2.10). Emitted right after the ClientHello's
     * {@link HandshakeData} and right before the {@link SecretReady} for {@link EncryptionLevel#EARLY_DATA}
     * WRITE. Until the server's answer ({@link EarlyDataStatus}) the transport must apply the remembered
     * transport parameters to what it sends in 0-RTT packets (RFC 9000 §7.4.1) and send no more than
     * {@code maxEarlyDataSize} bytes of early data (over TCP; it is 0xffffffff in QUIC, RFC 9001 §4.6.1).
     *
     * @param rememberedTransportParameters the server's quic_transport_parameters of the connection that
     *     issued the ticket, as encoded (empty over TCP)
     * @param maxEarlyDataSize the ticket's max_early_data_size, a uint32
     */
    record EarlyDataAttempt(byte[] rememberedTransportParameters, long maxEarlyDataSize) implements TlsEvent {
        public EarlyDataAttempt {
            rememberedTransportParameters = rememberedTransportParameters.clone();
        }

        @Override
        public byte[] rememberedTransportParameters() {
            return rememberedTransportParameters.clone();
        }

        @Override
        public String toString() {
            return "EarlyDataAttempt[" + rememberedTransportParameters.length + " bytes of parameters, max "
                    + maxEarlyDataSize + "]";
        }
    }

    /**
     * Whether the server accepted the 0-RTT data (RFC 8446 §4.2.10), emitted once per handshake and only when
     * the client offered early data. On the client: after a HelloRetryRequest (rejected by definition) or on
     * EncryptedExtensions, always before {@link HandshakeComplete}; when rejected, the transport drops its
     * 0-RTT keys and must resend the early data as 1-RTT data if the application still wants it (RFC 9001
     * §4.6.2). On the server: with the decision, before the Handshake-level secrets; when accepted, right
     * after the {@link SecretReady} for {@link EncryptionLevel#EARLY_DATA} READ.
     */
    record EarlyDataStatus(boolean accepted) implements TlsEvent {}

    /**
     * The handshake is complete on this side (RFC 9001 §4.1.1): for a client, the server's Finished was
     * verified and its own sent; for a server, the client's Finished was verified.
     *
     * @param applicationProtocol the ALPN protocol negotiated, or null when none was
     * @param cipherSuite the cipher suite in use
     * @param peerCertificates the peer's validated chain, leaf first; empty when the peer sent none
     * @param pskIdentity the identity of the external pre-shared key the handshake used (RFC 8446 §4.2.11),
     *     or null when it used none
     * @param resumed true if the handshake resumed a session with a ticket (RFC 8446 §2.2): then no
     *     certificate was exchanged and {@code peerCertificates} is empty
     */
    record HandshakeComplete(String applicationProtocol, CipherSuite cipherSuite,
                             List<X509Certificate> peerCertificates, String pskIdentity, boolean resumed)
            implements TlsEvent {}
}
