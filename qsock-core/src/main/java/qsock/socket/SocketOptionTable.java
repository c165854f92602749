package qsock.socket;

import java.io.IOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import qsock.api.ConnectionConfig;
import qsock.core.error.ConnectionError;
import qsock.core.runtime.IoEndpoint;
import qsock.core.runtime.UdpOptions;

/**
 * A socket's {@link QuicSocketOptions}: their values, and what setting and getting each one does, found by the
 * option in one table (as the JDK's {@code ExtendedSocketOptions} dispatch), so that a new option is one entry. What
 * an entry needs of its socket (its settings, its connection, the time of the call in the socket's life) it asks the
 * {@link Host}. The values are read without a lock by the calls they shape; setting them is serialized by the
 * socket.
 */
final class SocketOptionTable {

    /**
     * The socket behind the table, as its options see it. Each method is the socket's, taking the locks it needs; the
     * table's entries hold none of their own.
     */
    interface Host {
        /** {@return the socket's UDP endpoint, or null while unbound} */
        IoEndpoint bound();

        /** {@return why the connection ended, or null} */
        ConnectionError closeError();

        /** {@return the settings the socket's connections get (or its connection got)} */
        ConnectionConfig config();

        /**
         * Replaces the settings with {@code change} of them.
         *
         * @throws IllegalStateException once connect or listen took them, or on an accepted socket, naming {@code
         *     option}
         */
        void changeConfig(UnaryOperator<ConnectionConfig> change, SocketOption<?> option) throws IOException;

        /** {@return whether the socket is a server's: it listened, or accept returned it} */
        boolean serverSide();

        /** {@return whether the socket listened} */
        boolean listened();

        /** {@return whether the socket is a connection: connected, or accepted} */
        boolean connected();

        /** {@return whether the connection's handshake wrote its first flight (false without a connection)} */
        boolean handshakeStarted();

        /**
         * {@return the ALPN the connection's handshake negotiated, "" if none; null before the handshake completed or
         * without a connection}
         */
        String negotiatedAlpn();

        /** {@return the peer's transport parameters as the draft reads them, or null before they arrived} */
        PeerTransportParameters peerTransportParameters();

        /** A server's connection sends a NEW_TOKEN frame with a fresh token now. */
        void issueNewToken() throws IOException;

        /** Installs a secret through the connection's handshake channel, during the handshake only. */
        void installSecret(CryptoSecret secret) throws IOException;

        /** {@return our transport parameters extension, during the handshake only} */
        byte[] localTransportParameterExtension() throws IOException;

        /** Hands the connection the peer's transport parameters extension, during the handshake only. */
        void peerTransportParameterExtension(byte[] extension) throws IOException;

        /** {@link QuicSocket#resetStream}. */
        void resetStream(long streamId, long errorCode) throws IOException;

        /** {@link QuicSocket#stopSending}. */
        void stopSending(long streamId, long errorCode) throws IOException;
    }

    /** What {@link #set} and {@link #get} do for one option. */
    private interface Entry<T> {
        void set(SocketOptionTable table, T value, Host host) throws IOException;

        T get(SocketOptionTable table, Host host) throws IOException;
    }

    /** An option that is a plain value kept in the table, applied by the socket where it takes effect. */
    private static <T> Entry<T> value(java.util.function.BiConsumer<SocketOptionTable, T> setter,
                                      java.util.function.Function<SocketOptionTable, T> getter) {
        return new Entry<>() {
            @Override
            public void set(SocketOptionTable t, T value, Host host) {
                setter.accept(t, value);
            }

            @Override
            public T get(SocketOptionTable t, Host host) {
                return getter.apply(t);
            }
        };
    }

    /** An option that can only be set (the draft's write-only options): reading it is refused. */
    private interface WriteOnly<T> extends Entry<T> {
        @Override
        default T get(SocketOptionTable t, Host host) {
            throw new UnsupportedOperationException("a write-only option: set it to act, there is nothing to read");
        }
    }

