package qsock.socket;

import java.net.SocketOption;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** The options of a {@link QuicSocket}, for {@link QuicSocket#setOption} and {@link QuicSocket#getOption}. */
public final class QuicSocketOptions {

    /**
     * How long a blocking call (accept, send, receive, a stream read or write) waits before it throws
     * {@link java.net.SocketTimeoutException}; null (the default) waits for ever.
     */
    public static final SocketOption<Duration> TIMEOUT = new Option<>("QUIC_TIMEOUT", Duration.class);

    /**
     * The ALPN protocols, in preference order (the kernel's {@code QUIC_SOCKOPT_ALPN}); the handshake
     * helpers use them when their TLS configuration names none. After the handshake, the negotiated one
     * is {@link QuicSocket#applicationProtocol()}.
     */
    @SuppressWarnings("unchecked")
    public static final SocketOption<List<String>> ALPN =
            new Option<>("QUIC_ALPN", (Class<List<String>>) (Class<?>) List.class);

    /** SO_RCVBUF of the UDP socket, in bytes (default 4 MiB; the kernel may cap it). */
    public static final SocketOption<Integer> RECEIVE_BUFFER_SIZE = new Option<>("QUIC_UDP_RCVBUF", Integer.class);

    /** SO_SNDBUF of the UDP socket, in bytes (default 4 MiB; the kernel may cap it). */
    public static final SocketOption<Integer> SEND_BUFFER_SIZE = new Option<>("QUIC_UDP_SNDBUF", Integer.class);

    /**
     * The close information (the kernel's {@code QUIC_SOCKOPT_CONNECTION_CLOSE}): set, what
     * {@link QuicSocket#close()} and {@link QuicSocket#shutdown} send; read after the peer closed, what it
     * sent. Set, its frame type is dropped (read back as 0), as the kernel does: an application's CONNECTION_CLOSE
     * has none (RFC 9000 §19.19).
     */
    public static final SocketOption<ConnectionCloseInfo> CONNECTION_CLOSE =
            new Option<>("QUIC_CONNECTION_CLOSE", ConnectionCloseInfo.class);

    /**
     * A listening socket answers every new client that brings no valid token with a Retry, validating its address
     * before it keeps any state (RFC 9000 §8.1.2; the socket draft's {@code validate_peer_address}). Default false:
     * Retry starts by itself past {@link #RETRY_THRESHOLD}. Takes effect at {@link QuicSocket#listen}.
     */
    public static final SocketOption<Boolean> VALIDATE_PEER_ADDRESS =
            new Option<>("QUIC_VALIDATE_PEER_ADDRESS", Boolean.class);

    /**
     * A listening socket starts answering new clients with Retry once this many connections whose address is not
     * validated are half-open (default 512). Takes effect at {@link QuicSocket#listen}.
     */
    public static final SocketOption<Integer> RETRY_THRESHOLD = new Option<>("QUIC_RETRY_THRESHOLD", Integer.class);

    /**
     * The keys a listening socket seals its Retry and NEW_TOKEN tokens with; servers that share them accept each
     * other's tokens. Default: a random key per listening socket. Takes effect at {@link QuicSocket#listen}.
     */
    public static final SocketOption<qsock.api.TokenKeys> TOKEN_KEYS =
            new Option<>("QUIC_TOKEN_KEYS", qsock.api.TokenKeys.class);

    /**
     * Where a client socket keeps the tokens servers send in NEW_TOKEN frames and takes one for its next connection
     * to the same server (the draft's {@code TOKEN} option, RFC 9000 §8.1.3); share one store between sockets. Default
     * none. Takes effect at {@link QuicSocket#connect}.
     */
    public static final SocketOption<qsock.api.TokenStore> TOKEN_STORE =
            new Option<>("QUIC_TOKEN_STORE", qsock.api.TokenStore.class);

    /**
     * A client's address validation token, the socket draft's {@code QUIC_SOCKOPT_TOKEN} on a client (RFC 9000
     * §8.1.3). Set before {@link QuicSocket#connect}: the token the first Initial carries (a NEW_TOKEN token an
     * earlier connection to the same server received, perhaps in another process), in place of one from
     * {@link #TOKEN_STORE}; connect takes it, since a token starts one connection only (RFC 9000 §8.1.3). Read after
     * connect: the token of the latest NEW_TOKEN frame this connection received, null until one arrived. 1 to
     * {@link qsock.api.TokenStore#MAX_TOKEN_LENGTH} (512) bytes, the draft's bound; null for none (the default). A
     * token is valid only for a connection of the QUIC version that received it (RFC 9369 §5). A server issues its
     * tokens by itself ({@link #VALIDATE_PEER_ADDRESS}); on a server socket this option does nothing. Setting it on
     * a connected socket throws {@link java.nio.channels.AlreadyConnectedException}. Values are copied both ways.
     */
    public static final SocketOption<byte[]> TOKEN = new Option<>("QUIC_TOKEN", byte[].class);

    /**
     * Read-only: the peer's transport parameters once the handshake delivered them, else null; the socket draft's
     * {@code QUIC_SOCKOPT_TRANSPORT_PARAM} read with {@code remote} set. The draft also sets them on a client, as the
     * server's parameters remembered for 0-RTT; in qsock they travel inside the session ticket (qsock-tls's
     * {@code ClientTicket.serverTransportParameters}, in its byte form too), so a client resuming with a ticket has
     * them already, and setting this option throws {@link UnsupportedOperationException}.
     */
    public static final SocketOption<PeerTransportParameters> REMOTE_TRANSPORT_PARAMETERS =
            new Option<>("QUIC_REMOTE_TRANSPORT_PARAM", PeerTransportParameters.class);

    /**
     * The connection IDs in use, the socket draft's {@code QUIC_SOCKOPT_CONNECTION_ID} (see {@link ConnectionIdInfo}
     * for what each field means read and set). Read: the peer's IDs, the draft's {@code dest} set;
     * {@link QuicSocket#connectionIds(boolean)} reads either side. Null on a socket that is no connection.
     *
     * <p>Set, on a connection only. Refusals, with the errno the kernel module returns for each:
     * {@link java.nio.channels.NotYetConnectedException} before connect (ENOTCONN); {@link ClosedConnectionException}
     * once the connection closes; {@link IllegalArgumentException} (EINVAL) for a destination {@code active} that
     * names none of the peer's IDs not retired, a {@code priorTo} above it, a request that changes nothing (the ID is
     * in use and nothing below {@code priorTo} is left), a source {@code priorTo} not above the lowest ID the peer may
     * use (retiring what is retired) or beyond the last issued (retiring them all); {@link IllegalStateException}
     * (EBUSY/EINVAL) before the handshake completes, while the peer has not yet retired what an earlier source request
     * asked (RFC 9000 §5.1.2), when we owe the peer as many retirements as we track, or with zero-length IDs.
     */
    public static final SocketOption<ConnectionIdInfo> CONNECTION_ID =
            new Option<>("QUIC_CONNECTION_ID", ConnectionIdInfo.class);

    /**
     * Connection migration, the socket draft's {@code QUIC_SOCKOPT_CONNECTION_MIGRATION}.
     *
     * <p>Set on a connected client: a new UDP socket is bound at this local address (port 0 picks one) and the
     * connection starts moving there (RFC 9000 §9.2): it probes the new path with a connection ID of the server's it
     * never used (§9.5) and, once the server echoes its PATH_CHALLENGE, sends from the new address only; the old UDP
     * socket is closed a few PTOs later (what was in flight to it still arrives). A {@link
     * QuicEvent.ConnectionMigration} event with {@code local} true says the move completed, a {@link
     * QuicEvent.ConnectionMigrationFailed} that it was given up (no answer within three PTOs, §8.2.4: the connection
     * stays where it was and the new socket is closed). Refusals: {@link java.nio.channels.NotYetConnectedException}
     * on a socket that neither is connected nor listens; {@link ClosedConnectionException} once the connection
     * closes; {@link IllegalStateException}, with the reason, when the server sent disable_active_migration (§9),
     * before the handshake is confirmed, without a connection ID of the server's to spare (§9.5), while a move is
     * under way, or on a server's connection (only clients migrate); {@link java.io.IOException} if the address
     * cannot be bound.
     *
     * <p>Set on a listening socket: the server's preferred address (RFC 9000 §9.6), IPv4 or IPv6 by the address's
     * family (not the wildcard; port 0 picks one): a UDP socket of the listener is bound there at once, for as long
     * as the listener's endpoint lives, and the connections it accepts from then on offer it in their
     * preferred_address transport parameter; a client moves there by itself once the handshake is confirmed, and
     * the accepted socket's {@link QuicSocket#localAddress()} then reads it. The preferred addresses of the
     * socket's {@code ConnectionConfig} are bound the same way at {@link QuicSocket#listen}.
     *
     * <p>Read: a client's current local address ({@link QuicSocket#localAddress()}); on a listener or a server's
     * connection, the preferred address where it is bound, the IPv4 one if both are set; null if none.
     */
    public static final SocketOption<java.net.InetSocketAddress> CONNECTION_MIGRATION =
            new Option<>("QUIC_CONNECTION_MIGRATION", java.net.InetSocketAddress.class);

    /**
     * The I/O threads of a listener: each has a UDP socket of its own bound to the listener's address and port
     * (SO_REUSEPORT: the kernel spreads datagrams over them by the hash of their addresses), its own share of the
     * connections, pinned to it for their life, and its own lock, so that a server uses as many cores. A client whose
     * address changes and so reaches another thread's socket is handed over to its own by the connection ID it
     * addresses (every ID a thread issues names it). Set before {@link QuicSocket#bind} (the port is bound to be
     * shared); the threads start at {@link QuicSocket#listen}. 1 to 32; default one per two cores, at least 1
     * ({@code max(1, availableProcessors() / 2)}), or the system property {@code qsock.ioThreads}. Where the port cannot be shared this way (not Linux), and with
     * zero-length connection IDs, a listener has one thread whatever is set; reading the option on a listener tells
     * how many it has. Each thread queues up to the backlog of new connections.
     */
    public static final SocketOption<Integer> IO_THREADS = new Option<>("QUIC_IO_THREADS", Integer.class);

    /**
     * The kinds of events the socket reports, the socket draft's {@code QUIC_SOCKOPT_EVENT} ({@code struct
     * quic_event_option}, one kind on or off per call there; the whole set here). Empty by default: every kind is off
     * until turned on, as in the kernel. Events of the kinds on arrive through {@link QuicSocket#receive(
     * java.nio.ByteBuffer, int)}, {@link QuicSocket#pollEvent()} or {@link QuicSocket#setEventListener}; the others are
     * not kept. May be set at any time, on a listener too: the sockets it accepts start with its set. Read: the kinds
     * on.
     */
    @SuppressWarnings("unchecked")
    public static final SocketOption<java.util.Set<QuicEvent.Type>> EVENT =
            new Option<>("QUIC_EVENT", (Class<java.util.Set<QuicEvent.Type>>) (Class<?>) java.util.Set.class);

    /**
     * A key update, the socket draft's {@code QUIC_SOCKOPT_KEY_UPDATE} (RFC 9001 §6). Set {@code true} on a connection:
     * this side moves to the next 1-RTT keys now (and sends a PING in them, so that the update completes on an idle
     * connection); {@link QuicEvent.KeyUpdate} says when both sides use them. Refused with
     * {@link IllegalStateException} (the kernel's {@code EINVAL}) while an update is in progress (the last one's new
     * keys not yet acknowledged in them, or the old keys still kept for late packets, RFC 9001 §6.1, §6.5) or before the
     * handshake is confirmed (§6.1; the kernel's {@code EPIPE} before it is established);
     * {@link ClosedConnectionException} once the connection closes; {@link java.nio.channels.NotYetConnectedException}
     * on a socket that is no connection; {@code false} is no value to set. Read: whether an update is in progress.
     */
    public static final SocketOption<Boolean> KEY_UPDATE = new Option<>("QUIC_KEY_UPDATE", Boolean.class);

    private QuicSocketOptions() {}

    /** One option: compared by identity, as the JDK's own options are. */
    private record Option<T>(String name, Class<T> type) implements SocketOption<T> {
        Option {
            Objects.requireNonNull(name);
            Objects.requireNonNull(type);
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
