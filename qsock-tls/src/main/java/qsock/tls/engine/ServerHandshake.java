package qsock.tls.engine;

import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.function.UnaryOperator;
import java.util.Set;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import java.security.cert.X509Certificate;
import qsock.tls.ClientAuth;
import qsock.tls.Credential;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.message.CertificateRequest;
import qsock.core.handshake.KeyDirection;
import qsock.core.error.PeerText;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;
import qsock.tls.TlsEvent;
import qsock.tls.TlsServerConfig;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsWriter;
import qsock.tls.extension.ApplicationLayerProtocolNegotiation;
import qsock.tls.extension.Cookie;
import qsock.tls.extension.EarlyDataIndication;
import qsock.tls.extension.ExtensionType;
import qsock.tls.extension.KeyShareHelloRetryRequest;
import qsock.tls.extension.Extension;
import qsock.tls.extension.Extensions;
import qsock.tls.extension.KeyShareClientHello;
import qsock.tls.extension.KeyShareEntry;
import qsock.tls.extension.KeyShareServerHello;
import qsock.tls.extension.PreSharedKeyClientHello;
import qsock.tls.extension.PreSharedKeyServerHello;
import qsock.tls.PskMode;
import qsock.tls.extension.PskKeyExchangeModes;
import qsock.tls.extension.QuicTransportParameters;
import qsock.tls.extension.ServerName;
import qsock.tls.extension.SignatureAlgorithms;
import qsock.tls.extension.SignatureAlgorithmsCert;
import qsock.tls.extension.SupportedGroups;
import qsock.tls.extension.SupportedVersionsClientHello;
import qsock.tls.extension.SupportedVersionsServerHello;
import qsock.tls.jca.KeyShareResponse;
import qsock.tls.jca.NamedGroup;
import qsock.tls.jca.SignatureScheme;
import qsock.tls.message.Certificate;
import qsock.tls.message.CertificateEntry;
import qsock.tls.message.CertificateVerify;
import qsock.tls.message.ClientHello;
import qsock.tls.message.EncryptedExtensions;
import qsock.tls.message.EndOfEarlyData;
import qsock.tls.message.Finished;
import qsock.tls.message.HandshakeCodec;
import qsock.tls.message.FramedMessage;
import qsock.tls.message.HandshakeType;
import qsock.tls.message.ServerHello;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.x500.X500Principal;
import qsock.tls.extension.CertificateAuthorities;
import qsock.tls.extension.ExtensionCodec;

/**
 * The server side of a TLS 1.3 full handshake for QUIC: reads the ClientHello, answers with ServerHello
 * at the Initial level and EncryptedExtensions, Certificate, CertificateVerify and Finished at the
 * Handshake level (with a CertificateRequest after EncryptedExtensions when the configuration asks for a
 * client certificate, RFC 8446 §4.3.2), then waits for the client's Certificate and CertificateVerify (when
 * requested) and its Finished.
 */
public final class ServerHandshake extends Handshake {

    private enum State {
        WAIT_CLIENT_HELLO, SIGNING, WAIT_END_OF_EARLY_DATA, WAIT_CLIENT_CERTIFICATE, WAIT_CLIENT_CERTIFICATE_VERIFY,
        WAIT_FINISHED, CONNECTED
    }

    private static final int TLS13 = 0x0304;
    private static final int LEGACY_VERSION = 0x0303;

    private final TlsServerConfig config;
    private byte[] transportParameters;
    /**
     * Takes the client's transport parameters and answers ours, once the ClientHello is in; null when ours were
     * given up front. The transport decides some of its own by the client's: version_information names the version
     * the server moves the client to (RFC 9368 §2.3).
     */
    private final UnaryOperator<byte[]> parametersFor;
    private State state = State.WAIT_CLIENT_HELLO;
    private String serverName;
    private Credential credential;
    private SignatureScheme signatureScheme;
    private byte[] clientHandshakeSecret;
    private byte[] clientApplicationSecret;
    /** After a HelloRetryRequest: the first ClientHello, which the second must match (RFC 8446 §4.1.2). */
    private ClientHello firstHello;
    /** After a HelloRetryRequest: the group it asked for, the suite it named and the cookie it carried. */
    private NamedGroup retryGroup;
    private CipherSuite retrySuite;
    private byte[] retryCookie;
    /** The client's validated chain, between its Certificate and its CertificateVerify. */
    private List<X509Certificate> clientChain;
    /** Finds the keys of offered PSK identities (RFC 8446 §4.2.11); resumption adds a ticket opener. */
    private final PskLookup pskLookup;
    /** The PSK this handshake uses, or null for a certificate-authenticated one. */
    private PskSelection psk;
    /** The early secret (RFC 8446 §7.1): from the selected PSK, or from zeros without one. */
    private byte[] earlySecret;
    /** Opens offered tickets and issues new ones; null when the configuration has no tickets. */
    private final ServerTicketing ticketing;
    /** The master secret, kept from our Finished to the client's for the resumption master secret. */
    private byte[] masterSecret;
    /** True if the (first) ClientHello offered early data (RFC 8446 §4.2.10). */
    private boolean earlyDataOffered;
    /** True if we accepted the client's early data. */
    private boolean earlyDataAccepted;