    private static final Map<SocketOption<?>, Entry<?>> ENTRIES = Map.ofEntries(
            Map.entry(QuicSocketOptions.VALIDATE_PEER_ADDRESS, value((t, v) -> t.validation =
                    t.validation.withAlwaysRetry(Objects.requireNonNull((Boolean) v, "value")),
                    t -> t.validation.alwaysRetry())),
            Map.entry(QuicSocketOptions.RETRY_THRESHOLD, value((t, v) -> t.validation = t.validation.withRetryThreshold(
                    Objects.requireNonNull((Integer) v, "value")), t -> t.validation.retryThreshold())),
            Map.entry(QuicSocketOptions.TOKEN_KEYS, value((t, v) -> t.validation = t.validation.withKeys(
                    (qsock.api.TokenKeys) v), t -> t.validation.keys())),
            Map.entry(QuicSocketOptions.TOKEN_STORE, value((t, v) -> t.tokenStore = (qsock.api.TokenStore) v,
                    t -> t.tokenStore)),
            Map.entry(QuicSocketOptions.TOKEN, new Entry<byte[]>() {
                @Override
                public void set(SocketOptionTable t, byte[] token, Host host) throws IOException {
                    if (host.serverSide()) {
                        // The draft: on a server, setting TOKEN (with no value) issues a NEW_TOKEN frame.
                        if (token != null) {
                            throw new IllegalArgumentException("a server's token is sealed by the server: set TOKEN "
                                    + "to null to issue one");
                        }
                        if (!host.connected()) {
                            throw new IllegalStateException("a listener issues no token: set TOKEN on an accepted "
                                    + "socket once its handshake completed");
                        }
                        host.issueNewToken();
                        return;
                    }
                    if (host.connected()) {
                        // The token is for the first Initial; after connect the slot holds what the connection receives.
                        throw new java.nio.channels.AlreadyConnectedException();
                    }
                    if (token != null && (token.length == 0 || token.length > qsock.api.TokenStore.MAX_TOKEN_LENGTH)) {
                        throw new IllegalArgumentException("a token has 1 to " + qsock.api.TokenStore.MAX_TOKEN_LENGTH
                                + " bytes, not " + token.length);
                    }
                    t.token = token == null ? null : token.clone();
                }

                @Override
                public byte[] get(SocketOptionTable t, Host host) {
                    byte[] token = t.token;
                    return token == null ? null : token.clone();
                }
            }),
            Map.entry(QuicSocketOptions.TIMEOUT, new Entry<Duration>() {
                @Override
                public void set(SocketOptionTable t, Duration d, Host host) {
                    if (d != null && (d.isNegative() || d.isZero())) {
                        throw new IllegalArgumentException("timeout must be positive, or null for none: " + d);
                    }
                    t.timeout = d;
                }

                @Override
                public Duration get(SocketOptionTable t, Host host) {
                    return t.timeout;
                }
            }),
            Map.entry(QuicSocketOptions.ALPN, new Entry<List<String>>() {
                @Override
                public void set(SocketOptionTable t, List<String> list, Host host) {
                    List<String> copy = checkAlpn(list);
                    if (host.listened()) {
                        // The draft: ALPNs are set before listen(), where routing by them starts.
                        throw new IllegalStateException("ALPN is set before listen");
                    }
                    if (host.negotiatedAlpn() != null) {
                        throw new IllegalStateException("the handshake negotiated the ALPN already");
                    }
                    t.alpn = copy;
                }

                @Override
                public List<String> get(SocketOptionTable t, Host host) {
                    String negotiated = host.negotiatedAlpn();
                    if (negotiated != null) {
                        return negotiated.isEmpty() ? List.of() : List.of(negotiated);
                    }
                    return t.alpn;
                }
            }),
            Map.entry(QuicSocketOptions.RECEIVE_BUFFER_SIZE, new Entry<Integer>() {
                @Override
                public void set(SocketOptionTable t, Integer value, Host host) throws IOException {
                    t.receiveBufferSize = positive(value);
                    IoEndpoint bound = host.bound();
                    if (bound != null) {
                        bound.setOption(StandardSocketOptions.SO_RCVBUF, t.receiveBufferSize);
                    }
                }

                @Override
                public Integer get(SocketOptionTable t, Host host) throws IOException {
                    IoEndpoint bound = host.bound();
                    return bound == null ? t.receiveBufferSize : bound.getOption(StandardSocketOptions.SO_RCVBUF);
                }
            }),
            Map.entry(QuicSocketOptions.SEND_BUFFER_SIZE, new Entry<Integer>() {
                @Override
                public void set(SocketOptionTable t, Integer value, Host host) throws IOException {
                    t.sendBufferSize = positive(value);
                    IoEndpoint bound = host.bound();
                    if (bound != null) {
                        bound.setOption(StandardSocketOptions.SO_SNDBUF, t.sendBufferSize);
                    }
                }

                @Override
                public Integer get(SocketOptionTable t, Host host) throws IOException {
                    IoEndpoint bound = host.bound();
                    return bound == null ? t.sendBufferSize : bound.getOption(StandardSocketOptions.SO_SNDBUF);
                }
            }),
            Map.entry(QuicSocketOptions.CONNECTION_CLOSE, new Entry<ConnectionCloseInfo>() {
                @Override
                public void set(SocketOptionTable t, ConnectionCloseInfo info, Host host) {
                    Objects.requireNonNull(info, "value");
                    // What close() sends is an application's CONNECTION_CLOSE, which has no frame type (RFC 9000
                    // §19.19): one given is dropped, as the kernel does, so that the option reads what is sent.
                    t.closeInfo = ConnectionCloseInfo.of(info.errorCode(), info.reason());
                }

                @Override
                public ConnectionCloseInfo get(SocketOptionTable t, Host host) {
                    ConnectionError error = host.closeError();
                    if (error != null && error.byPeer()) {
                        return new ConnectionCloseInfo(error.code(), error.frameType(), error.reason());
                    }
                    return t.closeInfo;
                }
            }),
            Map.entry(QuicSocketOptions.TRANSPORT_PARAM, new Entry<LocalTransportParameters>() {
                @Override
                public void set(SocketOptionTable t, LocalTransportParameters p, Host host) throws IOException {
                    Objects.requireNonNull(p, "value").check();
                    host.changeConfig(p::applyTo, QuicSocketOptions.TRANSPORT_PARAM);
                }

                @Override
                public LocalTransportParameters get(SocketOptionTable t, Host host) {
                    return LocalTransportParameters.of(host.config());
                }
            }),
            Map.entry(QuicSocketOptions.REMOTE_TRANSPORT_PARAMETERS, new Entry<PeerTransportParameters>() {
                @Override
                public void set(SocketOptionTable t, PeerTransportParameters p, Host host) {
                    if (host.serverSide()) {
                        throw new IllegalStateException("the remembered server parameters are a client's, for 0-RTT");
                    }
                    if (host.handshakeStarted()) {
                        throw new IllegalStateException("the remembered server parameters are set before the "
                                + "handshake starts: its 0-RTT attempt has chosen its limits");
                    }
                    if (p == null) {
                        t.remembered = null;
                        return;
                    }
                    p.checkRemembered();
                    t.remembered = new Remembered(p, p.encodeRemembered());
                }

                @Override
                public PeerTransportParameters get(SocketOptionTable t, Host host) {
                    PeerTransportParameters peer = host.peerTransportParameters();
                    if (peer != null) {
                        return peer;
                    }
                    Remembered r = t.remembered;
                    return r == null ? null : r.parameters();
                }
            }),
            Map.entry(QuicSocketOptions.CONFIG, new Entry<QuicConfig>() {
                @Override
                public void set(SocketOptionTable t, QuicConfig c, Host host) throws IOException {
                    Objects.requireNonNull(c, "value").check();
                    // Refused as a whole, before the socket's own fields change, if the timing is wrong.
                    host.changeConfig(c::applyTo, QuicSocketOptions.CONFIG);
                    t.validation = t.validation.withAlwaysRetry(c.validatePeerAddress());
                    t.payloadCipher = c.payloadCipher();
                    t.streamDataNodelay = c.streamDataNodelay();
                    t.receiveSessionTicket = c.receiveSessionTicket();
                    t.certificateRequest = c.certificateRequest();
                }

                @Override
                public QuicConfig get(SocketOptionTable t, Host host) {
                    return QuicConfig.of(host.config(), t);
                }
            }),
            Map.entry(QuicSocketOptions.SESSION_TICKET, new Entry<byte[]>() {
                @Override
                public void set(SocketOptionTable t, byte[] session, Host host) {
                    refuseOnServer(host);
                    if (host.handshakeStarted()) {
                        throw new IllegalStateException("the session to resume is set before the handshake starts");
                    }
                    if (session != null && (session.length < OptionRanges.MIN_SESSION_TICKET
                            || session.length > OptionRanges.MAX_SESSION_TICKET)) {
                        throw new IllegalArgumentException("a session has " + OptionRanges.MIN_SESSION_TICKET + " to "
                                + OptionRanges.MAX_SESSION_TICKET + " bytes, not " + session.length);
                    }
                    t.session = session == null ? null : session.clone();
                }

                @Override
                public byte[] get(SocketOptionTable t, Host host) {
                    refuseOnServer(host);
                    byte[] session = t.session;
                    return session == null ? null : session.clone();
                }

                private static void refuseOnServer(Host host) {
                    if (host.serverSide()) {
                        throw new UnsupportedOperationException("SESSION_TICKET is a client's: a server's ticket keys "
                                + "belong to its TLS configuration (qsock-tls ServerTickets and TicketSealer), where "
                                + "servers share them");
                    }
                }
            }),
            Map.entry(QuicSocketOptions.CRYPTO_SECRET, (WriteOnly<CryptoSecret>) (t, secret, host) ->
                    host.installSecret(Objects.requireNonNull(secret, "value"))),
            Map.entry(QuicSocketOptions.TRANSPORT_PARAM_EXT, new Entry<byte[]>() {
                @Override
                public void set(SocketOptionTable t, byte[] extension, Host host) throws IOException {
                    Objects.requireNonNull(extension, "value");
                    if (extension.length > OptionRanges.MAX_TRANSPORT_PARAM_EXT) {
                        throw new IllegalArgumentException("a transport parameter extension of at most "
                                + OptionRanges.MAX_TRANSPORT_PARAM_EXT + " bytes, not " + extension.length);
                    }
                    host.peerTransportParameterExtension(extension.clone());
                }

                @Override
                public byte[] get(SocketOptionTable t, Host host) throws IOException {
                    return host.localTransportParameterExtension();
                }
            }),
            Map.entry(QuicSocketOptions.STREAM_RESET, (WriteOnly<StreamErrorInfo>) (t, info, host) -> {
                Objects.requireNonNull(info, "value");
                host.resetStream(info.streamId(), info.errorCode());
            }),
            Map.entry(QuicSocketOptions.STREAM_STOP_SENDING, (WriteOnly<StreamErrorInfo>) (t, info, host) -> {
                Objects.requireNonNull(info, "value");
                host.stopSending(info.streamId(), info.errorCode());
            }));

