package qsock.tls.engine;

import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.core.error.PeerText;
import qsock.tls.Credential;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsEvent;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.codec.Opaque;
import qsock.tls.extension.ApplicationLayerProtocolNegotiation;
import qsock.tls.extension.Cookie;
import qsock.tls.extension.EarlyDataIndication;
import qsock.tls.extension.Extension;
import qsock.tls.extension.Extensions;
import qsock.tls.extension.KeyShareClientHello;
import qsock.tls.extension.KeyShareEntry;
import qsock.tls.extension.KeyShareHelloRetryRequest;
import qsock.tls.extension.KeyShareServerHello;
import qsock.tls.extension.PreSharedKeyClientHello;
import qsock.tls.extension.PreSharedKeyServerHello;
import qsock.tls.extension.PskKeyExchangeModes;
import qsock.tls.PskMode;
import qsock.tls.extension.QuicTransportParameters;
import qsock.tls.extension.ServerName;
import qsock.tls.extension.SignatureAlgorithms;
import qsock.tls.extension.SignatureAlgorithmsCert;
import qsock.tls.extension.SupportedGroups;
import qsock.tls.extension.SupportedVersionsClientHello;
import qsock.tls.extension.SupportedVersionsServerHello;
import qsock.tls.jca.KeyShare;
import qsock.tls.jca.NamedGroup;
import qsock.tls.jca.SignatureScheme;
import qsock.tls.message.Certificate;
import qsock.tls.message.CertificateEntry;
import qsock.tls.message.CertificateRequest;
import qsock.tls.message.CertificateVerify;
import qsock.tls.message.ClientHello;
import qsock.tls.message.EncryptedExtensions;
import qsock.tls.message.EndOfEarlyData;
import qsock.tls.message.Finished;
import qsock.tls.message.HandshakeCodec;
import qsock.tls.message.FramedMessage;
import qsock.tls.message.HandshakeMessage;
import qsock.tls.message.HandshakeType;
import qsock.tls.message.NewSessionTicket;
import qsock.tls.message.ServerHello;
import qsock.tls.ClientTickets;
import qsock.tls.extension.EarlyDataNewSessionTicket;
import qsock.tls.ticket.ClientTicket;
import java.util.function.IntSupplier;
import qsock.tls.ticket.SessionState;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import qsock.tls.extension.CertificateAuthorities;

/**
 * The client side of a TLS 1.3 full handshake for QUIC (RFC 8446 §2, RFC 9001 §4): ClientHello at the
 * Initial level; ServerHello; then at the Handshake level EncryptedExtensions, optionally
 * CertificateRequest, Certificate, CertificateVerify and Finished; then, after a CertificateRequest, its
 * Certificate (empty without a usable credential) and CertificateVerify (RFC 8446 §4.4.2, §4.4.3), and its
 * Finished.
 */
public final class ClientHandshake extends Handshake {

    private enum State { WAIT_SERVER_HELLO, WAIT_ENCRYPTED_EXTENSIONS, WAIT_CERTIFICATE_OR_REQUEST,
        WAIT_CERTIFICATE, WAIT_CERTIFICATE_VERIFY, WAIT_FINISHED, CONNECTED }

    private static final int TLS13 = 0x0304;
    private static final int LEGACY_VERSION = 0x0303;

    private final TlsClientConfig config;
    private final byte[] transportParameters;
    private final Map<Integer, KeyShare> keyShares = new LinkedHashMap<>();
    private final byte[] legacySessionId;
    private State state = State.WAIT_SERVER_HELLO;
    private byte[] clientHandshakeSecret;
    private byte[] serverHandshakeSecret;
    private byte[] handshakeSecret;
    private byte[] certificateRequestContext;
    /** The signature_algorithms of the server's CertificateRequest, which our CertificateVerify must use. */
    private List<Integer> requestedSchemes;
    /**
     * The schemes the server's CertificateRequest accepts on our chain: its signature_algorithms_cert, else
     * its signature_algorithms (RFC 8446 §4.2.3).
     */
    private List<Integer> requestedCertificateSchemes;
    /** The certificate_authorities of the server's CertificateRequest (RFC 8446 §4.2.4), or null for none. */
    private Set<X500Principal> requestedAuthorities;
    private List<X509Certificate> serverChain;
    /** The ClientHello sent last, from which a second one is made after a HelloRetryRequest. */
    private ClientHello sentHello;
    /** The cipher suite a HelloRetryRequest named, which the ServerHello must repeat; null before one. */
    private CipherSuite retrySuite;
    /** The PSKs in our last ClientHello's pre_shared_key, in order (RFC 8446 §4.2.11); empty for none. */
    private List<OfferedPsk> offeredPsks = List.of();
    /** The PSK the server selected, or null for a certificate-authenticated handshake. */
    private OfferedPsk selectedPsk;
    /** The early secret (RFC 8446 §7.1): from the selected PSK, or from zeros without one. */
    private byte[] earlySecret;
    /** The ticket offered first in pre_shared_key, or null when none was (RFC 8446 §4.2.11). */
    private ClientTicket offeredTicket;
    /** The server's transport parameters of this connection, remembered with its tickets (RFC 9000 §7.4.1). */
    private byte[] serverTransportParameters = new byte[0];
    /** The resumption master secret (RFC 8446 §7.1), for the tickets that arrive after the handshake. */
    private byte[] resumptionMasterSecret;
    /** The ticket whose PSK our first ClientHello's early data uses (RFC 8446 §4.2.10), or null for no 0-RTT. */
    private ClientTicket earlyDataTicket;
    /** True once the server accepted our early data in its EncryptedExtensions. */
    private boolean earlyDataAccepted;