    public ServerHandshake(TlsServerConfig config, SecureRandom random, byte[] transportParameters) {
        this(config, random, transportParameters == null ? null : transportParameters.clone(), null, null);
    }

    /**
     * A server engine whose transport parameters depend on the client's: {@code parametersFor} takes the client's
     * when the ClientHello arrives and answers ours; the engine then emits no {@link TlsEvent.PeerTransportParameters}
     * (the call delivered them).
     */
    public ServerHandshake(TlsServerConfig config, SecureRandom random, UnaryOperator<byte[]> parametersFor) {
        this(config, random, null, Objects.requireNonNull(parametersFor, "parametersFor"), null);
    }

    /**
     * As {@link #ServerHandshake(TlsServerConfig, SecureRandom, UnaryOperator)}, with session tickets bound to the
     * connection's QUIC version (RFC 9369 §5): a ticket resumes only if it was issued on a connection of the version
     * {@code quicVersion} names when the engine is made (the version of the client's Initial), and new tickets carry
     * the version it names when they are issued (the negotiated one).
     *
     * @param quicVersion the wire value of the connection's version now; null (and always over TCP) binds no version
     */
    public ServerHandshake(TlsServerConfig config, SecureRandom random, UnaryOperator<byte[]> parametersFor,
                           IntSupplier quicVersion) {
        this(config, random, null, Objects.requireNonNull(parametersFor, "parametersFor"), quicVersion);
    }

    private ServerHandshake(TlsServerConfig config, SecureRandom random, byte[] transportParameters,
                            UnaryOperator<byte[]> parametersFor, IntSupplier quicVersion) {
        super(random, config.keyLog(), config.quic());
        if (config.quic() && transportParameters == null && parametersFor == null) {
            throw new IllegalArgumentException("QUIC needs our transport parameters");
        }
        this.config = config;
        this.transportParameters = transportParameters;
        this.parametersFor = parametersFor;
        this.ticketing = config.tickets() == null ? null : new ServerTicketing(config.tickets(), config.quic(),
                config.quic() ? quicVersion : null);
        this.pskLookup = ticketing == null ? PskLookup.external(config.pskKeyring())
                : PskLookup.external(config.pskKeyring()).or(ticketing::find);
    }

    @Override
    public boolean isClient() {
        return false;
    }

    @Override
    public String serverName() {
        return serverName;
    }

    @Override
    String stateName() {
        return state.name();
    }

    @Override
    EncryptionLevel expectedLevel() {
        return switch (state) {
            case WAIT_CLIENT_HELLO -> EncryptionLevel.INITIAL;
            case WAIT_END_OF_EARLY_DATA -> EncryptionLevel.EARLY_DATA;
            case SIGNING, WAIT_CLIENT_CERTIFICATE, WAIT_CLIENT_CERTIFICATE_VERIFY, WAIT_FINISHED ->
                    EncryptionLevel.HANDSHAKE;
            case CONNECTED -> EncryptionLevel.APPLICATION;
        };
    }

    @Override
    boolean acceptsAt(EncryptionLevel level) {
        return switch (level) {
            case INITIAL -> state == State.WAIT_CLIENT_HELLO;
            // RFC 8446 §4.5: over TCP, EndOfEarlyData comes under the early traffic key; never in QUIC.
            case EARLY_DATA -> state == State.WAIT_END_OF_EARLY_DATA;
            case HANDSHAKE -> state == State.SIGNING || state == State.WAIT_CLIENT_CERTIFICATE
                    || state == State.WAIT_CLIENT_CERTIFICATE_VERIFY || state == State.WAIT_FINISHED;
            case APPLICATION -> state == State.CONNECTED;
        };
    }