    /** The server parameters set for 0-RTT ({@link QuicSocketOptions#REMOTE_TRANSPORT_PARAMETERS}), and encoded. */
    private record Remembered(PeerTransportParameters parameters, byte[] encoded) {}

    private volatile Duration timeout;
    private volatile List<String> alpn = List.of();
    private volatile int receiveBufferSize = UdpOptions.DEFAULT_BUFFER_SIZE;
    private volatile int sendBufferSize = UdpOptions.DEFAULT_BUFFER_SIZE;
    private volatile ConnectionCloseInfo closeInfo = ConnectionCloseInfo.NONE;
    private volatile qsock.core.endpoint.AddressValidation validation = qsock.core.endpoint.AddressValidation.defaults();
    private volatile qsock.api.TokenStore tokenStore;
    /** The TOKEN slot: the token set for the Initial until connect takes it, then the latest NEW_TOKEN token received. */
    private volatile byte[] token;
    /** The socket's own fields of {@link QuicConfig}. */
    private volatile PayloadCipher payloadCipher = PayloadCipher.ANY;
    /** Nagle off by default, unlike the kernel: see {@link QuicConfig#streamDataNodelay()}. */
    private volatile boolean streamDataNodelay = true;
    private volatile Duration receiveSessionTicket = Duration.ZERO;
    private volatile CertificateRequest certificateRequest = CertificateRequest.NONE;
    /**
     * The SESSION_TICKET slot: the session set to resume until the handshake takes it, then the latest received. Read
     * and written by the TLS stack's hooks on any thread, the I/O thread among them, without a lock.
     */
    private volatile byte[] session;
    private volatile Remembered remembered;

