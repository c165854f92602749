package qsock.interop.agent15;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.socket.QuicSocket;
import tech.kwik.agent15.NewSessionTicket;
import tech.kwik.agent15.TlsProtocolException;
import tech.kwik.agent15.alert.MissingExtensionAlert;
import tech.kwik.agent15.alert.NoApplicationProtocolAlert;
import tech.kwik.agent15.engine.MessageProcessor;
import tech.kwik.agent15.engine.ServerMessageSender;
import tech.kwik.agent15.engine.TlsServerEngine;
import tech.kwik.agent15.engine.TlsServerEngineFactory;
import tech.kwik.agent15.engine.TlsStatusEventHandler;
import tech.kwik.agent15.extension.ApplicationLayerProtocolNegotiationExtension;
import tech.kwik.agent15.extension.Extension;
import tech.kwik.agent15.handshake.CertificateMessage;
import tech.kwik.agent15.handshake.CertificateVerifyMessage;
import tech.kwik.agent15.handshake.EncryptedExtensions;
import tech.kwik.agent15.handshake.FinishedMessage;
import tech.kwik.agent15.handshake.NewSessionTicketMessage;
import tech.kwik.agent15.handshake.ServerHello;

/**
 * The server side of an {@link Agent15Handshake}: agent15's {@link TlsServerEngine}, made by a factory that
 * holds the certificate and key, accepts the three suites qsock has and answers with the first of our ALPN
 * protocols the client offers and with our transport parameters.
 */
final class Agent15ServerHandshake extends Agent15Handshake implements ServerMessageSender, TlsStatusEventHandler {

    private final TlsServerEngine engine;
    private final List<String> applicationProtocols;
    private boolean serverFinishedSent;
    private boolean applicationWriteInstalled;

    private Agent15ServerHandshake(QuicSocket socket, TlsServerEngineFactory credentials, List<String> applicationProtocols) {
        super(socket, false);
        if (applicationProtocols.isEmpty()) {
            throw new IllegalArgumentException("QUIC needs at least one ALPN protocol");
        }
        this.applicationProtocols = List.copyOf(applicationProtocols);
        this.engine = credentials.createServerEngine(this, this);
        engine.addSupportedCiphers(Agent15Codes.CIPHER_SUITES);
    }

    /**
     * Runs the server handshake on a socket {@link QuicSocket#accept()} returned (its ClientHello is queued);
     * returns once the handshake is complete and confirmed.
     *
     * @param credentials agent15's factory of server engines, which holds the certificate and its key
     * @return the finished handshake, for what it negotiated
     * @throws IOException naming the TLS alert if the handshake failed on either side, a
     *     {@link java.net.SocketTimeoutException} if it took longer than {@code timeout}
     */
    static Agent15ServerHandshake run(QuicSocket socket, TlsServerEngineFactory credentials,
                                      List<String> applicationProtocols, Duration timeout) throws IOException {
        Agent15ServerHandshake handshake = new Agent15ServerHandshake(socket, credentials, applicationProtocols);
        handshake.run(timeout);
        return handshake;
    }

    @Override
    MessageProcessor engine() {
        return engine;
    }

    @Override
    void start() {
        // The server waits for the ClientHello.
    }

    @Override
    void afterMessage() {
        // agent15 derives the 1-RTT secrets right after queuing its Finished but has no event for it: the server's
        // write secret goes in once the flight is out (0.5-RTT, RFC 9001 §4.1.1); the client's waits for the
        // client's Finished (RFC 9001 §5.7).
        if (serverFinishedSent && !applicationWriteInstalled) {
            applicationWriteInstalled = true;
            install(EncryptionLevel.APPLICATION, KeyDirection.WRITE, engine.getServerApplicationTrafficSecret());
        }
    }

    // ServerMessageSender: each message at the level of the keys it travels under (RFC 9001 §4.1.4).

    @Override
    public void send(ServerHello serverHello) {
        write(EncryptionLevel.INITIAL, serverHello.getBytes());
    }

    @Override
    public void send(EncryptedExtensions encryptedExtensions) {
        write(EncryptionLevel.HANDSHAKE, encryptedExtensions.getBytes());
    }

    @Override
    public void send(CertificateMessage certificate) {
        write(EncryptionLevel.HANDSHAKE, certificate.getBytes());
    }

    @Override
    public void send(CertificateVerifyMessage certificateVerify) {
        write(EncryptionLevel.HANDSHAKE, certificateVerify.getBytes());
    }

    @Override
    public void send(FinishedMessage finished) {
        write(EncryptionLevel.HANDSHAKE, finished.getBytes());
        serverFinishedSent = true;
    }

    @Override
    public void send(NewSessionTicketMessage ticket) {
        write(EncryptionLevel.APPLICATION, ticket.getBytes());
    }

    // TlsStatusEventHandler: secrets and extensions as agent15 learns them.

    @Override
    public void earlySecretsKnown() {
        // No 0-RTT is accepted (isEarlyDataAccepted): nothing to install.
    }

    @Override
    public void handshakeSecretsKnown() {
        negotiated(engine.getSelectedCipher());
        install(EncryptionLevel.HANDSHAKE, KeyDirection.READ, engine.getClientHandshakeTrafficSecret());
        install(EncryptionLevel.HANDSHAKE, KeyDirection.WRITE, engine.getServerHandshakeTrafficSecret());
    }

    @Override
    public void extensionsReceived(List<Extension> extensions) throws TlsProtocolException {
        // The client's ClientHello, before agent15 answers it: what we add to its EncryptedExtensions goes now.
        byte[] transportParameters = QuicTransportParametersExtension.find(extensions);
        if (transportParameters == null) {
            // RFC 9001 §8.2: missing quic_transport_parameters is a missing_extension alert.
            throw new MissingExtensionAlert("no quic_transport_parameters from the client");
        }
        List<String> offered = extensions.stream()
                .filter(ApplicationLayerProtocolNegotiationExtension.class::isInstance)
                .map(e -> ((ApplicationLayerProtocolNegotiationExtension) e).getProtocols())
                .findFirst()
                .orElse(List.of());
        // RFC 7301 §3.2 and RFC 9001 §8.1: the server's preference among the client's; none is fatal.
        String protocol = applicationProtocols.stream().filter(offered::contains).findFirst()
                .orElseThrow(() -> new NoApplicationProtocolAlert(offered));
        agreed(protocol);
        engine.setSelectedApplicationLayerProtocol(protocol);
        engine.addServerExtensions(new ApplicationLayerProtocolNegotiationExtension(protocol));
        engine.addServerExtensions(new QuicTransportParametersExtension(channel.localTransportParameters()));
        channel.peerTransportParameters(transportParameters);
    }

    @Override
    public void handshakeFinished() {
        // The client's Finished checked: its 1-RTT packets may now be opened, and the handshake is complete.
        install(EncryptionLevel.APPLICATION, KeyDirection.READ, engine.getClientApplicationTrafficSecret());
        completed();
    }

    @Override
    public void newSessionTicketReceived(NewSessionTicket ticket) {
        // Only clients receive tickets.
    }

    @Override
    public boolean isEarlyDataAccepted() {
        return false;
    }
}
