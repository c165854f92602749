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
     * The ALPN protocols, the socket draft's {@code QUIC_SOCKOPT_ALPN}: in preference order, what the handshake
     * helpers (qsock-tls's {@code QuicHandshake}) offer (client) or accept (server) when their TLS configuration names
     * none. Checked as the kernel module checks them: each name 1 to 255 bytes of UTF-8 with no comma in it (the
     * draft joins them with commas), the comma-joined list at most 128 bytes; the empty list is none, the default.
     *
     * <p>Set before {@link QuicSocket#listen} on a listener (the kernel refuses it on a listening socket, EINVAL: here
     * {@link IllegalStateException}), before the handshake on a connection; a bad list is an {@link
     * IllegalArgumentException} (EINVAL). Read: the list set; once the connection's handshake completed, the ALPN it
     * negotiated, as a one-element list, or the empty list if none was (the draft's userspace handshake writes the
     * selected one back). An accepted socket starts with its listener's list.
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
     * before it keeps any state (RFC 9000 §8.1.2; the socket draft's {@code validate_peer_address} of
     * {@link #CONFIG}, which reads and sets this same setting). Default false: Retry starts by itself past
     * {@link #RETRY_THRESHOLD}. Takes effect at {@link QuicSocket#listen}.
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
     * The keys a fleet of servers shares ({@link qsock.api.FleetKeys}, loaded from a fleet key file): the token keys
     * of Retry and NEW_TOKEN tokens (RFC 9000 §8.1) and the stateless reset key (§10.3), so that any server of the
     * fleet accepts the others' tokens and sends stateless resets their clients recognise. The session ticket keys of
     * the same file are the TLS engine's (qsock-tls: {@code TicketSealer.fromFleetKeys}).
     *
     * <p>Set on a listener before {@link QuicSocket#bind}: the listener and all its I/O threads use the file's
     * stateless reset key, and from {@link QuicSocket#listen} its token keys (in place of {@link #TOKEN_KEYS}).
     * Set again on a bound or listening socket, to rotate: the token keys take effect at once on every I/O thread
     * (new tokens sealed under the new first key; the keys listed still open, a key no longer listed no longer does);
     * the stateless reset key must be the one bound with ({@link IllegalArgumentException} otherwise, nothing
     * changed), since connections alive hold tokens derived from it. Refused with {@link IllegalStateException} on a
     * connection, and on a bound socket that was bound without fleet keys. Read: the keys set, or null.
     */
    public static final SocketOption<qsock.api.FleetKeys> FLEET_KEYS =
            new Option<>("QUIC_FLEET_KEYS", qsock.api.FleetKeys.class);

    /**
     * QUIC-LB routable connection IDs ({@link qsock.socket.QuicLbSettings}, draft-ietf-quic-load-balancers): every
     * connection ID the listener issues (the Source Connection ID of its Initials and Retry, those of
     * NEW_CONNECTION_ID frames and of the preferred address) encodes the settings' server ID, so a load balancer with
     * the same configuration routes each packet of a connection to this server, whatever the client's address. The
     * connection ID length becomes the settings' {@link qsock.socket.QuicLbSettings#connectionIdLength()}. With
     * {@link #IO_THREADS} above 1 the threads share one encoder (one nonce sequence, never repeated) and each writes its
     * index into the first octet's low bits, which the draft leaves to the server. Set on a listener before
     * {@link QuicSocket#bind} ({@link java.nio.channels.AlreadyBoundException} after); a socket with these settings
     * cannot connect. Null for random IDs (the default). Read: the settings.
     */
    public static final SocketOption<qsock.socket.QuicLbSettings> QUIC_LB =
            new Option<>("QUIC_LB", qsock.socket.QuicLbSettings.class);

    /**
     * Where a client socket keeps the tokens servers send in NEW_TOKEN frames and takes one for its next connection
     * to the same server (the draft's {@code TOKEN} option, RFC 9000 §8.1.3); share one store between sockets. Default
     * none. Takes effect at {@link QuicSocket#connect}.
     */
    public static final SocketOption<qsock.api.TokenStore> TOKEN_STORE =
            new Option<>("QUIC_TOKEN_STORE", qsock.api.TokenStore.class);

    /**
     * Address validation tokens (RFC 9000 §8.1.3), the socket draft's {@code QUIC_SOCKOPT_TOKEN}.
     *
     * <p>On a client: set before {@link QuicSocket#connect}, the token the first Initial carries (a NEW_TOKEN token an
     * earlier connection to the same server received, perhaps in another process), in place of one from
     * {@link #TOKEN_STORE}; connect takes it, since a token starts one connection only (RFC 9000 §8.1.3). Read after
     * connect: the token of the latest NEW_TOKEN frame this connection received, null until one arrived. 1 to
     * {@link qsock.api.TokenStore#MAX_TOKEN_LENGTH} (512) bytes, the draft's bound; null for none (the default). An
     * empty token is an {@link IllegalArgumentException}, as the kernel's EINVAL (its functional test sets one to see
     * it refused). A token is valid only for a connection of the QUIC version that received it (RFC 9369 §5). Setting
     * it on a connected client throws {@link java.nio.channels.AlreadyConnectedException}. Values are copied both
     * ways.
     *
     * <p>On a server's connection (an accepted socket): set, with the value null, issues a NEW_TOKEN frame now, with a
     * fresh token for the client's current address sealed under the listener's {@link #TOKEN_KEYS}, in place of one
     * not yet acknowledged (where the kernel answers EAGAIN while one is in flight, the client gets the newest).
     * Refused, as in the kernel, with {@link IllegalStateException} (EINVAL) before the handshake completed and on a
     * listener; with {@link IllegalArgumentException} for a value that is not null; with {@link
     * ClosedConnectionException} once the connection closed. A server issues one token by itself after each
     * handshake unless told otherwise. Read on a server: null.
     */
    public static final SocketOption<byte[]> TOKEN = new Option<>("QUIC_TOKEN", byte[].class);

    /**
     * The peer's transport parameters, the socket draft's {@code QUIC_SOCKOPT_TRANSPORT_PARAM} with {@code remote} set.
     *
     * <p>Read: the peer's parameters once the handshake delivered them; before that, what was set for 0-RTT, else
     * null.
     *
     * <p>Set, on a client ("set for 0-RTT"): the server's parameters remembered from an earlier connection, which the
     * early data of a resumed session keeps within until the server's own arrive (RFC 9000 §7.4.1): its flow-control
     * and stream limits. qsock's session tickets remember them already (qsock-tls's
     * {@code ClientTicket.serverTransportParameters}, in its byte form too); a value set here is used in their place,
     * for an application that keeps them apart from the session. Setting it does not itself make 0-RTT happen: that
     * takes a session that allows early data. Null clears it. Settable before {@link QuicSocket#connect}, and after it
     * until the handshake writes its ClientHello (the kernel's window is "while establishing"); later, and on a
     * listener or a server's connection, {@link IllegalStateException} (EINVAL). Fields out of the kernel's ranges
     * (see {@link PeerTransportParameters}) are an {@link IllegalArgumentException} (EINVAL).
     */
    public static final SocketOption<PeerTransportParameters> REMOTE_TRANSPORT_PARAMETERS =
            new Option<>("QUIC_REMOTE_TRANSPORT_PARAM", PeerTransportParameters.class);

    /**
     * This end's transport parameters (RFC 9000 §18.2), the socket draft's {@code QUIC_SOCKOPT_TRANSPORT_PARAM}
     * without {@code remote}: settings of the socket's {@code ConnectionConfig} (see {@link LocalTransportParameters}
     * for each field, its range and default). Read: what the socket's next connection advertises, or, on a connection,
     * what it advertised.
     *
     * <p>Set before {@link QuicSocket#connect} (client) or the first {@link QuicSocket#listen} (server): the
     * connections made from then on advertise them. Afterwards, and on an accepted socket (whose connection was made
     * with its listener's settings, which it reads), refused with {@link IllegalStateException}, where the kernel
     * refuses an established socket with EINVAL (the kernel also allows the window between connect and the end of
     * the handshake; qsock's connection has its settings from connect on). A field out of the kernel's range is an
     * {@link IllegalArgumentException} (EINVAL) naming it.
     */
    public static final SocketOption<LocalTransportParameters> TRANSPORT_PARAM =
            new Option<>("QUIC_TRANSPORT_PARAM", LocalTransportParameters.class);

    /**
     * The connection's configuration, the socket draft's {@code QUIC_SOCKOPT_CONFIG} (see {@link QuicConfig} for each
     * field, its range and default): version, path MTU discovery, initial RTT, congestion control, keep-alive,
     * address validation, and what the handshake helper takes from the socket (preferred cipher, certificate request,
     * the wait for a session ticket). Read: the socket's configuration; on a connection, the one it was made with.
     *
     * <p>Set with the timing of {@link #TRANSPORT_PARAM}: before connect or the first listen, refused afterwards and on
     * an accepted socket with {@link IllegalStateException} (the kernel's EINVAL). A field out of the kernel's range,
     * and the AES-CCM cipher the JDK lacks, are an {@link IllegalArgumentException} (EINVAL). Its
     * {@code validatePeerAddress} is {@link #VALIDATE_PEER_ADDRESS}, and its {@code disableCompatibleVersion} the
     * field of {@link #TRANSPORT_PARAM} of the name: setting one sets the other.
     */
    public static final SocketOption<QuicConfig> CONFIG = new Option<>("QUIC_CONFIG", QuicConfig.class);

    /**
     * Session resumption data, the socket draft's {@code QUIC_SOCKOPT_SESSION_TICKET}: the byte form of a client's
     * session (qsock-tls's {@code ClientTicket.encode()}: the ticket, its PSK and what resuming needs, the server's
     * remembered transport parameters among it; keep it as secret as a key). The socket holds the bytes only; qsock-tls's
     * {@code QuicHandshake} reads and writes them through {@link QuicSocket#takeSessionTicket()} and
     * {@link QuicSocket#putSessionTicket(byte[])}.
     *
     * <p>On a client: set before the handshake, the session to resume (and, if it allows early data and the TLS
     * configuration asks for 0-RTT, to send early data with); the handshake takes it. Read after the handshake: the
     * latest session the server's NewSessionTicket messages gave, null until one came (wait for it with
     * {@link QuicConfig#receiveSessionTicket()}). 64 to 4096 bytes (the kernel's and the draft's bounds), else
     * {@link IllegalArgumentException} (EINVAL); null clears it. Set once the handshake started: {@link
     * IllegalStateException}.
     *
     * <p>On a listener or a server's connection: {@link UnsupportedOperationException} both ways. The kernel returns
     * the key its userspace handshake seals tickets with; in qsock that key belongs to the TLS configuration (qsock-tls's
     * {@code ServerTickets} and its {@code TicketSealer}): servers that are to accept each other's tickets share its
     * {@code TicketKey}s there.
     */
    public static final SocketOption<byte[]> SESSION_TICKET = new Option<>("QUIC_SESSION_TICKET", byte[].class);

    /**
     * Write-only: installs a traffic secret, the socket draft's {@code QUIC_SOCKOPT_CRYPTO_SECRET}, for an application
     * that runs its own TLS 1.3 stack over the socket (the handshake messages move through
     * {@link QuicSocket#handshakeChannel()}); the same as the channel's {@code installSecret}. Only during the
     * handshake: before connect (or on a listener) {@link java.nio.channels.NotYetConnectedException}; once the
     * handshake completed or the connection closed, {@link IllegalStateException} (the kernel's EINVAL); a secret of
     * that level and direction installed already, {@link IllegalStateException}. Reading it throws
     * {@link UnsupportedOperationException}.
     */
    public static final SocketOption<CryptoSecret> CRYPTO_SECRET = new Option<>("QUIC_CRYPTO_SECRET",
            CryptoSecret.class);

    /**
     * The quic_transport_parameters TLS extension (RFC 9001 §8.2), the socket draft's
     * {@code QUIC_SOCKOPT_TRANSPORT_PARAM_EXT}, for an application that runs its own TLS 1.3 stack. Read: our
     * transport parameters, encoded, for the TLS stack to send. Set: the peer's, as its TLS message carried them; at
     * most 512 bytes (the kernel's bound; {@link IllegalArgumentException}, EINVAL). Parameters that break RFC 9000
     * §7.4 or §18.2 close the connection with TRANSPORT_PARAMETER_ERROR (or VERSION_NEGOTIATION_ERROR, RFC 9368 §4)
     * and the set throws {@link ClosedConnectionException} naming it, where the kernel returns the error after
     * closing. Both only during the handshake: before connect {@link java.nio.channels.NotYetConnectedException},
     * after it {@link IllegalStateException} (EINVAL).
     */
    public static final SocketOption<byte[]> TRANSPORT_PARAM_EXT = new Option<>("QUIC_TRANSPORT_PARAM_EXT",
            byte[].class);

    /**
     * Write-only: resets our sending part of a stream with an application error code (RESET_STREAM, RFC 9000 §19.4),
     * the socket draft's {@code QUIC_SOCKOPT_STREAM_RESET}; the same as {@link QuicSocket#resetStream}. Refusals:
     * {@link java.nio.channels.NotYetConnectedException} without a connection, {@link ClosedConnectionException} once
     * it closed, {@link java.io.IOException} for a stream not open for sending (the kernel's EINVAL). Reading it
     * throws {@link UnsupportedOperationException}.
     */
    public static final SocketOption<StreamErrorInfo> STREAM_RESET = new Option<>("QUIC_STREAM_RESET",
            StreamErrorInfo.class);

    /**
     * Write-only: asks the peer to stop sending on a stream (STOP_SENDING, RFC 9000 §19.5), the socket draft's
     * {@code QUIC_SOCKOPT_STREAM_STOP_SENDING}; the same as {@link QuicSocket#stopSending}, with its refusals ({@link
     * java.io.IOException} for a stream not open for receiving, the kernel's EINVAL). Reading it throws
     * {@link UnsupportedOperationException}.
     */
    public static final SocketOption<StreamErrorInfo> STREAM_STOP_SENDING = new Option<>("QUIC_STREAM_STOP_SENDING",
            StreamErrorInfo.class);

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
     * Shares the listener's address and port with other listeners of this JVM (the kernel's SO_REUSEPORT on a QUIC
     * listener). Set before {@link QuicSocket#bind}. A socket with this on, or with an {@link #ALPN} list set before
     * bind, shares its port: the listeners of one port take one UDP socket, and each new connection goes to the one
     * whose ALPN list holds the first of the client's protocols that any of them serves (a specific local address
     * beating the wildcard); a ClientHello without ALPN goes to a listener without a list. Listeners of one address
     * with equal ALPN lists (or none) must all have this on: they form a reuse-port group and share new connections
     * by a hash of the client's address; overlapping lists are refused at {@link QuicSocket#listen}. A sharing socket
     * cannot connect and has one I/O thread ({@link #IO_THREADS} above 1 is refused at bind). Default false.
     */
    public static final SocketOption<Boolean> REUSE_PORT = new Option<>("QUIC_REUSE_PORT", Boolean.class);

    /**
     * Listens through routerd (qsock's routing daemon, {@code qsock routerd}): the path of its control socket. Set
     * before {@link QuicSocket#bind}, with {@link #ALPN} (and {@link #REUSE_PORT} for a reuse-port group) set before it
     * too: bind registers the listener with the daemon, which owns the public UDP address and port and sends each new
     * connection to the listener of the process whose ALPN list the ClientHello picks, as listeners of one JVM are
     * picked. The address given to bind must be the daemon's, its wildcard, or port 0; {@link
     * QuicSocket#localAddress()} reads the daemon's. Only a connection's first datagrams pass through the daemon: the
     * listener then opens a socket connected to each client on the public port, to which Linux delivers that client's
     * datagrams directly. Every connection ID the listener issues carries the server ID the daemon gave (QUIC-LB), so a
     * client that moves to another address is still routed here. One I/O thread ({@link #IO_THREADS} above 1 is
     * refused). Bind fails with {@link java.net.ConnectException} if no daemon runs there, {@link
     * java.net.BindException} if the ALPN list overlaps another process's. Default null: no routerd.
     */
    public static final SocketOption<java.nio.file.Path> ROUTER = new Option<>("QUIC_ROUTER", java.nio.file.Path.class);

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

    /**
     * Where each connection writes its qlog trace (draft-ietf-quic-qlog-main-schema and -quic-events, JSON-SEQ): the
     * file {@code <original Destination Connection ID in hex>_<client|server>.sqlog} in this directory, created if
     * missing, with every packet sent and received and its frames, recovery metrics and congestion state, keys
     * installed and updated, and the connection's start and end; qvis reads it. Set before {@link
     * QuicSocket#connect} on a client, before {@link QuicSocket#listen} on a listener, whose accepted connections all
     * write one (and whose accepted sockets read the same value). Written off the I/O threads by one writer thread of
     * the JVM through a bounded queue: when the disk cannot keep up, events are dropped and the count is written at
     * the trace's end. Refused with {@link IllegalArgumentException} if the path exists and is no directory. Default
     * null: no qlog, at the cost of one check per event site.
     */
    public static final SocketOption<java.nio.file.Path> QLOG_DIR =
            new Option<>("QUIC_QLOG_DIR", java.nio.file.Path.class);

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
