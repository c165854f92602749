package qsock.tls.socket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import qsock.api.ConnectionConfig;
import qsock.socket.QuicSocket;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsEngine;
import qsock.tls.TlsServerConfig;

/**
 * A listener on loopback whose options are set between bind and listen, and clients whose options are set before
 * connect, for the option tests: unlike {@link Loopback}, which listens at once.
 */
final class OptionsLoopback implements AutoCloseable {

    /** What is done to a socket before it listens or connects. */
    @FunctionalInterface
    interface Setup {
        Setup NONE = s -> { };

        void apply(QuicSocket socket) throws Exception;
    }

    final QuicSocket listener;
    final InetSocketAddress address;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    private OptionsLoopback(QuicSocket listener) {
        this.listener = listener;
        this.address = (InetSocketAddress) listener.localAddress();
    }

    /** {@return a listener on 127.0.0.1 with {@code config}, set up by {@code beforeListen}, backlog 16} */
    static OptionsLoopback listen(ConnectionConfig config, Setup beforeListen) throws Exception {
        QuicSocket listener = QuicSocket.open(config).bind(new InetSocketAddress("127.0.0.1", 0));
        try {
            beforeListen.apply(listener);
            listener.listen(16);
        } catch (Exception | Error e) {
            listener.close();
            throw e;
        }
        return new OptionsLoopback(listener);
    }

    static OptionsLoopback listen(Setup beforeListen) throws Exception {
        return listen(ConnectionConfig.defaults(), beforeListen);
    }

    /** Both ends of one connection past the handshake, with their engines. */
    record Connection(QuicSocket client, QuicSocket server, TlsEngine clientEngine, TlsEngine serverEngine)
            implements AutoCloseable {
        @Override
        public void close() {
            client.close();
            server.close();
        }
    }

    /**
     * The outcome of a handshake expected to fail: what each side's handshake call threw, or null, and why the
     * client's connection ended (a client may complete its side before the server refuses it: TLS 1.3 clients send
     * their Finished first, and learn of the refusal from the CONNECTION_CLOSE that follows).
     */
    record Failure(Throwable client, qsock.core.error.ConnectionError clientClose, Throwable server) {}

    /** Connects a client set up by {@code clientSetup}, accepts it, and runs both handshakes (the server's aside). */
    Connection connect(ConnectionConfig clientConfig, Setup clientSetup, TlsClientConfig clientTls,
                       TlsServerConfig serverTls) throws Exception {
        Future<Object[]> accepted = threads.submit(() -> {
            QuicSocket s = listener.accept();
            try {
                return new Object[] {s, QuicHandshake.serverHandshake(s, serverTls, Loopback.HANDSHAKE_TIMEOUT)};
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        });
        QuicSocket client = QuicSocket.open(clientConfig);
        try {
            clientSetup.apply(client);
            client.connect(address);
            TlsEngine engine = QuicHandshake.clientHandshake(client, clientTls, Loopback.HANDSHAKE_TIMEOUT);
            Object[] server = accepted.get();
            return new Connection(client, (QuicSocket) server[0], engine, (TlsEngine) server[1]);
        } catch (Exception | Error e) {
            client.close();
            throw e;
        }
    }

    Connection connect(Setup clientSetup, TlsClientConfig clientTls, TlsServerConfig serverTls) throws Exception {
        return connect(ConnectionConfig.defaults(), clientSetup, clientTls, serverTls);
    }

    /** Runs a handshake expected to fail; {@return what each side threw} */
    Failure failedHandshake(TlsClientConfig clientTls, TlsServerConfig serverTls) throws Exception {
        Future<Throwable> server = threads.submit(() -> {
            try (QuicSocket s = listener.accept()) {
                QuicHandshake.serverHandshake(s, serverTls, Loopback.HANDSHAKE_TIMEOUT);
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        Throwable clientFailure = null;
        try (QuicSocket client = QuicSocket.open()) {
            client.connect(address);
            try {
                QuicHandshake.clientHandshake(client, clientTls, Loopback.HANDSHAKE_TIMEOUT);
            } catch (IOException e) {
                clientFailure = e;
            }
            Waits.until("the client's connection ended", () -> client.state().isClosingOrClosed());
            return new Failure(clientFailure, client.closeError(), server.get());
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
