package qsock.socket;

import java.io.IOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import qsock.core.error.ConnectionError;
import qsock.core.runtime.IoEndpoint;
import qsock.core.runtime.UdpOptions;

/**
 * A socket's {@link QuicSocketOptions}: their values, and what setting and getting each one does, found by the
 * option in one table (as the JDK's {@code ExtendedSocketOptions} dispatch), so that a new option is one entry. The
 * values are read without a lock by the calls they shape; setting them is serialized by the socket.
 */
final class SocketOptionTable {

    /** What {@link #set} and {@link #get} do for one option. */
    private interface Entry<T> {
        void set(SocketOptionTable table, T value, IoEndpoint bound) throws IOException;

        T get(SocketOptionTable table, IoEndpoint bound, Supplier<ConnectionError> closeError) throws IOException;
    }

    /** An option that is a plain value kept in the table, applied by the socket where it takes effect. */
    private static <T> Entry<T> value(java.util.function.BiConsumer<SocketOptionTable, T> setter,
                                      java.util.function.Function<SocketOptionTable, T> getter) {
        return new Entry<>() {
            @Override
            public void set(SocketOptionTable t, T value, IoEndpoint bound) {
                setter.accept(t, value);
            }

            @Override
            public T get(SocketOptionTable t, IoEndpoint bound, Supplier<ConnectionError> closeError) {
                return getter.apply(t);
            }
        };
    }

    private static final Map<SocketOption<?>, Entry<?>> ENTRIES = Map.of(
            QuicSocketOptions.VALIDATE_PEER_ADDRESS, value((t, v) -> t.validation = t.validation.withAlwaysRetry(
                    Objects.requireNonNull((Boolean) v, "value")), t -> t.validation.alwaysRetry()),
            QuicSocketOptions.RETRY_THRESHOLD, value((t, v) -> t.validation = t.validation.withRetryThreshold(
                    Objects.requireNonNull((Integer) v, "value")), t -> t.validation.retryThreshold()),
            QuicSocketOptions.TOKEN_KEYS, value((t, v) -> t.validation = t.validation.withKeys(
                    (qsock.api.TokenKeys) v), t -> t.validation.keys()),
            QuicSocketOptions.TOKEN_STORE, value((t, v) -> t.tokenStore = (qsock.api.TokenStore) v,
                    t -> t.tokenStore),
            QuicSocketOptions.TOKEN, new Entry<byte[]>() {
                @Override
                public void set(SocketOptionTable t, byte[] token, IoEndpoint bound) {
                    if (token != null && (token.length == 0 || token.length > qsock.api.TokenStore.MAX_TOKEN_LENGTH)) {
                        throw new IllegalArgumentException("a token has 1 to " + qsock.api.TokenStore.MAX_TOKEN_LENGTH
                                + " bytes, not " + token.length);
                    }
                    t.token = token == null ? null : token.clone();
                }

                @Override
                public byte[] get(SocketOptionTable t, IoEndpoint bound, Supplier<ConnectionError> closeError) {
                    byte[] token = t.token;
                    return token == null ? null : token.clone();
                }
            },
            QuicSocketOptions.TIMEOUT, new Entry<Duration>() {
                @Override
                public void set(SocketOptionTable t, Duration d, IoEndpoint bound) {
                    if (d != null && (d.isNegative() || d.isZero())) {
                        throw new IllegalArgumentException("timeout must be positive, or null for none: " + d);
                    }
                    t.timeout = d;
                }

                @Override
                public Duration get(SocketOptionTable t, IoEndpoint bound, Supplier<ConnectionError> closeError) {
                    return t.timeout;
                }
            },
            QuicSocketOptions.ALPN, new Entry<List<String>>() {
                @Override
                public void set(SocketOptionTable t, List<String> list, IoEndpoint bound) {
                    Objects.requireNonNull(list, "value");
                    List<String> copy = list.stream().map(p -> (String) Objects.requireNonNull(p)).toList();
                    for (String p : copy) {
                        if (p.isEmpty() || p.length() > 255) {
                            throw new IllegalArgumentException("ALPN protocol names are 1-255 bytes: '" + p + "'");
                        }
                    }
                    t.alpn = copy;
                }

                @Override
                public List<String> get(SocketOptionTable t, IoEndpoint bound, Supplier<ConnectionError> closeError) {
                    return t.alpn;
                }
            },
            QuicSocketOptions.RECEIVE_BUFFER_SIZE, new Entry<Integer>() {
                @Override
                public void set(SocketOptionTable t, Integer value, IoEndpoint bound) throws IOException {
                    t.receiveBufferSize = positive(value);
                    if (bound != null) {
                        bound.setOption(StandardSocketOptions.SO_RCVBUF, t.receiveBufferSize);
                    }
                }

                @Override
                public Integer get(SocketOptionTable t, IoEndpoint bound, Supplier<ConnectionError> closeError)
                        throws IOException {
                    return bound == null ? t.receiveBufferSize : bound.getOption(StandardSocketOptions.SO_RCVBUF);
                }
            },
            QuicSocketOptions.SEND_BUFFER_SIZE, new Entry<Integer>() {
                @Override
                public void set(SocketOptionTable t, Integer value, IoEndpoint bound) throws IOException {
                    t.sendBufferSize = positive(value);
                    if (bound != null) {
                        bound.setOption(StandardSocketOptions.SO_SNDBUF, t.sendBufferSize);
                    }
                }

                @Override
                public Integer get(SocketOptionTable t, IoEndpoint bound, Supplier<ConnectionError> closeError)
                        throws IOException {
                    return bound == null ? t.sendBufferSize : bound.getOption(StandardSocketOptions.SO_SNDBUF);
                }
            },
            QuicSocketOptions.CONNECTION_CLOSE, new Entry<ConnectionCloseInfo>() {
                @Override
                public void set(SocketOptionTable t, ConnectionCloseInfo info, IoEndpoint bound) {
                    Objects.requireNonNull(info, "value");
                    // What close() sends is an application's CONNECTION_CLOSE, which has no frame type (RFC 9000
                    // §19.19): one given is dropped, as the kernel does, so that the option reads what is sent.
                    t.closeInfo = ConnectionCloseInfo.of(info.errorCode(), info.reason());
                }

                @Override
                public ConnectionCloseInfo get(SocketOptionTable t, IoEndpoint bound,
                                               Supplier<ConnectionError> closeError) {
                    ConnectionError error = closeError.get();
                    if (error != null && error.byPeer()) {
                        return new ConnectionCloseInfo(error.code(), error.frameType(), error.reason());
                    }
                    return t.closeInfo;
                }
            });