    /**
     * The QUIC version of the connection now (wire value), which tickets are bound to (RFC 9369 §5); null when they
     * are bound to none (over TCP, or a transport that names no version).
     */
    private final IntSupplier quicVersion;
    /** The version our ClientHello starts the connection with: only its tickets are offered (RFC 9369 §5). */
    private final int startVersion;

    public ClientHandshake(TlsClientConfig config, SecureRandom random, byte[] transportParameters) {
        this(config, random, transportParameters, null);
    }

    /**
     * A client engine whose session tickets are bound to the connection's QUIC version (RFC 9369 §5): it offers only a
     * ticket received on a connection of the version {@code quicVersion} names now (the ClientHello's), and keeps the
     * tickets it receives with the version it names when they arrive (the negotiated one).
     *
     * @param quicVersion the wire value of the connection's version now; null (and always over TCP) binds no version
     */
    public ClientHandshake(TlsClientConfig config, SecureRandom random, byte[] transportParameters,
                           IntSupplier quicVersion) {
        super(random, config.keyLog(), config.quic());
        if (config.quic() && transportParameters == null) {
            throw new IllegalArgumentException("QUIC needs our transport parameters");
        }
        this.quicVersion = config.quic() ? quicVersion : null;
        this.startVersion = this.quicVersion == null ? 0 : this.quicVersion.getAsInt();
        this.config = config;
        this.transportParameters = transportParameters == null ? null : transportParameters.clone();
        // RFC 9001 §8.4: no legacy session ID in QUIC (no middlebox compatibility mode).
        this.legacySessionId = new byte[0];
        sendClientHello();
    }

    @Override
    public boolean isClient() {
        return true;
    }

    @Override
    public String serverName() {
        return config.serverName();
    }

    @Override
    String stateName() {
        return state.name();
    }

    @Override
    EncryptionLevel expectedLevel() {
        return switch (state) {
            case WAIT_SERVER_HELLO -> EncryptionLevel.INITIAL;
            case CONNECTED -> EncryptionLevel.APPLICATION;
            default -> EncryptionLevel.HANDSHAKE;
        };
    }

    @Override
    boolean acceptsAt(EncryptionLevel level) {
        return switch (level) {
            case INITIAL -> state == State.WAIT_SERVER_HELLO;
            case EARLY_DATA -> false;
            case HANDSHAKE -> state != State.WAIT_SERVER_HELLO && state != State.CONNECTED;
            case APPLICATION -> state == State.CONNECTED;
        };
    }

    // ---- ClientHello ------------------------------------------------------------------------------

    private void sendClientHello() {
        clientRandom = new byte[32];
        random.nextBytes(clientRandom);
        List<KeyShareEntry> shares = new ArrayList<>();
        for (NamedGroup group : config.keyShareGroups()) {
            KeyShare share = group.generate(random);
            keyShares.put(group.code(), share);
            shares.add(new KeyShareEntry(group.code(), Opaque.of(share.publicBytes())));
        }
        List<Extension> extensions = new ArrayList<>();
        String name = config.serverName();
        // RFC 6066 §3: literal IP addresses are not sent as SNI.
        if (name != null && !HostNames.isIpLiteral(name)) {
            extensions.add(new ServerName(name));
        }
        extensions.add(SupportedVersionsClientHello.of(TLS13));
        extensions.add(new SupportedGroups(codes(config.groups().stream().map(NamedGroup::code).toList())));
        extensions.add(new SignatureAlgorithms(
                codes(config.signatureSchemes().stream().map(SignatureScheme::code).toList())));
        // RFC 8446 §4.2.3: what we accept on certificates differs (RSASSA-PKCS1-v1_5 is fine there).
        extensions.add(new SignatureAlgorithmsCert(
                codes(config.certificateSignatureSchemes().stream().map(SignatureScheme::code).toList())));
        extensions.add(new KeyShareClientHello(shares));
        if (!config.applicationProtocols().isEmpty()) {
            extensions.add(new ApplicationLayerProtocolNegotiation(config.applicationProtocols()));
        }
        if (transportParameters != null) {
            extensions.add(new QuicTransportParameters(Opaque.of(transportParameters)));
        }
        offeredPsks = pskOffers();
        earlyDataTicket = earlyDataTicket();
        if (earlyDataTicket != null) {
            // RFC 8446 §4.2.10: early_data says 0-RTT data follows; pre_shared_key still comes last.
            extensions.add(new EarlyDataIndication());
        }
        if (!offeredPsks.isEmpty() || config.tickets() != null) {
            // RFC 8446 §4.2.9: pre_shared_key needs psk_key_exchange_modes, and the extension also tells which
            // modes tickets may be used with: servers "SHOULD NOT send NewSessionTicket with tickets that are not
            // compatible with the advertised modes", so a client that keeps tickets advertises them before it has
            // one (SunJSSE sends no ticket otherwise).
            extensions.add(new PskKeyExchangeModes(config.pskModes().stream().map(PskMode::code).toList()));
        }
        if (!offeredPsks.isEmpty()) {
            // RFC 8446 §4.2.11: pre_shared_key comes last.
            extensions = PskBinder.withPlaceholder(extensions, offeredPsks);
        }
        ClientHello hello = new ClientHello(LEGACY_VERSION, Opaque.of(clientRandom), Opaque.of(legacySessionId),
                codes(config.cipherSuites().stream().map(CipherSuite::code).toList()), Opaque.of((byte) 0),
                extensions);
        if (!offeredPsks.isEmpty()) {
            // RFC 8446 §4.2.11.2: binders over the truncated ClientHello (nothing precedes it in the transcript).
            hello = PskBinder.bind(hello, offeredPsks, transcript);
        }
        sentHello = hello;
        send(EncryptionLevel.INITIAL, HandshakeCodec.encode(hello));
        if (earlyDataTicket != null) {
            startEarlyData();
        }
    }