    /**
     * {@return a table for a socket {@code accept} returns}: this one's values, as the kernel's accept copies its
     * listener's config, timeouts and ALPNs; but the default close information, and no token, session or remembered
     * parameters, which are a connection's own
     */
    SocketOptionTable forAccepted() {
        SocketOptionTable t = new SocketOptionTable();
        t.timeout = timeout;
        t.alpn = alpn;
        t.receiveBufferSize = receiveBufferSize;
        t.sendBufferSize = sendBufferSize;
        t.validation = validation;
        t.payloadCipher = payloadCipher;
        t.streamDataNodelay = streamDataNodelay;
        t.receiveSessionTicket = receiveSessionTicket;
        t.certificateRequest = certificateRequest;
        return t;
    }

    /**
     * Sets {@code option} on the socket {@code host}.
     *
     * @throws UnsupportedOperationException for an option not in {@link QuicSocketOptions}
     */
    @SuppressWarnings("unchecked")
    <T> void set(SocketOption<T> option, T value, Host host) throws IOException {
        ((Entry<T>) entry(option)).set(this, value, host);
    }

    /**
     * {@return the value of {@code option} on the socket {@code host}}
     *
     * @throws UnsupportedOperationException for an option not in {@link QuicSocketOptions}, or a write-only one
     */
    @SuppressWarnings("unchecked")
    <T> T get(SocketOption<T> option, Host host) throws IOException {
        return ((Entry<T>) entry(option)).get(this, host);
    }