    private volatile Duration timeout;
    private volatile List<String> alpn = List.of();
    private volatile int receiveBufferSize = UdpOptions.DEFAULT_BUFFER_SIZE;
    private volatile int sendBufferSize = UdpOptions.DEFAULT_BUFFER_SIZE;
    private volatile ConnectionCloseInfo closeInfo = ConnectionCloseInfo.NONE;
    private volatile qsock.core.endpoint.AddressValidation validation = qsock.core.endpoint.AddressValidation.defaults();
    private volatile qsock.api.TokenStore tokenStore;
    /** The TOKEN slot: the token set for the Initial until connect takes it, then the latest NEW_TOKEN token received. */
    private volatile byte[] token;

    /** {@return a table for a socket {@code accept} returns: this one's values, but the default close information} */
    SocketOptionTable forAccepted() {
        SocketOptionTable t = new SocketOptionTable();
        t.timeout = timeout;
        t.alpn = alpn;
        t.receiveBufferSize = receiveBufferSize;
        t.sendBufferSize = sendBufferSize;
        return t;
    }

    /**
     * Sets {@code option}; the UDP buffer sizes apply to {@code bound} at once if the socket is bound (else null).
     *
     * @throws UnsupportedOperationException for an option not in {@link QuicSocketOptions}
     */
    @SuppressWarnings("unchecked")
    <T> void set(SocketOption<T> option, T value, IoEndpoint bound) throws IOException {
        ((Entry<T>) entry(option)).set(this, value, bound);
    }

    /**
     * {@return the value of {@code option}} The UDP buffer sizes are what the kernel granted {@code bound}, if
     * bound; the close information is what the peer sent once it closed ({@code closeError}).
     *
     * @throws UnsupportedOperationException for an option not in {@link QuicSocketOptions}
     */
    @SuppressWarnings("unchecked")
    <T> T get(SocketOption<T> option, IoEndpoint bound, Supplier<ConnectionError> closeError) throws IOException {
        return ((Entry<T>) entry(option)).get(this, bound, closeError);
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

    /** {@return how long a blocking call waits; null for ever} */
    Duration timeout() {
        return timeout;
    }

    /** {@return the ALPN protocols} */
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
}
