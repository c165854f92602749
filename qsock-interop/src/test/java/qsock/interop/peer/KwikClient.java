package qsock.interop.peer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import qsock.interop.support.HqInterop;
import qsock.interop.support.Pki;
import qsock.interop.support.Received;
import tech.kwik.core.QuicClientConnection;
import tech.kwik.core.QuicStream;

/**
 * Kwik 0.10.8 as a client of one connection. It connects as "localhost" (Kwik only matches DNS names) to the
 * given loopback port and trusts the test PKI's CA. Kwik's stream reads block without a timeout, so each
 * exchange runs on a virtual thread and a late one closes the connection, which ends the read.
 */
public final class KwikClient implements InteropClient {
    private final QuicClientConnection connection;
    private final Duration timeout;
    private final Path log;
    private final String alpn;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final java.util.concurrent.BlockingQueue<byte[]> received = new java.util.concurrent.LinkedBlockingQueue<>();

    private KwikClient(InetSocketAddress server, String alpn, Duration timeout, boolean datagrams, Pki pki)
            throws IOException {
        this(server, alpn, timeout, datagrams, pki, null, null);
    }

    private KwikClient(InetSocketAddress server, String alpn, Duration timeout, boolean datagrams, Pki pki,
                       qsock.api.QuicVersion initial, qsock.api.QuicVersion preferred) throws IOException {
        this(server, alpn, timeout, datagrams, pki, initial, preferred, null, null, null);
    }

    /** The sockets of a client that can move ({@link #connectMovable}), or null. */
    private final LocalSockets sockets;

    /**
     * The local sockets Kwik's client opens (its {@code DatagramSocketFactory}): each bound to the loopback address
     * the test names last, on an ephemeral port, so that a client can move to another address. Kwik opens one when it
     * connects and one for each {@code changeAddress()}.
     */
    private static final class LocalSockets implements tech.kwik.core.DatagramSocketFactory {
        private volatile java.net.InetAddress next = java.net.InetAddress.getLoopbackAddress();
        private volatile java.net.DatagramSocket last;

        @Override
        public java.net.DatagramSocket createSocket(java.net.InetAddress destination) throws java.net.SocketException {
            java.net.DatagramSocket socket = new java.net.DatagramSocket(new InetSocketAddress(next, 0));
            last = socket;
            return socket;
        }
    }

    /**
     * Connects like {@link #connect} from a socket bound to 127.0.0.1, so that {@link #migrate} can later move the
     * connection to another local address or port.
     */
    public static KwikClient connectMovable(InetSocketAddress server, String alpn, Duration timeout)
            throws IOException {
        return new KwikClient(server, alpn, timeout, false, Pki.standard(), null, null, null, null,
                new LocalSockets());
    }

    /**
     * What one {@link #migrate} did.
     *
     * @param oldDcid the server's connection ID the client addressed it by before
     * @param oldSequenceNumber the sequence number of {@code oldDcid} (RFC 9000 §5.1.1)
     * @param newDcid the one it addresses it by on the new path
     * @param newSequenceNumber the sequence number of {@code newDcid}
     * @param from the local address the client sent from before
     * @param to the local address it sends from now
     */
    public record Migration(byte[] oldDcid, int oldSequenceNumber, byte[] newDcid, int newSequenceNumber,
                            InetSocketAddress from, InetSocketAddress to) {}

