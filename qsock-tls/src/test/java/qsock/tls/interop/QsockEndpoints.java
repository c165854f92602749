package qsock.tls.interop;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import qsock.tls.Credential;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsEngine;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;

/**
 * qsock's side of the interop tests: engines in the TLS-over-TCP test mode (no transport parameters),
 * behind a {@link TlsRecordLayer} on a loopback socket. Delegated tasks are on, so that the record layer
 * runs them as a transport would.
 */
final class QsockEndpoints {

    /** Every socket read gives up after this long: a peer that stops talking fails the test, not hangs it. */
    static final int SOCKET_TIMEOUT_MILLIS = 10_000;

    private QsockEndpoints() {}

    /** {@return a client for "localhost" that trusts the CA of {@code pki}} */
    static TlsClientConfig.Builder client(String pki) {
        return TlsClientConfig.builder().forTlsOverTcpTesting().serverName("localhost").delegateTasks(true)
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(pki))));
    }

    /** {@return a server with the leaf and CA of {@code pki}} */
    static TlsServerConfig.Builder server(String pki) {
        return TlsServerConfig.builder(new Credential(TestPki.chain(pki), TestPki.leafKey(pki)))
                .forTlsOverTcpTesting().delegateTasks(true);
    }

    /** {@return a client engine connected to {@code port} on the loopback address} */
    static TlsRecordLayer connect(int port, TlsClientConfig config, long seed) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        try {
            socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            return new TlsRecordLayer(socket, TlsEngine.client(config, TestPki.seeded(seed), null));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** {@return a listening socket on a free loopback port, whose accept gives up after the socket timeout} */
    static ServerSocket listen() throws IOException {
        ServerSocket listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        listener.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
        return listener;
    }

    /** {@return a server engine on the next connection to {@code listener}} */
    static TlsRecordLayer accept(ServerSocket listener, TlsServerConfig config, long seed) throws IOException {
        Socket socket = listener.accept();
        try {
            socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            return new TlsRecordLayer(socket, TlsEngine.server(config, TestPki.seeded(seed), (byte[]) null));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }
}