    /**
     * The ticket to send 0-RTT data with, or null (RFC 8446 §4.2.10): only when configured, when the ticket
     * we offer first allows early data, when the offer's suite and ALPN can be the ticket's ("the client MUST
     * use the same cipher suite ... and the same ALPN"), and, in QUIC, when we remember the server's transport
     * parameters to apply to the 0-RTT packets (RFC 9000 §7.4.1).
     */
    private ClientTicket earlyDataTicket() {
        ClientTicket ticket = offeredTicket;
        if (config.tickets() == null || !config.tickets().earlyData() || ticket == null || !ticket.allowsEarlyData()
                || offeredPsks.isEmpty() || offeredPsks.get(0).kind() != OfferedPsk.Kind.RESUMPTION
                || !config.cipherSuites().contains(ticket.cipherSuite())) {
            return null;
        }
        boolean alpnFits = ticket.alpn().isEmpty() ? config.applicationProtocols().isEmpty()
                : config.applicationProtocols().contains(ticket.alpn());
        if (!alpnFits || (quic && ticket.serverTransportParameters().length == 0)) {
            return null;
        }
        return ticket;
    }

    /**
     * After a ClientHello with early_data: the client_early_traffic_secret from the ticket's PSK over the
     * ClientHello (RFC 8446 §7.1), announced with the remembered transport parameters, then installed for
     * writing at the 0-RTT level under the ticket's suite.
     */
    private void startEarlyData() {
        CipherSuite suite = earlyDataTicket.cipherSuite();
        KeySchedule early = new KeySchedule(suite.hash());
        byte[] secret = early.earlySecret(earlyDataTicket.psk());
        byte[] helloHash = transcript.currentWith(suite.hash(), new byte[0]);
        emit(new TlsEvent.EarlyDataAttempt(earlyDataTicket.serverTransportParameters(),
                earlyDataTicket.maxEarlyDataSize()));
        installSecret(EncryptionLevel.EARLY_DATA, KeyDirection.WRITE, suite,
                early.clientEarlyTrafficSecret(secret, helloHash), "CLIENT_EARLY_TRAFFIC_SECRET");
        if (keyLog != null) {
            logKey("EARLY_EXPORTER_SECRET", early.earlyExporterMasterSecret(secret, helloHash));
        }
    }

    /**
     * The PSKs to offer, in order: the configured external key, if any whose hash one of our suites has.
     * (Resumption will put its tickets first.)
     */
    private List<OfferedPsk> pskOffers() {
        List<OfferedPsk> psks = new ArrayList<>();
        OfferedPsk resumption = resumptionOffer();
        if (resumption != null) {
            psks.add(resumption);
        }
        if (config.externalPsk() != null
                && config.cipherSuites().stream().anyMatch(s -> s.hash() == config.externalPsk().hash())) {
            psks.add(OfferedPsk.external(config.externalPsk()));
        }
        return psks;
    }

    /**
     * The ticket to resume with, taken from the store (single use, RFC 8446 §C.4): one for our server name
     * whose suite's hash one of our suites has, with its obfuscated age (RFC 8446 §4.2.11.1); null for none.
     */
    private OfferedPsk resumptionOffer() {
        ClientTickets tickets = config.tickets();
        if (tickets == null || config.serverName() == null) {
            return null;
        }
        long now = tickets.clock().getAsLong();
        // RFC 9369 §5: never a ticket of another QUIC version than the one this ClientHello starts.
        ClientTicket ticket = tickets.store().take(config.serverName(), startVersion, now).orElse(null);
        if (ticket == null || config.cipherSuites().stream().noneMatch(s -> s.hash() == ticket.cipherSuite().hash())) {
            return null;
        }
        offeredTicket = ticket;
        return new OfferedPsk(ticket.ticket(), ticket.psk(), ticket.cipherSuite().hash(), ticket.obfuscatedAge(now),
                OfferedPsk.Kind.RESUMPTION, null);
    }

    private static List<Integer> codes(List<Integer> codes) {
        return List.copyOf(codes);
    }

    // ---- input -----------------------------------------------------------------------------------

    @Override
    void handle(FramedMessage message) throws TlsAlertException {
        HandshakeType type = message.handshakeType();
        switch (state) {
            case WAIT_SERVER_HELLO -> {
                expect(type, HandshakeType.SERVER_HELLO);
                onServerHello((ServerHello) decode(message), message);
            }
            case WAIT_ENCRYPTED_EXTENSIONS -> {
                expect(type, HandshakeType.ENCRYPTED_EXTENSIONS);
                onEncryptedExtensions((EncryptedExtensions) decode(message), message);
            }
            case WAIT_CERTIFICATE_OR_REQUEST -> {
                if (type == HandshakeType.CERTIFICATE_REQUEST) {
                    onCertificateRequest((CertificateRequest) decode(message), message);
                } else {
                    expect(type, HandshakeType.CERTIFICATE);
                    onCertificate((Certificate) decode(message), message);
                }
            }
            case WAIT_CERTIFICATE -> {
                expect(type, HandshakeType.CERTIFICATE);
                onCertificate((Certificate) decode(message), message);
            }
            case WAIT_CERTIFICATE_VERIFY -> {
                expect(type, HandshakeType.CERTIFICATE_VERIFY);
                onCertificateVerify((CertificateVerify) decode(message), message);
            }
            case WAIT_FINISHED -> {
                expect(type, HandshakeType.FINISHED);
                onFinished((Finished) decode(message), message);
            }
            case CONNECTED -> onPostHandshake(message);
        }
    }