    /**
     * Moves the connection, mid-flight, to a new local socket bound to {@code address} (a new port; a new address too
     * when it is another loopback address): an active migration (RFC 9000 §9.2) as Kwik 0.10.8 can do it. Kwik's
     * client switches to the next connection ID the server issued ({@code nextDestinationConnectionId}, §9.5: a new
     * path takes a new ID), then to the new socket ({@code changeAddress}, which closes the old one), and a PING goes
     * out at once from the new address: {@code changeAddress} sends nothing, and a client with nothing else to send
     * would stay silent on its new path, the server sending into its closed old socket. Kwik does not probe the new
     * path first (it never sends a PATH_CHALLENGE); these calls are on its implementation class only, and Kwik makes
     * none of them by itself. The switch of ID and the switch of socket are two steps: a packet Kwik's sender built
     * between them goes out with the new ID from the old address. The old ID stays in use until {@link #retire}.
     * Waits up to the client's timeout for the server's next ID to arrive.
     *
     * @throws IllegalStateException if the client was not connected by {@link #connectMovable}, the server's next
     *     connection ID did not come in time, or Kwik failed to open the new socket (it only logs that)
     */
    public Migration migrate(java.net.InetAddress address) throws InterruptedException {
        if (sockets == null) {
            throw new IllegalStateException("a client that can move is connected by connectMovable");
        }
        tech.kwik.core.impl.QuicClientConnectionImpl impl = (tech.kwik.core.impl.QuicClientConnectionImpl) connection;
        java.net.DatagramSocket before = sockets.last;
        InetSocketAddress from = (InetSocketAddress) before.getLocalSocketAddress();
        byte[] oldDcid = impl.getDestinationConnectionId();
        int oldSequenceNumber = sequenceNumberOf(impl, oldDcid);
        // Kwik moves to the ID numbered one above the one in use, and to none if that has not come yet.
        int next = oldSequenceNumber + 1;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!impl.getDestinationConnectionIds().containsKey(next)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the server's connection ID " + next + " did not come within "
                        + timeout + ": Kwik holds " + impl.getDestinationConnectionIds().keySet() + " (Kwik log "
                        + log + ")");
            }
            Thread.sleep(1);
        }
        byte[] newDcid = impl.nextDestinationConnectionId();
        sockets.next = address;
        impl.changeAddress();
        java.net.DatagramSocket after = sockets.last;
        if (after == before) {
            throw new IllegalStateException("Kwik did not open a socket on " + address + " (Kwik log " + log + ")");
        }
        impl.ping();
        return new Migration(oldDcid, oldSequenceNumber, newDcid, next, from,
                (InetSocketAddress) after.getLocalSocketAddress());
    }

    /**
     * Retires the connection ID {@code m} left (RETIRE_CONNECTION_ID, RFC 9000 §5.1.2), so that the server can issue
     * another for a later move: Kwik's active_connection_id_limit is 2. Call it only once a packet with the new ID
     * has left: Kwik may still be building a packet with the old ID when it switches, and a RETIRE_CONNECTION_ID
     * that went into it would retire the ID its own packet was sent to, which the server closes on as a
     * PROTOCOL_VIOLATION (§19.16; seen). Kwik queues the frame without sending it; a PING flushes it.
     */
    public void retire(Migration m) {
        tech.kwik.core.impl.QuicClientConnectionImpl impl = (tech.kwik.core.impl.QuicClientConnectionImpl) connection;
        impl.retireDestinationConnectionId(m.oldSequenceNumber());
        impl.ping();
    }

    private int sequenceNumberOf(tech.kwik.core.impl.QuicClientConnectionImpl impl, byte[] dcid) {
        for (var e : impl.getDestinationConnectionIds().entrySet()) {
            if (java.util.Arrays.equals(e.getValue().getConnectionId(), dcid)) {
                return e.getKey();
            }
        }
        throw new IllegalStateException("Kwik's connection ID in use is not among its connection IDs (Kwik log "
                + log + ")");
    }

    /** The stream Kwik sent the early request on, or null. */
    private QuicStream earlyStream;

    private KwikClient(InetSocketAddress server, String alpn, Duration timeout, boolean datagrams, Pki pki,
                       qsock.api.QuicVersion initial, qsock.api.QuicVersion preferred,
                       tech.kwik.core.QuicSessionTicket ticket, byte[] earlyRequest, LocalSockets sockets)
            throws IOException {
        this.timeout = timeout;
        this.alpn = alpn;
        this.sockets = sockets;
        Path[] logFile = new Path[1];
        QuicClientConnection.Builder builder = QuicClientConnection.newBuilder();
        if (sockets != null) {
            builder.socketFactory(sockets);
        }
        if (datagrams) {
            builder.enableDatagramExtension();
        }
        if (initial != null) {
            builder.initialVersion(Kwik.version(initial));
        }
        if (preferred != null) {
            builder.preferredVersion(Kwik.version(preferred));
        }
        if (ticket != null) {
            builder.sessionTicket(ticket);
        }
        this.connection = builder
                .uri(URI.create("https://localhost:" + server.getPort()))
                .preferIPv4()
                .applicationProtocol(alpn)
                .customTrustManager(pki.trustManager())
                .connectTimeout(timeout)
                .maxIdleTimeout(Duration.ofSeconds(Kwik.IDLE_TIMEOUT_SECONDS))
                .defaultStreamReceiveBufferSize(Kwik.STREAM_BUFFER)
                .logger(Kwik.logger("client", logFile))
                .build();
        this.log = logFile[0];
        if (datagrams) {
            connection.setDatagramHandler(received::add);
        }
        try {
            if (earlyRequest == null) {
                connection.connect();
            } else {
                // Kwik sends the stream's data as 0-RTT when its ticket allows early data, else after the handshake.
                List<QuicStream> streams = connection.connect(
                        List.of(new QuicClientConnection.StreamEarlyData(earlyRequest, true)));
                earlyStream = streams.isEmpty() ? null : streams.get(0);
            }
        } catch (IOException e) {
            executor.shutdownNow();
            String message = "Kwik client: handshake with " + server + " failed (Kwik log " + log + ")";
            if (neverInstalledHandshakeKeys(log)) {
                throw new HandshakeKeysNeverInstalled(message, e);
            }
            throw new IOException(message, e);
        }
    }

    /**
     * Kwik 0.10.8's client sometimes never installs its Handshake keys although the ServerHello reached it (it
     * acknowledged the Initial that carried it): its log then shows every Handshake packet discarded for missing keys
     * until it gives up. Seen against quiche's server as against qsock's (PeerSanityTest); not in qsock's reach.
     */
    public static final class HandshakeKeysNeverInstalled extends IOException {
        HandshakeKeysNeverInstalled(String message, Throwable cause) {
            super(message + ": Kwik never installed its Handshake keys", cause);
        }
    }

    private static boolean neverInstalledHandshakeKeys(Path log) {
        try {
            return log != null && java.nio.file.Files.readString(log)
                    .contains("Missing keys for encryption level Handshake (keys not installed)");
        } catch (IOException e) {
            return false;
        }
    }

    /** Connects to {@code server} offering {@code alpn}; fails when the handshake does not finish in {@code timeout}. */
    public static KwikClient connect(InetSocketAddress server, String alpn, Duration timeout) throws IOException {
        return new KwikClient(server, alpn, timeout, false, Pki.standard());
    }

    /** Connects like {@link #connect}, trusting {@code pki}'s CA alone. */
    public static KwikClient connectTrusting(Pki pki, InetSocketAddress server, String alpn, Duration timeout)
            throws IOException {
        return new KwikClient(server, alpn, timeout, false, pki);
    }

    /**
     * Connects like {@link #connect}, starting in {@code initial} and, if {@code preferred} differs, offering it for
     * compatible negotiation (RFC 9368).
     */
    public static KwikClient connectWithVersions(InetSocketAddress server, String alpn, Duration timeout,
                                                 qsock.api.QuicVersion initial, qsock.api.QuicVersion preferred)
            throws IOException {
        return new KwikClient(server, alpn, timeout, false, Pki.standard(), initial, preferred);
    }

    /** Connects like {@link #connect}, resuming the session of {@code ticket} (RFC 8446 §4.6.1). */
    public static KwikClient connectWithTicket(InetSocketAddress server, String alpn, Duration timeout,
                                               tech.kwik.core.QuicSessionTicket ticket) throws IOException {
        return new KwikClient(server, alpn, timeout, false, Pki.standard(), null, null, ticket, null, null);
    }

    /**
     * Connects like {@link #connectWithTicket} and sends {@code request} with FIN on the first stream, as 0-RTT when
     * the ticket allows early data (RFC 9001 §4.6.1); {@link #earlyAnswer()} reads what comes back.
     */
    public static KwikClient connectSendingEarly(InetSocketAddress server, String alpn, Duration timeout,
                                                 tech.kwik.core.QuicSessionTicket ticket, byte[] request)
            throws IOException {
        return new KwikClient(server, alpn, timeout, false, Pki.standard(), null, null, ticket, request, null);
    }

    /** {@return the answer to the request {@link #connectSendingEarly} sent, up to its FIN} */
    public byte[] earlyAnswer() throws IOException {
        if (earlyStream == null) {
            throw new IllegalStateException("Kwik opened no early stream");
        }
        QuicStream stream = earlyStream;
        return within(() -> stream.getInputStream().readAllBytes());
    }

    /**
     * {@return Kwik's view of its 0-RTT: None (not offered), Requested, Accepted or Refused}; Kwik 0.10.8 has it on
     * its implementation class only.
     */
    public String earlyDataStatus() {
        return String.valueOf(((tech.kwik.core.impl.QuicClientConnectionImpl) connection).getEarlyDataStatus());
    }

    /**
     * {@return the session tickets the server sent, waiting up to {@code wait} for the first}; they come after the
     * handshake, so a client that wants one waits for it.
     */
    public List<tech.kwik.core.QuicSessionTicket> sessionTickets(Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (connection.getNewSessionTickets().isEmpty() && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
        return connection.getNewSessionTickets();
    }

    /**
     * Starts a key update (RFC 9001 §6.1): Kwik 0.10.8 has this on its implementation class only, and never starts
     * one by itself.
     */
    public void updateKeys() {
        ((tech.kwik.core.impl.QuicClientConnectionImpl) connection).updateKeys();
    }

    /** {@return the QUIC version Kwik's connection speaks} */
    public qsock.api.QuicVersion version() {
        return qsock.api.QuicVersion.valueOf(connection.getQuicVersion().name());
    }

    /** Connects like {@link #connect}, with Kwik's RFC 9221 datagram extension on. */
    public static KwikClient connectWithDatagrams(InetSocketAddress server, String alpn, Duration timeout)
            throws IOException {
        return new KwikClient(server, alpn, timeout, true, Pki.standard());
    }

    /** Sends one datagram through Kwik; false if the server did not agree to datagrams. */
    public boolean sendDatagram(byte[] datagram) {
        if (!connection.canSendDatagram()) {
            return false;
        }
        connection.sendDatagram(datagram);
        return true;
    }

    /** The largest datagram Kwik sends on this connection. */
    public int maxDatagramSize() {
        return connection.maxDatagramDataSize();
    }

    /** {@return the next datagram received within {@code wait}, or null} */
    public byte[] receiveDatagram(Duration wait) throws InterruptedException {
        return received.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Kwik's own log of this client (errors, warnings, connection info). */
    public Path log() {
        return log;
    }

    @Override
    public String applicationProtocol() {
        // Kwik's client offers exactly one protocol and fails the handshake unless the server picks it.
        return connection.isConnected() ? alpn : null;
    }

    @Override
    public Received get(String path) throws IOException {
        return within(() -> {
            QuicStream stream = connection.createStream(true);
            byte[] request = HqInterop.request(path);
            KwikSender out = KwikSender.of(stream, timeout);
            out.write(request, 0, request.length);
            out.finish();
            Received.Accumulator acc = new Received.Accumulator();
            InputStream in = stream.getInputStream();
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) {
                acc.update(buf, 0, n);
            }
            return acc.finish();
        });
    }

    @Override
    public byte[] echo(byte[] data) throws IOException {
        return within(() -> {
            QuicStream stream = connection.createStream(true);
            KwikSender out = KwikSender.of(stream, timeout);
            out.write(data, 0, data.length);
            out.finish();
            ByteArrayOutputStream back = new ByteArrayOutputStream(data.length);
            stream.getInputStream().transferTo(back);
            return back.toByteArray();
        });
    }

    private <T> T within(Callable<T> exchange) throws IOException {
        Future<T> f = executor.submit(exchange);
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } catch (ExecutionException e) {
            throw new IOException("Kwik client: stream failed (Kwik log " + log + ")", e.getCause());
        } catch (TimeoutException e) {
            appendKwikThreads(log);
            connection.close();
            throw new IOException("Kwik client: no FIN within " + timeout + " (Kwik log " + log + ")", e);
        }
    }

    /**
     * Appends to {@code log} what Kwik's threads are doing when an exchange timed out: whether a thread is stuck or
     * all wait, and whether Kwik's loss detection has a timer scheduled (a "loss-detection" thread parked in
     * {@code DelayedWorkQueue.take} without a timeout has none). Kwik's thread names do not tell connections apart;
     * the threads of other connections in this JVM are listed too.
     */
    private static void appendKwikThreads(Path log) {
        if (log == null) {
            return;
        }
        StringBuilder dump = new StringBuilder("\nqsock interop: Kwik's threads when the exchange timed out\n");
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            boolean kwik = thread.getName().startsWith("loss-detection") || thread.getName().startsWith("idle-timer");
            for (StackTraceElement e : stack) {
                kwik |= e.getClassName().startsWith("tech.kwik.");
            }
            if (kwik) {
                dump.append(thread.getName()).append(' ').append(thread.getState()).append('\n');
                for (StackTraceElement e : stack) {
                    dump.append("    at ").append(e).append('\n');
                }
            }
        });
        try {
            java.nio.file.Files.writeString(log, dump, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // The failure message still names the log; the dump is a help, not the evidence.
        }
    }

    @Override
    public void close() {
        connection.closeAndWait(Duration.ofSeconds(2));
        executor.shutdownNow();
    }
}
