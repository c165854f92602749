package qsock.interop.peer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import qsock.api.ConnectionConfig;
import qsock.interop.support.HqInterop;
import qsock.interop.support.Pki;
import qsock.interop.support.Received;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;

/**
 * qsock's {@link QuicSocket} as a client of one connection, handshaking with qsock-tls as "localhost" and trusting
 * the test PKI's CA. Every blocking call has the socket's timeout.
 */
public final class QsockClient implements InteropClient {
    private final QuicSocket socket;
    private final qsock.tls.jca.NamedGroup keyExchangeGroup;
    private final boolean resumed;
    /** The stream the request sent as 0-RTT went on, or -1 if none was sent before the handshake completed. */
    private final long earlyStream;

    private QsockClient(QuicSocket socket, qsock.tls.TlsEngine engine) {
        this(socket, engine, -1);
    }

    private QsockClient(QuicSocket socket, qsock.tls.TlsEngine engine, long earlyStream) {
        this.socket = socket;
        this.keyExchangeGroup = engine.keyExchangeGroup();
        this.resumed = engine.resumed();
        this.earlyStream = earlyStream;
    }

    /** {@return whether the handshake resumed a session from a ticket (RFC 8446 §2.2), as the TLS engine reports it} */
    public boolean resumed() {
        return resumed;
    }

    /**
     * Connects like {@link #connect(InetSocketAddress, String, Duration)}, keeping the server's session tickets in
     * {@code tickets} and resuming with one it holds (RFC 8446 §4.6.1).
     */
    public static QsockClient connectWithTickets(InetSocketAddress server, String alpn, Duration timeout,
                                                 qsock.tls.ClientTickets tickets) throws IOException {
        return connect(server, timeout, Qsock.config(), Qsock.clientTlsWithTickets(alpn, tickets));
    }