    private static Entry<?> entry(SocketOption<?> option) {
        Entry<?> e = ENTRIES.get(Objects.requireNonNull(option, "option"));
        if (e == null) {
            throw new UnsupportedOperationException("unsupported option " + option);
        }
        return e;
    }

    private static int positive(Integer value) {
        if (value == null || value <= 0) {
            throw new IllegalArgumentException("buffer size must be positive: " + value);
        }
        return value;
    }

    /**
     * {@return {@code list}, checked as the kernel module's quic_sock_set_alpn does}: each name 1 to 255 bytes with
     * no comma (the draft's form joins them with commas), the comma-joined form at most 128 bytes
     */
    private static List<String> checkAlpn(List<String> list) {
        Objects.requireNonNull(list, "value");
        List<String> copy = List.copyOf(list);
        int joined = 0;
        for (String p : copy) {
            int length = p.getBytes(StandardCharsets.UTF_8).length;
            if (length < 1 || length > 255) {
                throw new IllegalArgumentException("ALPN protocol names are 1-255 bytes: '" + p + "'");
            }
            if (p.indexOf(',') >= 0) {
                throw new IllegalArgumentException("an ALPN protocol name has no comma (the draft's list separator): '"
                        + p + "'");
            }
            joined += (joined == 0 ? 0 : 1) + length;
        }
        if (joined > OptionRanges.MAX_ALPN_LIST) {
            throw new IllegalArgumentException("the comma-joined ALPN list has " + joined + " bytes, more than "
                    + OptionRanges.MAX_ALPN_LIST);
        }
        return copy;
    }

    /** {@return how long a blocking call waits; null for ever} */
    Duration timeout() {
        return timeout;
    }

    /** {@return the ALPN protocols set} */
    List<String> alpn() {
        return alpn;
    }

    /** {@return the UDP buffer sizes to bind with} */
    UdpOptions udpOptions() {
        return new UdpOptions(receiveBufferSize, sendBufferSize);
    }

    /** {@return how a listening socket validates new clients' addresses (RFC 9000 §8.1)} */
    qsock.core.endpoint.AddressValidation addressValidation() {
        return validation;
    }

    /** {@return where a client socket keeps NEW_TOKEN tokens, or null} */
    qsock.api.TokenStore tokenStore() {
        return tokenStore;
    }

    /**
     * {@return what a client connection takes its Initial token from and gives its NEW_TOKEN tokens to}: the TOKEN
     * set, else the TOKEN_STORE's; received tokens go to the TOKEN slot and the store (RFC 9000 §8.1.3)
     */
    qsock.api.TokenStore connectTokenStore() {
        byte[] set = token;
        // The token set goes to this connection alone (RFC 9000 §8.1.3: not for more than one connection attempt);
        // the slot then holds only what this connection receives.
        token = null;
        return new SocketTokenStore(this, tokenStore, set);
    }

    /** A NEW_TOKEN token arrived on this socket's connection: the TOKEN option reads it from now on. */
    void tokenReceived(byte[] received) {
        token = received.clone();
    }

    /** {@return the close information this socket sends} */
    ConnectionCloseInfo closeInfo() {
        return closeInfo;
    }

    /** {@return the preferred payload cipher of {@link QuicConfig}} */
    PayloadCipher payloadCipher() {
        return payloadCipher;
    }

    /** {@return whether stream data is sent without waiting to fill packets ({@link QuicConfig#streamDataNodelay()})} */
    boolean streamDataNodelay() {
        return streamDataNodelay;
    }

    /** {@return how long a client's handshake helper waits for a session ticket} */
    Duration receiveSessionTicket() {
        return receiveSessionTicket;
    }

    /** {@return whether a server's handshake asks for a client certificate} */
    CertificateRequest certificateRequest() {
        return certificateRequest;
    }

    /** {@return the session set to resume, taken from the slot (which is then empty), or null} */
    byte[] takeSession() {
        byte[] s = session;
        session = null;
        return s;
    }

    /** A session the TLS stack made from a NewSessionTicket: SESSION_TICKET reads it from now on. */
    void sessionReceived(byte[] received) {
        session = received.clone();
    }

    /** {@return the server parameters set for 0-RTT, encoded, or null if none were} */
    byte[] rememberedPeerParameters() {
        Remembered r = remembered;
        return r == null ? null : r.encoded().clone();
    }
}