    private HandshakeMessage decode(FramedMessage message) throws TlsAlertException {
        int finishedLength = schedule == null ? 0 : schedule.hash().length();
        return HandshakeCodec.decode(message, finishedLength);
    }

    private void expect(HandshakeType got, HandshakeType wanted) throws TlsAlertException {
        if (got != wanted) {
            // RFC 8446 §4: messages MUST be sent in order; anything else is unexpected_message.
            throw new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE,
                    "expected " + wanted + " in " + state + ", got " + got);
        }
    }

    private void onServerHello(ServerHello hello, FramedMessage raw) throws TlsAlertException {
        // RFC 8446 §4.1.3: supported_versions decides the version; without it the server chose TLS 1.2 or
        // older, which this TLS 1.3-only client refuses.
        SupportedVersionsServerHello version = Extensions.find(hello.extensions(), SupportedVersionsServerHello.class)
                .orElseThrow(() -> new TlsAlertException(TlsAlert.PROTOCOL_VERSION,
                        "ServerHello without supported_versions: the server does not speak TLS 1.3"));
        if (version.selectedVersion() != TLS13) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "server selected version 0x" + Integer.toHexString(version.selectedVersion()) + ", not offered");
        }
        for (Extension e : hello.extensions()) {
            // RFC 8446 §4.2: an extension response to a request we did not make is unsupported_extension.
            // A ServerHello may answer supported_versions, key_share and (when we offered one) pre_shared_key,
            // and a HelloRetryRequest may add a cookie (the codec keeps each form to its message).
            if (!(e instanceof SupportedVersionsServerHello) && !(e instanceof KeyShareServerHello)
                    && !(e instanceof KeyShareHelloRetryRequest) && !(e instanceof Cookie)
                    && !(e instanceof PreSharedKeyServerHello && !offeredPsks.isEmpty())) {
                throw new TlsAlertException(TlsAlert.UNSUPPORTED_EXTENSION,
                        "ServerHello carries extension " + e.typeCode() + ", which we did not offer");
            }
        }
        if (hello.legacyVersion() != LEGACY_VERSION) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "ServerHello legacy_version is not 0x0303");
        }
        // RFC 8446 §4.1.3: the echo must match what we sent.
        if (!hello.legacySessionIdEcho().contentEqualsConstantTime(legacySessionId)) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "legacy_session_id_echo differs from ours");
        }
        if (hello.legacyCompressionMethod() != 0) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "ServerHello compression method is not 0");
        }
        CipherSuite suite = CipherSuite.fromCode(hello.cipherSuite());
        if (suite == null || !config.cipherSuites().contains(suite)) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "server chose cipher suite 0x" + Integer.toHexString(hello.cipherSuite()) + ", not offered");
        }
        if (hello.isHelloRetryRequest()) {
            onHelloRetryRequest(hello, suite, raw);
            return;
        }
        if (retrySuite != null && suite != retrySuite) {
            // RFC 8446 §4.1.4: the ServerHello's cipher suite must be the HelloRetryRequest's.
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "ServerHello cipher suite " + suite
                    + " differs from the HelloRetryRequest's " + retrySuite);
        }
        selectedPsk = selectedPsk(hello, suite);
        var serverShare = Extensions.find(hello.extensions(), KeyShareServerHello.class);
        if (serverShare.isEmpty() && (selectedPsk == null || !config.pskModes().contains(PskMode.PSK_KE))) {
            // RFC 8446 §4.2.8, §4.2.9: without key_share only psk_ke, which needs a PSK and our offer of it.
            throw new TlsAlertException(TlsAlert.MISSING_EXTENSION, "ServerHello without key_share"
                    + (selectedPsk == null ? "" : ", but we did not offer psk_ke"));
        }
        if (serverShare.isPresent() && selectedPsk != null && !config.pskModes().contains(PskMode.PSK_DHE_KE)) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "ServerHello with key_share in a PSK handshake, but we offered psk_ke only");
        }
        KeyShareEntry entry = serverShare.map(KeyShareServerHello::serverShare).orElse(null);
        KeyShare ours = entry == null ? null : keyShares.get(entry.group());
        if (entry != null && ours == null) {
            // RFC 8446 §4.2.8: the server's share must be in a group we sent a share for.
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "server key share in group 0x" + Integer.toHexString(entry.group()) + ", which we did not offer");
        }
        // psk_ke: the (EC)DHE input is zeros (RFC 8446 §7.1).
        byte[] shared = ours == null ? new byte[suite.hash().length()]
                : ours.group().sharedSecret(ours.privateKey(), entry.keyExchange().toByteArray());
        // Our ephemeral keys have served their one use (RFC 8446 §4.2.8); forgetting them now keeps a connection
        // small, and an X25519MLKEM768 decapsulation key is kilobytes.
        keyShares.clear();

        cipherSuite = suite;
        keyExchangeGroup = ours == null ? null : ours.group();
        schedule = new KeySchedule(suite.hash());
        transcript.select(suite.hash());
        transcript.add(raw.message());
        earlySecret = schedule.earlySecret(selectedPsk == null ? null : selectedPsk.key());
        handshakeSecret = schedule.handshakeSecret(earlySecret, shared);
        byte[] helloHash = transcript.current();
        clientHandshakeSecret = schedule.clientHandshakeTrafficSecret(handshakeSecret, helloHash);
        serverHandshakeSecret = schedule.serverHandshakeTrafficSecret(handshakeSecret, helloHash);
        requireDrained(EncryptionLevel.INITIAL);
        state = State.WAIT_ENCRYPTED_EXTENSIONS;
        installSecret(EncryptionLevel.HANDSHAKE, KeyDirection.READ, serverHandshakeSecret,
                "SERVER_HANDSHAKE_TRAFFIC_SECRET");
        installSecret(EncryptionLevel.HANDSHAKE, KeyDirection.WRITE, clientHandshakeSecret,
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    }

    /**
     * Answers a HelloRetryRequest (RFC 8446 §4.1.4) with a second ClientHello at the Initial level: a share in
     * the group asked for, the cookie echoed, all else as before. Its legacy fields, version and suite were
     * checked as a ServerHello's; a second one is unexpected_message, one that changes nothing or asks for a
     * group we cannot or already did share is illegal_parameter.
     */
    private void onHelloRetryRequest(ServerHello retry, CipherSuite suite, FramedMessage raw)
            throws TlsAlertException {
        if (retrySuite != null) {
            // RFC 8446 §4.1.4: "If a client receives a second HelloRetryRequest in the same connection ... it
            // MUST abort the handshake with an "unexpected_message" alert."
            throw new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE, "a second HelloRetryRequest");
        }
        var selected = Extensions.find(retry.extensions(), KeyShareHelloRetryRequest.class);
        if (selected.isEmpty() && Extensions.find(retry.extensions(), Cookie.class).isEmpty()) {
            // RFC 8446 §4.1.4: "Clients MUST abort the handshake with an "illegal_parameter" alert if the
            // HelloRetryRequest would not result in any change in the ClientHello."
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "HelloRetryRequest that changes nothing");
        }
        if (selected.isPresent()) {
            int group = selected.get().selectedGroup();
            NamedGroup named = NamedGroup.fromCode(group);
            // RFC 8446 §4.2.8: a group not in our supported_groups, or one we already sent a share for, is
            // illegal_parameter.
            if (named == null || !config.groups().contains(named) || keyShares.containsKey(group)) {
                throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "HelloRetryRequest selects group 0x"
                        + Integer.toHexString(group) + ", which we did not offer or already sent a share for");
            }
        }
        retrySuite = suite;
        // RFC 8446 §4.4.1: ClientHello1 is replaced in the transcript by message_hash, then come the
        // HelloRetryRequest and ClientHello2.
        transcript.select(suite.hash());
        transcript.replaceWithMessageHash();
        transcript.add(raw.message());
        requireDrained(EncryptionLevel.INITIAL);
        List<Extension> extensions = new ArrayList<>();
        for (Extension e : sentHello.extensions()) {
            if (e instanceof KeyShareClientHello old) {
                extensions.add(selected.isPresent() ? retryShare(selected.get().selectedGroup()) : old);
                var cookie = Extensions.find(retry.extensions(), Cookie.class);
                // RFC 8446 §4.2.2: the cookie is echoed in the new ClientHello.
                cookie.ifPresent(extensions::add);
            } else if (!(e instanceof Cookie) && !(e instanceof PreSharedKeyClientHello)
                    && !(e instanceof EarlyDataIndication)) {
                // RFC 8446 §4.1.2: early_data is removed from the second ClientHello.
                extensions.add(e);
            }
        }
        if (earlyDataTicket != null) {
            // RFC 8446 §4.2.10: after a HelloRetryRequest the server has rejected the early data.
            earlyDataTicket = null;
            emit(new TlsEvent.EarlyDataStatus(false));
        }
        // RFC 8446 §4.1.4: PSKs for another hash than the HelloRetryRequest's suite are dropped; the binders of
        // the rest are recomputed over message_hash, the HelloRetryRequest and the truncated ClientHello2.
        offeredPsks = PskBinder.withHash(offeredPsks, suite.hash());
        if (!offeredPsks.isEmpty()) {
            extensions = PskBinder.withPlaceholder(extensions, offeredPsks);
        }
        ClientHello second = new ClientHello(sentHello.legacyVersion(), sentHello.random(),
                sentHello.legacySessionId(), sentHello.cipherSuites(), sentHello.legacyCompressionMethods(),
                extensions);
        if (!offeredPsks.isEmpty()) {
            second = PskBinder.bind(second, offeredPsks, transcript);
        }
        sentHello = second;
        send(EncryptionLevel.INITIAL, HandshakeCodec.encode(second));
    }

    /**
     * The PSK the ServerHello's pre_shared_key selects, or null without one (RFC 8446 §4.2.11): "Clients MUST
     * verify that the server's selected_identity is within the range supplied by the client, that the server
     * selected a cipher suite indicating a Hash associated with the PSK" (illegal_parameter otherwise).
     */
    private OfferedPsk selectedPsk(ServerHello hello, CipherSuite suite) throws TlsAlertException {
        var selected = Extensions.find(hello.extensions(), PreSharedKeyServerHello.class);
        if (selected.isEmpty()) {
            return null;
        }
        int index = selected.get().selectedIdentity();
        if (index >= offeredPsks.size()) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "server selected PSK " + index + " of the " + offeredPsks.size() + " we offered");
        }
        OfferedPsk psk = offeredPsks.get(index);
        if (psk.hash() != suite.hash()) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "server selected a PSK bound to " + psk.hash() + " with cipher suite " + suite);
        }
        return psk;
    }

    /** Replaces our key shares by one in {@code group}, checked by the caller (RFC 8446 §4.1.2). */
    private KeyShareClientHello retryShare(int group) {
        NamedGroup named = NamedGroup.fromCode(group);
        KeyShare share = named.generate(random);
        keyShares.clear();
        keyShares.put(group, share);
        return new KeyShareClientHello(List.of(new KeyShareEntry(group, Opaque.of(share.publicBytes()))));
    }

    private void onEncryptedExtensions(EncryptedExtensions ee, FramedMessage raw) throws TlsAlertException {
        for (Extension e : ee.extensions()) {
            switch (e) {
                case ServerName s -> {
                    // RFC 6066 §3: an empty server_name acknowledges ours; only if we sent one.
                    if (config.serverName() == null || HostNames.isIpLiteral(config.serverName())) {
                        throw new TlsAlertException(TlsAlert.UNSUPPORTED_EXTENSION, "server_name we did not send");
                    }
                }
                case SupportedGroups g -> {
                    // RFC 8446 §4.2.7: the server's preference, informational only.
                }
                case ApplicationLayerProtocolNegotiation alpn -> {
                    if (config.applicationProtocols().isEmpty()) {
                        // RFC 8446 §4.2: a response to an extension we did not send.
                        throw new TlsAlertException(TlsAlert.UNSUPPORTED_EXTENSION, "ALPN we did not offer");
                    }
                    // RFC 7301 §3.1: exactly one protocol, one we offered.
                    if (alpn.protocols().size() != 1 || !config.applicationProtocols().contains(alpn.protocols().get(0))) {
                        throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                                "server selected ALPN " + PeerText.escape(alpn.protocols().toString())
                                        + ", not one of ours");
                    }
                    applicationProtocol = alpn.protocols().get(0);
                }
                case QuicTransportParameters tp -> {
                    if (transportParameters == null) {
                        throw new TlsAlertException(TlsAlert.UNSUPPORTED_EXTENSION,
                                "quic_transport_parameters we did not send");
                    }
                    serverTransportParameters = tp.parameters().toByteArray();
                    emit(new TlsEvent.PeerTransportParameters(tp.parameters().toByteArray()));
                }
                case EarlyDataIndication d -> acceptedEarlyData();
                default -> throw new TlsAlertException(TlsAlert.UNSUPPORTED_EXTENSION,
                        "EncryptedExtensions carries extension " + e.typeCode() + ", which we did not offer");
            }
        }
        if (quic) {
            // RFC 9001 §8.2: the extension is mandatory in QUIC; missing_extension otherwise.
            if (Extensions.find(ee.extensions(), QuicTransportParameters.class).isEmpty()) {
                throw new TlsAlertException(TlsAlert.MISSING_EXTENSION, "no quic_transport_parameters from the server");
            }
            // RFC 9001 §8.1: without an agreed application protocol the connection MUST close.
            if (applicationProtocol == null) {
                throw new TlsAlertException(TlsAlert.NO_APPLICATION_PROTOCOL, "the server selected no ALPN protocol");
            }
        }
        if (earlyDataTicket != null) {
            String alpn = applicationProtocol == null ? "" : applicationProtocol;
            if (earlyDataAccepted && !alpn.equals(earlyDataTicket.alpn())) {
                // RFC 8446 §4.2.10: 0-RTT is accepted only with the ALPN the ticket was issued under.
                throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "early_data accepted with ALPN "
                        + PeerText.escape(alpn) + ", not the ticket's");
            }
            emit(new TlsEvent.EarlyDataStatus(earlyDataAccepted));
        }
        transcript.add(raw.message());
        // RFC 8446 §2.2, §4.3.2: a PSK handshake has no CertificateRequest, Certificate or CertificateVerify.
        state = selectedPsk != null ? State.WAIT_FINISHED : State.WAIT_CERTIFICATE_OR_REQUEST;
    }

    /**
     * early_data in EncryptedExtensions: the server accepted our 0-RTT data (RFC 8446 §4.2.10). Only an answer
     * to our early_data (RFC 8446 §4.2: else unsupported_extension; a second ClientHello has none); "the
     * client MUST verify that the server's selected_identity is 0" (else illegal_parameter), and the server
     * must use the ticket's cipher suite.
     */
    private void acceptedEarlyData() throws TlsAlertException {
        if (earlyDataTicket == null) {
            throw new TlsAlertException(TlsAlert.UNSUPPORTED_EXTENSION, "early_data accepted, but we sent none");
        }
        if (selectedPsk == null || offeredPsks.isEmpty() || selectedPsk != offeredPsks.get(0)) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "early_data accepted with a PSK other than the first identity");
        }
        if (cipherSuite != earlyDataTicket.cipherSuite()) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "early_data accepted under cipher suite "
                    + cipherSuite + ", not the ticket's " + earlyDataTicket.cipherSuite());
        }
        earlyDataAccepted = true;
    }

    private void onCertificateRequest(CertificateRequest request, FramedMessage raw) throws TlsAlertException {
        // RFC 8446 §4.3.2: the context "SHALL be zero length unless used for the post-handshake
        // authentication exchanges".
        if (!request.certificateRequestContext().isEmpty()) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "CertificateRequest with a context in the handshake");
        }
        // RFC 8446 §4.3.2: "The "signature_algorithms" extension MUST be specified"; §6.2: missing_extension.
        if (request.extension(SignatureAlgorithms.class).isEmpty()) {
            throw new TlsAlertException(TlsAlert.MISSING_EXTENSION, "CertificateRequest without signature_algorithms");
        }
        // Answered after the server's Finished (RFC 8446 §4.4): see sendClientCertificate.
        certificateRequestContext = request.certificateRequestContext().toByteArray();
        requestedSchemes = request.extension(SignatureAlgorithms.class).orElseThrow().supportedSignatureAlgorithms();
        requestedCertificateSchemes = request.extension(SignatureAlgorithmsCert.class)
                .map(SignatureAlgorithmsCert::supportedSignatureAlgorithms).orElse(requestedSchemes);
        requestedAuthorities = request.extension(CertificateAuthorities.class)
                .map(c -> Set.copyOf(c.authorities())).orElse(null);
        transcript.add(raw.message());
        state = State.WAIT_CERTIFICATE;
    }

    private void onCertificate(Certificate certificate, FramedMessage raw) throws TlsAlertException {
        // RFC 8446 §4.4.2: a server's certificate_request_context is empty.
        if (!certificate.certificateRequestContext().isEmpty()) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER, "server Certificate with a request context");
        }
        // RFC 8446 §4.4.2.4: an empty server Certificate is a decode_error.
        if (certificate.certificateList().isEmpty()) {
            throw new TlsAlertException(TlsAlert.DECODE_ERROR, "the server sent no certificate");
        }
        for (var entry : certificate.certificateList()) {
            // RFC 8446 §4.4.2: the server's entry extensions "MUST correspond to ones from the ClientHello";
            // this client requests none (no status_request, no signed_certificate_timestamp), so any is an
            // unrequested response (RFC 8446 §4.2).
            if (!entry.extensions().isEmpty()) {
                throw new TlsAlertException(TlsAlert.UNSUPPORTED_EXTENSION, "certificate entry extension "
                        + entry.extensions().get(0).typeCode() + ", which we did not request");
            }
        }
        List<byte[]> der = certificate.certificateList().stream().map(e -> e.certData().toByteArray()).toList();
        List<X509Certificate> chain = CertificateValidator.parseChain(der);
        CertificateValidator validator = config.certificateValidator();
        if (!validator.isInsecure()) {
            X509Certificate unacceptable = CertificateChains.firstUnacceptableSignature(chain,
                    config.certificateSignatureSchemes().stream().map(SignatureScheme::code).toList());
            if (unacceptable != null) {
                // RFC 8446 §4.4.2.2: a client that cannot accept the chain aborts, by default with
                // unsupported_certificate; §4.4.2.4: bad_certificate for MD5 (MUST) and SHA-1.
                throw CertificateChains.refusal(unacceptable, "server", "which we do not accept");
            }
        }
        transcript.add(raw.message());
        String host = config.serverName();
        runTask(config.delegateTasks(), () -> validator.validateServer(chain, host), () -> {
            serverChain = chain;
            peerCertificates = List.copyOf(chain);
            state = State.WAIT_CERTIFICATE_VERIFY;
        });
    }

    private void onCertificateVerify(CertificateVerify verify, FramedMessage raw) throws TlsAlertException {
        SignatureScheme scheme = SignatureScheme.fromCode(verify.algorithm());
        // RFC 8446 §4.4.3: the scheme must be one we offered, and fit the certificate's key.
        if (scheme == null || !config.signatureSchemes().contains(scheme) || !scheme.usableInTls13CertificateVerify()) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "CertificateVerify with scheme 0x" + Integer.toHexString(verify.algorithm()) + ", not offered");
        }
        var key = serverChain.get(0).getPublicKey();
        if (!scheme.matches(key)) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "CertificateVerify scheme " + scheme + " does not fit the certificate's key");
        }
        if (!scheme.verify(key, transcript.current(), true, verify.signature().toByteArray())) {
            throw new TlsAlertException(TlsAlert.DECRYPT_ERROR, "the server's CertificateVerify signature is wrong");
        }
        transcript.add(raw.message());
        state = State.WAIT_FINISHED;
    }

    private void onFinished(Finished finished, FramedMessage raw) throws TlsAlertException {
        if (!schedule.verifyFinished(serverHandshakeSecret, transcript.current(), finished.verifyData().toByteArray())) {
            throw new TlsAlertException(TlsAlert.DECRYPT_ERROR, "the server's Finished is wrong");
        }
        transcript.add(raw.message());
        byte[] serverFinishedHash = transcript.current();
        byte[] master = schedule.masterSecret(handshakeSecret);
        byte[] clientApplicationSecret = schedule.clientApplicationTrafficSecret(master, serverFinishedHash);
        byte[] serverApplicationSecret = schedule.serverApplicationTrafficSecret(master, serverFinishedHash);
        requireDrained(EncryptionLevel.HANDSHAKE);
        state = State.CONNECTED;
        installSecret(EncryptionLevel.APPLICATION, KeyDirection.READ, serverApplicationSecret,
                "SERVER_TRAFFIC_SECRET_0");
        if (earlyDataAccepted && !quic) {
            // RFC 8446 §4.5: over TCP the early data ends with EndOfEarlyData under the early traffic key,
            // before our Certificate and Finished; RFC 9001 §8.3: never in QUIC.
            send(EncryptionLevel.EARLY_DATA, HandshakeCodec.encode(new EndOfEarlyData()));
        }
        if (certificateRequestContext != null) {
            sendClientCertificate();
        }
        byte[] verifyData = schedule.finishedVerifyData(clientHandshakeSecret, transcript.current());
        send(EncryptionLevel.HANDSHAKE, HandshakeCodec.encode(new Finished(Opaque.of(verifyData))));
        if (config.tickets() != null) {
            // RFC 8446 §7.1: over the transcript through our Finished, for the tickets to come.
            resumptionMasterSecret = schedule.resumptionMasterSecret(master, transcript.current());
        }
        // Only now: 1-RTT data must not overtake the Finished just queued (RFC 9001 §4.1.4).
        installSecret(EncryptionLevel.APPLICATION, KeyDirection.WRITE, clientApplicationSecret,
                "CLIENT_TRAFFIC_SECRET_0");
        if (keyLog != null) {
            logKey("EXPORTER_SECRET", schedule.exporterMasterSecret(master, serverFinishedHash));
        }
        complete();
        pskIdentity = selectedPsk == null ? null : selectedPsk.reportedIdentity();
        resumed = selectedPsk != null && selectedPsk.kind() == OfferedPsk.Kind.RESUMPTION;
        emit(new TlsEvent.HandshakeComplete(applicationProtocol, cipherSuite, peerCertificates, pskIdentity,
                resumed));
    }

    /**
     * Answers the CertificateRequest (RFC 8446 §4.4.2, §4.4.3): the chain of the first credential the request
     * allows (see {@link CertificateChains#clientCredentialScheme}) and a CertificateVerify, else an empty Certificate (RFC 8446
     * §4.4.2.4), leaving the server to decide whether that is enough.
     */
    private void sendClientCertificate() throws TlsAlertException {
        Credential credential = null;
        SignatureScheme scheme = null;
        for (Credential c : config.credentials()) {
            scheme = allowedScheme(c);
            if (scheme != null) {
                credential = c;
                break;
            }
        }
        if (scheme == null) {
            send(EncryptionLevel.HANDSHAKE,
                    HandshakeCodec.encode(new Certificate(Opaque.of(certificateRequestContext), List.of())));
            return;
        }
        List<CertificateEntry> entries = new ArrayList<>();
        for (X509Certificate cert : credential.chain()) {
            try {
                entries.add(new CertificateEntry(Opaque.of(cert.getEncoded()), List.of()));
            } catch (CertificateEncodingException e) {
                throw new TlsAlertException(TlsAlert.INTERNAL_ERROR, "cannot encode our certificate", e);
            }
        }
        send(EncryptionLevel.HANDSHAKE,
                HandshakeCodec.encode(new Certificate(Opaque.of(certificateRequestContext), entries)));
        byte[] signature = scheme.sign(credential.privateKey(), transcript.current(), false, random);
        send(EncryptionLevel.HANDSHAKE,
                HandshakeCodec.encode(new CertificateVerify(scheme.code(), Opaque.of(signature))));
    }

    /** {@return the scheme to sign our CertificateVerify with if the CertificateRequest allows this credential} */
    private SignatureScheme allowedScheme(Credential credential) {
        return CertificateChains.clientCredentialScheme(credential, requestedSchemes, requestedCertificateSchemes,
                requestedAuthorities, config.signatureSchemes());
    }

    private void onPostHandshake(FramedMessage message) throws TlsAlertException {
        if (message.handshakeType() == HandshakeType.NEW_SESSION_TICKET) {
            onNewSessionTicket((NewSessionTicket) decode(message));
            return;
        }
        // RFC 9001 §6: TLS KeyUpdate is forbidden in QUIC; nothing else may follow the handshake.
        throw new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE,
                "post-handshake message type " + message.type() + " is not allowed");
    }

    /**
     * A session ticket (RFC 8446 §4.6.1): checked, then kept for the next connection to our server name; a
     * client without a ticket store or server name checks and drops it.
     */
    private void onNewSessionTicket(NewSessionTicket ticket) throws TlsAlertException {
        // RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds"; §6.2: illegal_parameter.
        if (ticket.ticketLifetime() > SessionState.MAX_LIFETIME_SECONDS) {
            throw new TlsAlertException(TlsAlert.ILLEGAL_PARAMETER,
                    "ticket_lifetime " + ticket.ticketLifetime() + " s, more than seven days");
        }
        long maxEarly = ticket.extension(EarlyDataNewSessionTicket.class)
                .map(EarlyDataNewSessionTicket::maxEarlyDataSize).orElse(0L);
        if (quic && ticket.extension(EarlyDataNewSessionTicket.class).isPresent()
                && maxEarly != EarlyDataNewSessionTicket.QUIC_MAX_EARLY_DATA_SIZE) {
            // RFC 9001 §4.6.1: any other value is a connection error of type PROTOCOL_VIOLATION, which the driver
            // gives the transport; the engine's own view stays the nearest alert, illegal_parameter.
            throw TlsAlertException.quicProtocolViolation(TlsAlert.ILLEGAL_PARAMETER,
                    "early_data max_early_data_size " + maxEarly + " in QUIC, not 0xffffffff");
        }
        ClientTickets tickets = config.tickets();
        if (tickets == null || config.serverName() == null || ticket.ticketLifetime() == 0) {
            return;
        }
        byte[] psk = SessionState.resumptionPsk(cipherSuite.hash(), resumptionMasterSecret,
                ticket.ticketNonce().toByteArray());
        String sni = HostNames.isIpLiteral(config.serverName()) ? "" : config.serverName();
        ClientTicket kept;
        try {
            kept = new ClientTicket(ticket.ticket().toByteArray(), psk, cipherSuite,
                    applicationProtocol == null ? "" : applicationProtocol, sni.length() > 255 ? "" : sni,
                    tickets.clock().getAsLong(), ticket.ticketLifetime(), ticket.ticketAgeAdd(), maxEarly,
                    serverTransportParameters, quicVersion == null ? 0 : quicVersion.getAsInt());
        } catch (IllegalArgumentException e) {
            return; // an ALPN a ticket record cannot hold: the ticket is dropped, the connection is fine
        }
        tickets.store().store(config.serverName(), kept);
    }
}
