package qsock.tls.socket;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import qsock.api.ConnectionConfig;
import qsock.socket.QuicSocket;
import qsock.tls.Credential;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;

/** Real sockets on loopback with the test PKI: a listener, and clients connected to it with handshakes done. */
final class Loopback implements AutoCloseable {

    /** Every kind of event: tests that read events turn them all on (they are off by default, as in the kernel). */
    static final java.util.Set<qsock.socket.QuicEvent.Type> ALL_EVENTS =
            java.util.EnumSet.allOf(qsock.socket.QuicEvent.Type.class);


    static final String PKI = "ecdsa-p256";
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    final QuicSocket listener;
    final InetSocketAddress address;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    private Loopback(QuicSocket listener) {
        this.listener = listener;
        this.address = (InetSocketAddress) listener.localAddress();
    }

    /** {@return a listener on {@code host} (127.0.0.1 or ::1), port picked by the system, backlog 16} */
    static Loopback listen(String host) throws IOException {
        return listen(host, ConnectionConfig.defaults(), 16);
    }

    static Loopback listen(String host, ConnectionConfig config, int backlog) throws IOException {
        QuicSocket listener = QuicSocket.open(config).bind(new InetSocketAddress(address(host), 0));
        listener.listen(backlog);
        return new Loopback(listener);
    }

    /** {@return a loopback around {@code listener}, already listening; closing it closes the listener} */
    static Loopback wrap(QuicSocket listener) {
        return new Loopback(listener);
    }

    static InetAddress address(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static TlsServerConfig serverTls() {
        return TlsServerConfig.builder(new Credential(TestPki.chain(PKI), TestPki.leafKey(PKI)))
                .applicationProtocols("echo", "hq-interop").build();
    }

    static TlsClientConfig clientTls() {
        return clientTls(PKI);
    }

    /** {@return a client trusting the CA of the test PKI {@code trusted}} */
    static TlsClientConfig clientTls(String trusted) {
        return TlsClientConfig.builder().serverName("localhost").applicationProtocols("echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(trusted))))
                .build();
    }

    /** A connected client and the server's socket of the same connection, both past the handshake. */
    record Connection(QuicSocket client, QuicSocket server) implements AutoCloseable {
        @Override
        public void close() {
            client.close();
            server.close();
        }
    }

    /** Connects a client, accepts it and runs both handshakes (the server's on a virtual thread). */
    Connection connect() throws Exception {
        return connect(ConnectionConfig.defaults());
    }

    Connection connect(ConnectionConfig clientConfig) throws Exception {
        Future<QuicSocket> accepted = threads.submit(() -> {
            QuicSocket s = listener.accept();
            QuicHandshake.serverHandshake(s, serverTls(), HANDSHAKE_TIMEOUT);
            return s;
        });
        QuicSocket client = QuicSocket.open(clientConfig);
        client.connect(address);
        QuicHandshake.clientHandshake(client, clientTls(), HANDSHAKE_TIMEOUT);
        try {
            return new Connection(client, accepted.get());
        } catch (ExecutionException e) {
            client.close();
            throw e;
        }
    }

    /** {@return a future of {@code task} on a virtual thread} */
    <T> Future<T> background(java.util.concurrent.Callable<T> task) {
        return threads.submit(task);
    }

    @Override
    public void close() {
        listener.close();
        threads.shutdownNow();
    }
}
