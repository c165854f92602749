package qsock.interop.agent15;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.X509TrustManager;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.socket.QuicSocket;
import tech.kwik.agent15.NewSessionTicket;
import tech.kwik.agent15.TlsConstants;
import tech.kwik.agent15.TlsProtocolException;
import tech.kwik.agent15.alert.IllegalParameterAlert;
import tech.kwik.agent15.alert.MissingExtensionAlert;
import tech.kwik.agent15.alert.NoApplicationProtocolAlert;
import tech.kwik.agent15.engine.ClientMessageSender;
import tech.kwik.agent15.engine.MessageProcessor;
import tech.kwik.agent15.engine.TlsClientEngine;
import tech.kwik.agent15.engine.TlsClientEngineFactory;
import tech.kwik.agent15.engine.TlsStatusEventHandler;
import tech.kwik.agent15.extension.ApplicationLayerProtocolNegotiationExtension;
import tech.kwik.agent15.extension.Extension;
import tech.kwik.agent15.handshake.CertificateMessage;
import tech.kwik.agent15.handshake.CertificateVerifyMessage;
import tech.kwik.agent15.handshake.ClientHello;
import tech.kwik.agent15.handshake.FinishedMessage;

/**
 * The client side of an {@link Agent15Handshake}: agent15's {@link TlsClientEngine} offers the three suites
 * qsock has, an x25519 key share, ECDSA P-256 and RSA-PSS signatures, the given ALPN list and our transport
 * parameters, and checks the server's certificate with the given trust manager and host name. No session
 * resumption: tickets the server sends are let go.
 */
final class Agent15ClientHandshake extends Agent15Handshake implements ClientMessageSender, TlsStatusEventHandler {

    private final TlsClientEngine engine;
    private final List<String> applicationProtocols;

    private Agent15ClientHandshake(QuicSocket socket, String serverName, List<String> applicationProtocols,
                                   X509TrustManager trustManager) {
        super(socket, true);
        if (applicationProtocols.isEmpty()) {
            // RFC 9001 §8.1: QUIC always negotiates an application protocol.
            throw new IllegalArgumentException("QUIC needs at least one ALPN protocol");
        }
        this.applicationProtocols = List.copyOf(applicationProtocols);
        this.engine = TlsClientEngineFactory.createClientEngine(this, this);
        engine.setServerName(serverName);
        engine.addSupportedCiphers(Agent15Codes.CIPHER_SUITES);
        engine.setTrustManager(trustManager);
        engine.add(new ApplicationLayerProtocolNegotiationExtension(this.applicationProtocols));
        engine.add(new QuicTransportParametersExtension(channel.localTransportParameters()));
        // RFC 9001 §8.4: no middlebox compatibility mode in QUIC; agent15's default, made explicit.
        engine.setCompatibilityMode(false);
    }

    /**
     * Runs the client handshake on a socket after {@link QuicSocket#connect}; returns once the connection is
     * established.
     *
     * @return the finished handshake, for what it negotiated
     * @throws IOException naming the TLS alert if the handshake failed on either side, a
     *     {@link java.net.SocketTimeoutException} if it took longer than {@code timeout}
     */
    static Agent15ClientHandshake run(QuicSocket socket, String serverName, List<String> applicationProtocols,
                                      X509TrustManager trustManager, Duration timeout) throws IOException {
        Agent15ClientHandshake handshake = new Agent15ClientHandshake(socket, serverName, applicationProtocols, trustManager);
        handshake.run(timeout);
        return handshake;
    }

    /** {@return the certificate chain the server presented} */
    List<X509Certificate> serverCertificates() {
        return engine.getServerCertificateChain();
    }

    @Override
    MessageProcessor engine() {
        return engine;
    }

    @Override
    void start() throws IOException {
        engine.startHandshake(TlsConstants.NamedGroup.x25519, List.of(
                TlsConstants.SignatureScheme.ecdsa_secp256r1_sha256,
                TlsConstants.SignatureScheme.rsa_pss_rsae_sha256));
    }

    // ClientMessageSender: each message at the level of the keys it travels under (RFC 9001 §4.1.4).

    @Override
    public void send(ClientHello clientHello) {
        write(EncryptionLevel.INITIAL, clientHello.getBytes());
    }

    @Override
    public void send(FinishedMessage finished) {
        write(EncryptionLevel.HANDSHAKE, finished.getBytes());
    }

    @Override
    public void send(CertificateMessage certificate) {
        write(EncryptionLevel.HANDSHAKE, certificate.getBytes());
    }

    @Override
    public void send(CertificateVerifyMessage certificateVerify) {
        write(EncryptionLevel.HANDSHAKE, certificateVerify.getBytes());
    }

    // TlsStatusEventHandler: secrets and extensions as agent15 learns them.

    @Override
    public void earlySecretsKnown() {
        // Without a ticket there is no 0-RTT: nothing to install.
    }

    @Override
    public void handshakeSecretsKnown() {
        negotiated(engine.getSelectedCipher());
        install(EncryptionLevel.HANDSHAKE, KeyDirection.READ, engine.getServerHandshakeTrafficSecret());
        install(EncryptionLevel.HANDSHAKE, KeyDirection.WRITE, engine.getClientHandshakeTrafficSecret());
    }

    @Override
    public void extensionsReceived(List<Extension> extensions) throws TlsProtocolException {
        // The server's EncryptedExtensions.
        byte[] transportParameters = QuicTransportParametersExtension.find(extensions);
        if (transportParameters == null) {
            // RFC 9001 §8.2: missing quic_transport_parameters is a missing_extension alert.
            throw new MissingExtensionAlert("no quic_transport_parameters from the server");
        }
        String protocol = null;
        for (Extension e : extensions) {
            if (e instanceof ApplicationLayerProtocolNegotiationExtension alpn) {
                // RFC 7301 §3.1: the server answers with exactly one protocol, one the client offered.
                List<String> selected = alpn.getProtocols();
                if (selected.size() != 1 || !applicationProtocols.contains(selected.getFirst())) {
                    throw new IllegalParameterAlert("the server selected ALPN " + selected + ", not one of "
                            + applicationProtocols);
                }
                protocol = selected.getFirst();
            }
        }
        if (protocol == null) {
            // RFC 9001 §8.1: without an agreed application protocol the connection MUST close.
            throw new NoApplicationProtocolAlert(applicationProtocols);
        }
        agreed(protocol);
        channel.peerTransportParameters(transportParameters);
    }

    @Override
    public void handshakeFinished() {
        // agent15 has sent our Finished (at HANDSHAKE) before saying so: 1-RTT keys come after it.
        install(EncryptionLevel.APPLICATION, KeyDirection.READ, engine.getServerApplicationTrafficSecret());
        install(EncryptionLevel.APPLICATION, KeyDirection.WRITE, engine.getClientApplicationTrafficSecret());
        completed();
    }

    @Override
    public void newSessionTicketReceived(NewSessionTicket ticket) {
        // No resumption in this adapter.
    }

    @Override
    public boolean isEarlyDataAccepted() {
        return false;
    }
}