    /**
     * Connects like {@link #connectWithTickets}, and when a ticket allows early data sends {@code request} with FIN on
     * the first stream as 0-RTT, before the handshake completes (RFC 9001 §4.6.1); {@link #earlyAnswer()} reads what
     * comes back. Without such a ticket nothing is sent.
     */
    public static QsockClient connectSendingEarly(InetSocketAddress server, String alpn, Duration timeout,
                                                  qsock.tls.ClientTickets tickets, byte[] request) throws IOException {
        QuicSocket socket = open(timeout, Qsock.config());
        try {
            socket.connect(server);
            QuicHandshake.ClientHandshake handshake = QuicHandshake.startClientHandshake(socket,
                    Qsock.clientTlsWithTickets(alpn, tickets), timeout);
            long stream = -1;
            if (handshake.earlyData()) {
                // DONTWAIT: nobody drives the handshake until finish(), so what is taken now leaves as 0-RTT.
                stream = socket.openStream(StreamFlags.DONTWAIT);
                if (stream < 0) {
                    throw new IOException("qsock could not open a stream in 0-RTT");
                }
                int sent = socket.send(ByteBuffer.wrap(request), stream, StreamFlags.FIN | StreamFlags.DONTWAIT);
                if (sent != request.length) {
                    throw new IOException("qsock took " + sent + " of " + request.length + " bytes as 0-RTT");
                }
            }
            return new QsockClient(socket, handshake.finish(), stream);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** {@return whether {@link #connectSendingEarly} sent its request before the handshake completed} */
    public boolean sentEarly() {
        return earlyStream >= 0;
    }

    /** {@return the answer to the request {@link #connectSendingEarly} sent as 0-RTT, up to its FIN} */
    public byte[] earlyAnswer() throws IOException {
        if (earlyStream < 0) {
            throw new IllegalStateException("no request was sent as 0-RTT");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        readAnswer(earlyStream, b -> out.write(b.array(), b.arrayOffset() + b.position(), b.remaining()));
        return out.toByteArray();
    }

    /** {@return the key exchange group the handshake used, as the TLS engine reports it} */
    public qsock.tls.jca.NamedGroup keyExchangeGroup() {
        return keyExchangeGroup;
    }

    /** Connects to {@code server} offering {@code alpn}; fails when the handshake does not finish in {@code timeout}. */
    public static QsockClient connect(InetSocketAddress server, String alpn, Duration timeout) throws IOException {
        return connect(server, alpn, timeout, Qsock.config());
    }

    /**
     * Connects like {@link #connect(InetSocketAddress, String, Duration)}, but starting at 1200-byte datagrams
     * with path MTU discovery up to 65527 bytes, the qsock command's setting.
     */
    public static QsockClient connectDiscoveringPathMtu(InetSocketAddress server, String alpn, Duration timeout)
            throws IOException {
        return connect(server, alpn, timeout, Qsock.config().toBuilder()
                .maxDatagramSize(ConnectionConfig.MIN_DATAGRAM_SIZE).pathMtuCeiling(65527).build());
    }

    /**
     * Connects like {@link #connect(InetSocketAddress, String, Duration)}, but starting a key update after every
     * {@code interval} packets sealed with one key (RFC 9001 §6).
     */
    public static QsockClient connectUpdatingKeysEvery(long interval, InetSocketAddress server, String alpn,
                                                       Duration timeout) throws IOException {
        return connect(server, alpn, timeout, Qsock.config().toBuilder().keyUpdateInterval(interval).build());
    }

    /**
     * Connects like {@link #connect(InetSocketAddress, String, Duration)}, offering only {@code suites}: the
     * interop runner's chacha20 case offers ChaCha20-Poly1305 alone.
     */
    public static QsockClient connectOfferingSuites(InetSocketAddress server, String alpn, Duration timeout,
                                                    qsock.core.handshake.CipherSuite... suites) throws IOException {
        return connect(server, timeout, Qsock.config(), Qsock.clientTls(alpn).withCipherSuites(List.of(suites)));
    }

    /** Connects like {@link #connect(InetSocketAddress, String, Duration)}, trusting {@code pki}'s CA alone. */
    public static QsockClient connectTrusting(Pki pki, InetSocketAddress server, String alpn, Duration timeout)
            throws IOException {
        return connect(server, timeout, Qsock.config(), Qsock.clientTls(alpn, pki));
    }

    /**
     * Connects like {@link #connectTrusting}, offering only {@code groups}: without X25519MLKEM768 the ClientHello
     * fits the first datagram, which tests of what the server may send before validation count on.
     */
    public static QsockClient connectTrustingWithGroups(Pki pki, InetSocketAddress server, String alpn,
                                                        Duration timeout, qsock.tls.jca.NamedGroup... groups)
            throws IOException {
        return connect(server, timeout, Qsock.config(), Qsock.clientTls(alpn, pki, groups));
    }

    /**
     * Connects like {@link #connect(InetSocketAddress, String, Duration)}, offering only {@code groups}: without
     * X25519MLKEM768 the ClientHello fits one Initial packet.
     */
    public static QsockClient connectWithGroups(InetSocketAddress server, String alpn, Duration timeout,
                                                qsock.tls.jca.NamedGroup... groups) throws IOException {
        return connect(server, timeout, Qsock.config(), Qsock.clientTls(alpn, Pki.standard(), groups));
    }

    /**
     * Connects like {@link #connect(InetSocketAddress, String, Duration)}, starting with {@code start} and offering
     * {@code versions} in that order of preference (RFC 9368).
     */
    public static QsockClient connectWithVersions(InetSocketAddress server, String alpn, Duration timeout,
                                                  qsock.api.QuicVersion start, qsock.api.QuicVersion... versions)
            throws IOException {
        return connect(server, alpn, timeout, Qsock.config().toBuilder().version(start).versions(versions).build());
    }

    /** Connects like {@link #connect(InetSocketAddress, String, Duration)}, accepting RFC 9221 datagrams. */
    public static QsockClient connectWithDatagrams(InetSocketAddress server, String alpn, Duration timeout)
            throws IOException {
        return connect(server, alpn, timeout, Qsock.config().toBuilder().maxDatagramFrameSize(1452).build());
    }

    private static QsockClient connect(InetSocketAddress server, String alpn, Duration timeout,
                                       ConnectionConfig config) throws IOException {
        return connect(server, timeout, config, Qsock.clientTls(alpn));
    }

    private static QsockClient connect(InetSocketAddress server, Duration timeout, ConnectionConfig config,
                                       TlsClientConfig tls) throws IOException {
        QuicSocket socket = open(timeout, config);
        try {
            socket.connect(server);
            return new QsockClient(socket, QuicHandshake.clientHandshake(socket, tls, timeout));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static QuicSocket open(Duration timeout, ConnectionConfig config) throws IOException {
        QuicSocket socket = QuicSocket.open(config);
        try {
            socket.setOption(QuicSocketOptions.RECEIVE_BUFFER_SIZE, Qsock.SOCKET_BUFFER);
            socket.setOption(QuicSocketOptions.SEND_BUFFER_SIZE, Qsock.SOCKET_BUFFER);
            socket.setOption(QuicSocketOptions.TIMEOUT, timeout);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** The socket, for tests that look at it. */
    public QuicSocket socket() {
        return socket;
    }

    @Override
    public String applicationProtocol() {
        return socket.applicationProtocol();
    }

    @Override
    public Received get(String path) throws IOException {
        Received.Accumulator acc = new Received.Accumulator();
        exchange(HqInterop.request(path), acc::update);
        return acc.finish();
    }

    @Override
    public byte[] echo(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length);
        exchange(data, b -> out.write(b.array(), b.arrayOffset() + b.position(), b.remaining()));
        return out.toByteArray();
    }

    /**
     * hq-interop: requests {@code path} like {@link #get} and, once {@code after} bytes of the body arrived, moves the
     * connection to the local address {@code to} (RFC 9000 §9.2: {@link QuicSocketOptions#CONNECTION_MIGRATION}), on
     * the thread that reads, between two reads; the rest of the body arrives on whichever path the connection then
     * uses. {@code onMove} is told how the request to move went: null when the move started, else the refusal.
     */
    public Received getMovingAfter(String path, long after, InetSocketAddress to,
                                   java.util.function.Consumer<RuntimeException> onMove) throws IOException {
        Received.Accumulator acc = new Received.Accumulator();
        long stream = socket.openStream(0);
        byte[] request = HqInterop.request(path);
        if (socket.send(ByteBuffer.wrap(request), stream, StreamFlags.FIN) != request.length) {
            throw new IOException("qsock did not take the whole request on stream " + stream);
        }
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        boolean asked = false;
        while (true) {
            buf.clear();
            StreamMessage m = socket.receive(buf);
            if (m.streamId() != stream) {
                throw new IOException("data on stream " + m.streamId() + " while only stream " + stream + " is open");
            }
            buf.flip();
            acc.update(buf);
            if (!asked && acc.length() >= after) {
                asked = true;
                try {
                    socket.setOption(QuicSocketOptions.CONNECTION_MIGRATION, to);
                    onMove.accept(null);
                } catch (IllegalStateException e) {
                    onMove.accept(e);
                }
            }
            if (m.fin()) {
                return acc.finish();
            }
        }
    }

    @FunctionalInterface
    private interface Sink {
        void accept(ByteBuffer data);
    }

    // Sends `request` with FIN on a new bidirectional stream and passes what comes back to `sink` up to the FIN.
    private void exchange(byte[] request, Sink sink) throws IOException {
        long stream = socket.openStream(0);
        ByteBuffer src = ByteBuffer.wrap(request);
        int sent = socket.send(src, stream, StreamFlags.FIN);
        if (sent != request.length || src.hasRemaining()) {
            throw new IOException("qsock took " + sent + " of " + request.length + " request bytes on stream " + stream);
        }
        readAnswer(stream, sink);
    }

    // Passes what comes back on `stream` to `sink` up to the FIN.
    private void readAnswer(long stream, Sink sink) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        while (true) {
            buf.clear();
            StreamMessage m = socket.receive(buf);
            if (m.streamId() != stream) {
                throw new IOException("data on stream " + m.streamId() + " while only stream " + stream + " is open");
            }
            buf.flip();
            if (buf.remaining() != m.length()) {
                throw new IOException("receive said " + m.length() + " bytes but filled " + buf.remaining());
            }
            sink.accept(buf);
            if (m.fin()) {
                return;
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