    @Override
    void handle(FramedMessage message) throws TlsAlertException {
        switch (state) {
            case WAIT_CLIENT_HELLO -> {
                expect(message.handshakeType(), HandshakeType.CLIENT_HELLO);
                onClientHello((ClientHello) HandshakeCodec.decode(message, 0), message);
            }
            case SIGNING -> throw new IllegalStateException("input is not read while signing");
            case WAIT_END_OF_EARLY_DATA -> {
                expect(message.handshakeType(), HandshakeType.END_OF_EARLY_DATA);
                HandshakeCodec.decode(message, 0);
                transcript.add(message.message());
                // RFC 8446 §4.5: the client's next messages come under its handshake traffic key.
                requireDrained(EncryptionLevel.EARLY_DATA);
                state = State.WAIT_FINISHED;
            }
            case WAIT_CLIENT_CERTIFICATE -> {
                expect(message.handshakeType(), HandshakeType.CERTIFICATE);
                onClientCertificate((Certificate) HandshakeCodec.decode(message, 0), message);
            }
            case WAIT_CLIENT_CERTIFICATE_VERIFY -> {
                expect(message.handshakeType(), HandshakeType.CERTIFICATE_VERIFY);
                onClientCertificateVerify((CertificateVerify) HandshakeCodec.decode(message, 0), message);
            }
            case WAIT_FINISHED -> {
                expect(message.handshakeType(), HandshakeType.FINISHED);
                onFinished((Finished) HandshakeCodec.decode(message, schedule.hash().length()),
                        message);
            }
            // RFC 9001 §6: KeyUpdate is forbidden in QUIC, and a client sends nothing else after Finished.
            case CONNECTED -> throw new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE,
                    "post-handshake " + message.handshakeType() + " from the client");
        }
    }

    private void expect(HandshakeType got, HandshakeType wanted) throws TlsAlertException {
        if (got != wanted) {
            throw new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE,
                    "expected " + wanted + " in " + state + ", got " + got);
        }
    }

    private void onClientHello(ClientHello hello, FramedMessage raw) throws TlsAlertException {
        // RFC 8446 §4.2.1: without supported_versions listing 0x0304 the client does not offer TLS 1.3.
        SupportedVersionsClientHello versions = Extensions.find(hello.extensions(), SupportedVersionsClientHello.class)
                .orElseThrow(() -> new TlsAlertException(TlsAlert.PROTOCOL_VERSION,
                        "ClientHello without supported_versions: TLS 1.3 is not offered"));
        if (!versions.versions().contains(TLS13)) {
            throw new TlsAlertException(TlsAlert.PROTOCOL_VERSION, "the client does not offer TLS 1.3");
        }
        // RFC 8446 §4.1.2: a TLS 1.3 ClientHello's compression methods are exactly [null].
        if (hello.legacyCompressionMethods().length() != 1 || hello.legacyCompressionMethods().byteAt(0) != 0) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "ClientHello compression methods are not [0]");
        }
        // RFC 9001 §8.4: QUIC has no middlebox compatibility mode; a session ID is a protocol violation,
        // reported here as illegal_parameter.
        if (quic && !hello.legacySessionId().isEmpty()) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "ClientHello with a legacy_session_id in QUIC");
        }
        if (firstHello != null) {
            checkSecondClientHello(hello);
        } else {
            earlyDataOffered = Extensions.find(hello.extensions(), EarlyDataIndication.class).isPresent();
        }
        // RFC 8446 §4.2.9: "If clients offer "pre_shared_key" without a "psk_key_exchange_modes" extension,
        // servers MUST abort the handshake" (§6.2: missing_extension), even one that resumes nothing.
        if (Extensions.find(hello.extensions(), PreSharedKeyClientHello.class).isPresent()
                && Extensions.find(hello.extensions(), PskKeyExchangeModes.class).isEmpty()) {
            throw new TlsAlertException(TlsAlert.MISSING_EXTENSION, "pre_shared_key without psk_key_exchange_modes");
        }
        if (ticketing != null) {
            ticketing.offeredIn(hello);
        }
        psk = PskSelection.select(hello, raw.toByteArray(), config.cipherSuites(), config.pskModes(), pskLookup,
                transcript, retrySuite, config.credentials().isEmpty());
        CipherSuite suite = psk != null ? psk.suite() : selectCipherSuite(hello.cipherSuites());
        // RFC 8446 §9.2: without a PSK the ClientHello needs supported_groups, key_share and
        // signature_algorithms; psk_ke needs none of them.
        boolean dhe = psk == null || psk.mode() == PskMode.PSK_DHE_KE;

        SupportedGroups groups = Extensions.find(hello.extensions(), SupportedGroups.class).orElse(null);
        KeyShareClientHello shares = Extensions.find(hello.extensions(), KeyShareClientHello.class).orElse(null);
        if (dhe && groups == null) {
            throw new TlsAlertException(TlsAlert.MISSING_EXTENSION,
                    "ClientHello without supported_groups (RFC 8446 §9.2)");
        }
        if (dhe && shares == null) {
            throw new TlsAlertException(TlsAlert.MISSING_EXTENSION, "ClientHello without key_share (RFC 8446 §9.2)");
        }
        SignatureAlgorithms signatureAlgorithms = Extensions.find(hello.extensions(), SignatureAlgorithms.class)
                .orElse(null);
        if (psk == null && signatureAlgorithms == null) {
            throw new TlsAlertException(TlsAlert.MISSING_EXTENSION,
                    "ClientHello without signature_algorithms (RFC 8446 §9.2)");
        }
        KeyShareEntry clientShare = dhe ? selectKeyShare(groups, shares) : null;
        if (dhe && clientShare == null) {
            sendHelloRetryRequest(hello, raw, suite, groups);
            return;
        }
        if (retrySuite != null && suite != retrySuite) {
            // RFC 8446 §4.1.4: the server must negotiate the suite its HelloRetryRequest named; the cipher
            // suites are unchanged (checked above), so only a changed configuration gets here.
            throw new TlsAlertException(TlsAlert.INTERNAL_ERROR, "cipher suite changed after HelloRetryRequest");
        }
        NamedGroup group = dhe ? NamedGroup.fromCode(clientShare.group()) : null;

        if (psk == null) {
            List<Integer> certificateAlgorithms = Extensions.find(hello.extensions(), SignatureAlgorithmsCert.class)
                    .map(SignatureAlgorithmsCert::supportedSignatureAlgorithms)
                    .orElse(signatureAlgorithms.supportedSignatureAlgorithms());
            selectCredential(signatureAlgorithms.supportedSignatureAlgorithms(), certificateAlgorithms);
        }
        SignatureScheme scheme = signatureScheme;
        Credential signer = credential;

        applicationProtocol = selectApplicationProtocol(hello.extensions());
        serverName = Extensions.find(hello.extensions(), ServerName.class).map(ServerName::hostName).orElse(null);
        QuicTransportParameters peerParameters = Extensions.find(hello.extensions(), QuicTransportParameters.class)
                .orElse(null);
        if (quic && peerParameters == null) {
            // RFC 9001 §8.2: missing quic_transport_parameters is missing_extension.
            throw new TlsAlertException(TlsAlert.MISSING_EXTENSION, "no quic_transport_parameters from the client");
        }

        clientRandom = hello.random().toByteArray();
        cipherSuite = suite;
        keyExchangeGroup = group;
        schedule = new KeySchedule(suite.hash());
        transcript.select(suite.hash());
        transcript.add(raw.message());
        byte[] clientHelloHash = transcript.current();
        requireDrained(EncryptionLevel.INITIAL);
        if (peerParameters != null) {
            if (parametersFor != null) {
                transportParameters = parametersFor.apply(peerParameters.parameters().toByteArray()).clone();
            } else {
                emit(new TlsEvent.PeerTransportParameters(peerParameters.parameters().toByteArray()));
            }
        }

        // RFC 8446 §4.2.8: our share in the client's group; for a KEM group it encapsulates to the client's.
        // With psk_ke there is none, and the (EC)DHE input is zeros (RFC 8446 §7.1).
        KeyShareResponse ours = dhe ? group.respond(clientShare.keyExchange().toByteArray(), random) : null;
        byte[] shared = dhe ? ours.sharedSecret() : new byte[suite.hash().length()];
        byte[] serverRandom = new byte[32];
        random.nextBytes(serverRandom);
        List<Extension> serverHelloExtensions = new ArrayList<>();
        serverHelloExtensions.add(new SupportedVersionsServerHello(TLS13));
        if (dhe) {
            serverHelloExtensions.add(
                    new KeyShareServerHello(new KeyShareEntry(group.code(), Opaque.of(ours.publicBytes()))));
        }
        if (psk != null) {
            // RFC 8446 §4.2.11: the 0-based index of the identity chosen, whose binder was validated.
            serverHelloExtensions.add(new PreSharedKeyServerHello(psk.index()));
        }
        ServerHello serverHello = new ServerHello(LEGACY_VERSION, Opaque.of(serverRandom), hello.legacySessionId(),
                suite.code(), 0, serverHelloExtensions);
        send(EncryptionLevel.INITIAL, HandshakeCodec.encode(serverHello));

        earlySecret = schedule.earlySecret(psk == null ? null : psk.psk().key());
        decideEarlyData(clientHelloHash);
        byte[] handshakeSecret = schedule.handshakeSecret(earlySecret, shared);
        byte[] helloHash = transcript.current();
        clientHandshakeSecret = schedule.clientHandshakeTrafficSecret(handshakeSecret, helloHash);
        byte[] serverHandshakeSecret = schedule.serverHandshakeTrafficSecret(handshakeSecret, helloHash);
        installSecret(EncryptionLevel.HANDSHAKE, KeyDirection.READ, clientHandshakeSecret,
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
        installSecret(EncryptionLevel.HANDSHAKE, KeyDirection.WRITE, serverHandshakeSecret,
                "SERVER_HANDSHAKE_TRAFFIC_SECRET");

        List<Extension> encrypted = new ArrayList<>();
        if (applicationProtocol != null) {
            encrypted.add(new ApplicationLayerProtocolNegotiation(List.of(applicationProtocol)));
        }
        if (peerParameters != null && transportParameters != null) {
            encrypted.add(new QuicTransportParameters(Opaque.of(transportParameters)));
        }
        if (earlyDataAccepted) {
            encrypted.add(new EarlyDataIndication()); // RFC 8446 §4.2.10: we accept the early data
        }
        send(EncryptionLevel.HANDSHAKE, HandshakeCodec.encode(new EncryptedExtensions(encrypted)));
        if (psk != null) {
            // RFC 8446 §2.2, §4.3.2: a PSK handshake has no Certificate, CertificateVerify or CertificateRequest.
            sendServerFinished(handshakeSecret, serverHandshakeSecret);
            return;
        }
        if (config.clientAuthentication() != ClientAuth.NONE) {
            sendCertificateRequest();
        }
        send(EncryptionLevel.HANDSHAKE, HandshakeCodec.encode(certificateMessage()));

        byte[] toSign = transcript.current();
        byte[][] signature = new byte[1][];
        state = State.SIGNING;
        runTask(config.delegateTasks(),
                () -> signature[0] = scheme.sign(signer.privateKey(), toSign, true, random),
                () -> finishServerFlight(scheme, signature[0], handshakeSecret, serverHandshakeSecret));
    }

    private void finishServerFlight(SignatureScheme scheme, byte[] signature, byte[] handshakeSecret,
                                    byte[] serverHandshakeSecret) {
        send(EncryptionLevel.HANDSHAKE, HandshakeCodec.encode(new CertificateVerify(scheme.code(), Opaque.of(signature))));
        sendServerFinished(handshakeSecret, serverHandshakeSecret);
    }

    /** Our Finished and the application secrets after it (RFC 8446 §4.4.4). */
    private void sendServerFinished(byte[] handshakeSecret, byte[] serverHandshakeSecret) {
        byte[] verifyData = schedule.finishedVerifyData(serverHandshakeSecret, transcript.current());
        send(EncryptionLevel.HANDSHAKE, HandshakeCodec.encode(new Finished(Opaque.of(verifyData))));
        byte[] serverFinishedHash = transcript.current();
        byte[] master = schedule.masterSecret(handshakeSecret);
        masterSecret = master;
        clientApplicationSecret = schedule.clientApplicationTrafficSecret(master, serverFinishedHash);
        // 0.5-RTT: the server may send application data once its Finished is queued (RFC 9001 §4.1.1).
        installSecret(EncryptionLevel.APPLICATION, KeyDirection.WRITE,
                schedule.serverApplicationTrafficSecret(master, serverFinishedHash), "SERVER_TRAFFIC_SECRET_0");
        if (keyLog != null) {
            logKey("EXPORTER_SECRET", schedule.exporterMasterSecret(master, serverFinishedHash));
        }
        // RFC 8446 §4.4: after a CertificateRequest the client's Certificate (and CertificateVerify) come first.
        state = psk == null && config.clientAuthentication() != ClientAuth.NONE ? State.WAIT_CLIENT_CERTIFICATE
                : State.WAIT_FINISHED;
        if (earlyDataAccepted && !quic) {
            state = State.WAIT_END_OF_EARLY_DATA; // RFC 8446 §4.5; RFC 9001 §8.3: not in QUIC
        }
    }

    /**
     * Accepts or rejects the offered early data (RFC 8446 §4.2.10) and tells the transport: when accepted,
     * the client_early_traffic_secret over the ClientHello for reading at the 0-RTT level, then the status,
     * all before the Handshake-level secrets. Offered only in a first ClientHello (a HelloRetryRequest
     * rejects it: the second one may not carry early_data).
     */
    private void decideEarlyData(byte[] clientHelloHash) {
        if (!earlyDataOffered) {
            return;
        }
        earlyDataAccepted = firstHello == null && psk != null && ticketing != null
                && ticketing.acceptsEarlyData(psk, cipherSuite, applicationProtocol, transportParameters);
        if (earlyDataAccepted) {
            installSecret(EncryptionLevel.EARLY_DATA, KeyDirection.READ,
                    schedule.clientEarlyTrafficSecret(earlySecret, clientHelloHash), "CLIENT_EARLY_TRAFFIC_SECRET");
        }
        emit(new TlsEvent.EarlyDataStatus(earlyDataAccepted));
    }

    // ---- client authentication (RFC 8446 §4.3.2, §4.4.2, §4.4.3) ---------------------------------

    /**
     * RFC 8446 §4.3.2: a CertificateRequest with an empty context (this is the handshake, not post-handshake
     * authentication), the signature_algorithms we verify CertificateVerify with, the signature_algorithms_cert
     * we accept on the client's chain (§4.2.3), and, when the validator has trust anchors of the caller's
     * choosing, their names as certificate_authorities (§4.2.4) so that the client can pick a certificate
     * they issued. A list too long for the extension is left out: the client then picks by signature
     * schemes alone, which §4.4.2.3 allows.
     */
    private void sendCertificateRequest() {
        List<Integer> codes = config.signatureSchemes().stream()
                .filter(SignatureScheme::usableInTls13CertificateVerify).map(SignatureScheme::code).toList();
        List<Extension> extensions = new ArrayList<>();
        extensions.add(new SignatureAlgorithms(codes));
        extensions.add(new SignatureAlgorithmsCert(clientCertificateSchemeCodes()));
        List<X500Principal> anchors =
                config.clientCertificateValidator().certificateAuthorities();
        // What the 16-bit extension block leaves: its own length, and the new extension's type, length and
        // vector length (RFC 8446 §4.2, §4.2.4).
        int room = 0xFFFF - (ExtensionCodec.blockLength(extensions) - 2) - 6;
        if (!anchors.isEmpty() && CertificateAuthorities.encodedLength(anchors) <= room) {
            extensions.add(new CertificateAuthorities(anchors));
        }
        send(EncryptionLevel.HANDSHAKE, HandshakeCodec.encode(new CertificateRequest(Opaque.EMPTY, extensions)));
    }

    /** {@return the signature_algorithms_cert of our CertificateRequest} */
    private static List<Integer> clientCertificateSchemeCodes() {
        return CertificateChains.CLIENT_CERTIFICATE_SCHEMES.stream().map(SignatureScheme::code).toList();
    }

    private void onClientCertificate(Certificate certificate, FramedMessage raw) throws TlsAlertException {
        // RFC 8446 §4.4.2: the client echoes the CertificateRequest's context, which was empty.
        if (!certificate.certificateRequestContext().isEmpty()) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "client Certificate with a foreign request context");
        }
        for (var entry : certificate.certificateList()) {
            // RFC 8446 §4.4.2: entry extensions answer ones in our CertificateRequest, which has none to answer.
            if (!entry.extensions().isEmpty()) {
                throw new TlsAlertException(TlsAlert.UNSUPPORTED_EXTENSION, "certificate entry extension "
                        + entry.extensions().get(0).typeCode() + ", which we did not request");
            }
        }
        transcript.add(raw.message());
        if (certificate.certificateList().isEmpty()) {
            // RFC 8446 §4.4.2.4: without a certificate the server may go on or abort with certificate_required.
            if (config.clientAuthentication() == ClientAuth.REQUIRE) {
                throw new TlsAlertException(TlsAlert.CERTIFICATE_REQUIRED, "the client sent no certificate");
            }
            state = State.WAIT_FINISHED;
            return;
        }
        List<byte[]> der = certificate.certificateList().stream().map(e -> e.certData().toByteArray()).toList();
        List<X509Certificate> chain = CertificateValidator.parseChain(der);
        CertificateValidator validator = config.clientCertificateValidator();
        if (!validator.isInsecure()) {
            X509Certificate unacceptable = CertificateChains.firstUnacceptableSignature(chain,
                    clientCertificateSchemeCodes());
            if (unacceptable != null) {
                // RFC 8446 §4.4.2.3: the client's certificates "MUST be signed using an acceptable signature
                // algorithm" (our signature_algorithms_cert); §4.4.2.4: an unacceptable chain may end the
                // handshake with unsupported_certificate (bad_certificate for MD5 and SHA-1).
                throw CertificateChains.refusal(unacceptable, "client",
                        "which our CertificateRequest did not offer");
            }
        }
        runTask(config.delegateTasks(), () -> validator.validateClient(chain), () -> {
            clientChain = chain;
            state = State.WAIT_CLIENT_CERTIFICATE_VERIFY;
        });
    }

    private void onClientCertificateVerify(CertificateVerify verify, FramedMessage raw) throws TlsAlertException {
        SignatureScheme scheme = SignatureScheme.fromCode(verify.algorithm());
        // RFC 8446 §4.4.3: the scheme must be one our CertificateRequest offered, and fit the certificate's key.
        if (scheme == null || !config.signatureSchemes().contains(scheme) || !scheme.usableInTls13CertificateVerify()) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "CertificateVerify with scheme 0x" + Integer.toHexString(verify.algorithm()) + ", not offered");
        }
        var key = clientChain.get(0).getPublicKey();
        if (!scheme.matches(key)) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "CertificateVerify scheme " + scheme + " does not fit the certificate's key");
        }
        if (!scheme.verify(key, transcript.current(), false, verify.signature().toByteArray())) {
            throw new TlsAlertException(TlsAlert.DECRYPT_ERROR, "the client's CertificateVerify signature is wrong");
        }
        transcript.add(raw.message());
        peerCertificates = List.copyOf(clientChain);
        state = State.WAIT_FINISHED;
    }

    private void onFinished(Finished finished, FramedMessage raw) throws TlsAlertException {
        if (!schedule.verifyFinished(clientHandshakeSecret, transcript.current(), finished.verifyData().toByteArray())) {
            throw new TlsAlertException(TlsAlert.DECRYPT_ERROR, "the client's Finished is wrong");
        }
        transcript.add(raw.message());
        requireDrained(EncryptionLevel.HANDSHAKE);
        state = State.CONNECTED;
        // RFC 9001 §5.7: 1-RTT packets from the client are processed only once the handshake is complete.
        installSecret(EncryptionLevel.APPLICATION, KeyDirection.READ, clientApplicationSecret,
                "CLIENT_TRAFFIC_SECRET_0");
        complete();
        pskIdentity = psk == null ? null : psk.psk().reportedIdentity();
        resumed = psk != null && psk.psk().kind() == OfferedPsk.Kind.RESUMPTION;
        emit(new TlsEvent.HandshakeComplete(applicationProtocol, cipherSuite, peerCertificates, pskIdentity,
                resumed));
        sendTickets();
    }

    /**
     * RFC 8446 §4.6.1: tickets after the client's Finished, whose hash the resumption master secret covers;
     * in QUIC at the 1-RTT level (RFC 9001 §4.1.3). They are not part of any transcript that matters any more.
     */
    private void sendTickets() {
        if (ticketing == null) {
            return;
        }
        byte[] resumptionMasterSecret = schedule.resumptionMasterSecret(masterSecret, transcript.current());
        masterSecret = null;
        for (var ticket : ticketing.issue(cipherSuite, resumptionMasterSecret, applicationProtocol, serverName,
                transportParameters, random)) {
            send(EncryptionLevel.APPLICATION, HandshakeCodec.encode(ticket));
        }
    }

    /**
     * Picks the credential to authenticate with (RFC 8446 §4.4.2.2): the first whose key signs with a scheme
     * the client accepts and whose chain is signed only with schemes it accepts on certificates; failing
     * the second, the first whose key fits ("the server SHOULD continue the handshake by sending the client
     * a certificate chain of its choice").
     */
    private void selectCredential(List<Integer> signatureAlgorithms, List<Integer> certificateAlgorithms)
            throws TlsAlertException {
        Credential fallback = null;
        SignatureScheme fallbackScheme = null;
        for (Credential c : config.credentials()) {
            SignatureScheme s = SignatureScheme.select(c.privateKey(), signatureAlgorithms, config.signatureSchemes());
            if (s == null) {
                continue;
            }
            if (CertificateChains.firstUnacceptableSignature(c.chain(), certificateAlgorithms) == null) {
                credential = c;
                signatureScheme = s;
                return;
            }
            if (fallback == null) {
                fallback = c;
                fallbackScheme = s;
            }
        }
        if (fallback == null) {
            throw new TlsAlertException(TlsAlert.HANDSHAKE_FAILURE,
                    "no signature scheme the client accepts fits any of our keys");
        }
        credential = fallback;
        signatureScheme = fallbackScheme;
    }

    private CipherSuite selectCipherSuite(List<Integer> offered) throws TlsAlertException {
        for (CipherSuite suite : config.cipherSuites()) {
            if (offered.contains(suite.code())) {
                return suite;
            }
        }
        throw new TlsAlertException(TlsAlert.HANDSHAKE_FAILURE, "no cipher suite in common");
    }

    /** Picks the client's share in our most preferred group (RFC 8446 §4.2.8). */
    private KeyShareEntry selectKeyShare(SupportedGroups groups, KeyShareClientHello shares) throws TlsAlertException {
        Set<Integer> seen = new HashSet<>();
        for (KeyShareEntry entry : shares.clientShares()) {
            // RFC 8446 §4.2.8: one share per group, each in a group the client lists as supported.
            if (!seen.add(entry.group())) {
                throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "two key shares for one group");
            }
            if (!groups.namedGroupList().contains(entry.group())) {
                throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                        "key share for group 0x" + Integer.toHexString(entry.group()) + " not in supported_groups");
            }
        }
        for (NamedGroup group : config.groups()) {
            for (KeyShareEntry entry : shares.clientShares()) {
                if (entry.group() == group.code()) {
                    return entry;
                }
            }
        }
        boolean common = config.groups().stream().anyMatch(g -> groups.namedGroupList().contains(g.code()));
        if (!common) {
            throw new TlsAlertException(TlsAlert.HANDSHAKE_FAILURE, "no key exchange group in common");
        }
        if (firstHello != null) {
            // RFC 8446 §4.1.4: the second ClientHello must carry a share in the group asked for
            // (checkSecondClientHello has refused it already; kept so that no path sends a second HRR).
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "second ClientHello still without a key share we accept");
        }
        return null;
    }

    // ---- HelloRetryRequest (RFC 8446 §4.1.4) --------------------------------------------------------

    /** The cookie's layout version, so that a later layout can be told apart. */
    private static final int COOKIE_VERSION = 1;
    private static final String COOKIE_MAC = "HmacSHA256";
    private static final int COOKIE_MAC_LENGTH = 32;

    /**
     * Answers a ClientHello whose key shares hold no group we accept, while its supported_groups names one:
     * a HelloRetryRequest for our most preferred such group (RFC 8446 §4.2.8). The transcript goes on with
     * message_hash(ClientHello1) and the HelloRetryRequest (RFC 8446 §4.4.1); both stay at the Initial level.
     */
    private void sendHelloRetryRequest(ClientHello hello, FramedMessage raw, CipherSuite suite, SupportedGroups groups)
            throws TlsAlertException {
        NamedGroup wanted = null;
        for (NamedGroup g : config.groups()) {
            if (groups.namedGroupList().contains(g.code())) {
                wanted = g;
                break;
            }
        }
        if (wanted == null) {
            throw new IllegalStateException("selectKeyShare found a group in common");
        }
        transcript.select(suite.hash());
        transcript.add(raw.message());
        transcript.replaceWithMessageHash();
        requireDrained(EncryptionLevel.INITIAL);
        List<Extension> extensions = new ArrayList<>();
        extensions.add(new SupportedVersionsServerHello(TLS13));
        extensions.add(new KeyShareHelloRetryRequest(wanted.code()));
        byte[] key = config.helloRetryCookieKey();
        if (key != null) {
            retryCookie = cookie(key, suite, wanted, transcript.current());
            extensions.add(new Cookie(Opaque.of(retryCookie)));
        }
        firstHello = hello;
        retryGroup = wanted;
        retrySuite = suite;
        send(EncryptionLevel.INITIAL, HandshakeCodec.encode(
                ServerHello.helloRetryRequest(hello.legacySessionId(), suite.code(), extensions)));
    }

    /**
     * RFC 8446 §4.1.2: the second ClientHello is the first except for key_share (now one share, in the group
     * asked for), the cookie, early_data (removed), padding and pre_shared_key (whose binders change and
     * identities may drop, checked by the PSK code). Anything else is illegal_parameter.
     */
    private void checkSecondClientHello(ClientHello second) throws TlsAlertException {
        ClientHello first = firstHello;
        if (second.legacyVersion() != first.legacyVersion() || !second.random().equals(first.random())
                || !second.legacySessionId().equals(first.legacySessionId())
                || !second.cipherSuites().equals(first.cipherSuites())
                || !second.legacyCompressionMethods().equals(first.legacyCompressionMethods())) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "second ClientHello changes a field of the first other than its extensions");
        }
        if (!fixedExtensions(second.extensions()).equals(fixedExtensions(first.extensions()))) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "second ClientHello changes an extension it may not change after HelloRetryRequest");
        }
        if (Extensions.find(second.extensions(), EarlyDataIndication.class).isPresent()) {
            // RFC 8446 §4.1.2: early_data is removed from the second ClientHello.
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "early_data in the second ClientHello");
        }
        List<KeyShareEntry> shares = Extensions.find(second.extensions(), KeyShareClientHello.class)
                .map(KeyShareClientHello::clientShares).orElse(List.of());
        if (shares.size() != 1 || shares.get(0).group() != retryGroup.code()) {
            // RFC 8446 §4.1.2: "replacing the list of shares with a list containing a single KeyShareEntry from
            // the indicated group".
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "second ClientHello without exactly one key share, in " + retryGroup);
        }
        var cookie = Extensions.find(second.extensions(), Cookie.class);
        if (retryCookie == null) {
            if (cookie.isPresent()) {
                throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "a cookie we did not send");
            }
            return;
        }
        if (cookie.isEmpty()) {
            // RFC 8446 §4.1.2: the cookie from the HelloRetryRequest is included.
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "second ClientHello without our cookie");
        }
        checkCookie(cookie.get().cookie().toByteArray());
    }

    /** The extensions a second ClientHello may not change: all but those RFC 8446 §4.1.2 lets change. */
    private static List<Extension> fixedExtensions(List<Extension> extensions) {
        return extensions.stream().filter(e -> !(e instanceof KeyShareClientHello) && !(e instanceof Cookie)
                && !(e instanceof PreSharedKeyClientHello) && !(e instanceof EarlyDataIndication)
                && e.typeCode() != ExtensionType.PADDING.code()).toList();
    }

    /**
     * The cookie (RFC 8446 §4.2.2): what this server needs to go on from the second ClientHello (the suite,
     * the group asked for and the hash of message_hash(ClientHello1)), then an HMAC-SHA256 over it with the
     * configured key, so that a client cannot forge or alter it.
     */
    private static byte[] cookie(byte[] key, CipherSuite suite, NamedGroup group, byte[] clientHello1Hash) {
        TlsWriter w = new TlsWriter(6 + clientHello1Hash.length + COOKIE_MAC_LENGTH);
        w.u8(COOKIE_VERSION).u16(suite.code()).u16(group.code()).u8(clientHello1Hash.length).bytes(clientHello1Hash);
        byte[] body = w.toByteArray();
        byte[] mac = cookieMac(key, body);
        byte[] out = Arrays.copyOf(body, body.length + mac.length);
        System.arraycopy(mac, 0, out, body.length, mac.length);
        return out;
    }

    private static byte[] cookieMac(byte[] key, byte[] body) {
        try {
            Mac mac = Mac.getInstance(COOKIE_MAC);
            mac.init(new SecretKeySpec(key, COOKIE_MAC));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + COOKIE_MAC, e);
        }
    }

    /**
     * Accepts the echoed cookie only if its MAC is ours (compared in constant time) and it names what our
     * HelloRetryRequest did; a forged or altered cookie is illegal_parameter.
     */
    private void checkCookie(byte[] echoed) throws TlsAlertException {
        byte[] key = config.helloRetryCookieKey();
        if (echoed.length <= COOKIE_MAC_LENGTH) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "cookie too short to be ours");
        }
        byte[] body = Arrays.copyOf(echoed, echoed.length - COOKIE_MAC_LENGTH);
        byte[] mac = Arrays.copyOfRange(echoed, body.length, echoed.length);
        if (!MessageDigest.isEqual(mac, cookieMac(key, body))) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "cookie not authenticated by our key");
        }
        if (!MessageDigest.isEqual(echoed, retryCookie)) {
            // Authentic, so made by this server, but for another HelloRetryRequest (another connection).
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "cookie from another HelloRetryRequest");
        }
    }

    /** RFC 7301 §3.2: our most preferred protocol the client offers; none in common is fatal. */
    private String selectApplicationProtocol(List<Extension> extensions) throws TlsAlertException {
        var offered = Extensions.find(extensions, ApplicationLayerProtocolNegotiation.class);
        if (config.applicationProtocols().isEmpty()) {
            // A TLS server without ALPN ignores the extension (RFC 7301 §3.2); in QUIC the client would then
            // fail for want of a protocol (RFC 9001 §8.1), so say so at once.
            if (offered.isPresent() && quic) {
                throw new TlsAlertException(TlsAlert.NO_APPLICATION_PROTOCOL,
                        "the client offers ALPN " + PeerText.escape(offered.get().protocols().toString())
                                + "; this server has none");
            }
            return null;
        }
        if (offered.isEmpty()) {
            if (quic) {
                // RFC 9001 §8.1: QUIC needs an application protocol.
                throw new TlsAlertException(TlsAlert.NO_APPLICATION_PROTOCOL, "the client offers no ALPN");
            }
            return null;
        }
        for (String protocol : config.applicationProtocols()) {
            if (offered.get().protocols().contains(protocol)) {
                return protocol;
            }
        }
        throw new TlsAlertException(TlsAlert.NO_APPLICATION_PROTOCOL,
                "no ALPN in common: client offers " + PeerText.escape(offered.get().protocols().toString()));
    }

    private Certificate certificateMessage() throws TlsAlertException {
        List<CertificateEntry> entries = new ArrayList<>();
        for (var cert : credential.chain()) {
            try {
                entries.add(new CertificateEntry(Opaque.of(cert.getEncoded()), List.of()));
            } catch (CertificateEncodingException e) {
                throw new TlsAlertException(TlsAlert.INTERNAL_ERROR, "cannot encode our certificate", e);
            }
        }
        return new Certificate(Opaque.EMPTY, entries);
    }
}
