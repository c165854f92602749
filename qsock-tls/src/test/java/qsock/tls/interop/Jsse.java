package qsock.tls.interop;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import qsock.core.handshake.CipherSuite;
import qsock.tls.cert.TestPki;
import qsock.tls.jca.NamedGroup;

/**
 * The JDK's own TLS stack (SunJSSE) as the peer: contexts with key and trust stores built in memory from
 * the test PKI, sockets on the loopback address, parameters pinned to one protocol version, suite and group.
 *
 * <p>{@code jdk.tls.client.useCompatibilityMode} is set to false when this class loads, before the first
 * SSLContext is made (SunJSSE reads it once): RFC 9001 §8.4 forbids middlebox compatibility mode in QUIC,
 * so a JDK client that sends no legacy_session_id and no change_cipher_spec looks like the QUIC clients the
 * engine is for. gnutls-cli keeps its compatibility mode, so the record layer's handling of both is
 * exercised. If another test made an SSLContext first in the same JVM, JDK clients keep compatibility
 * mode; the qsock server accepts both forms over TCP, so only the coverage changes, not the results.
 */
final class Jsse {

    static {
        System.setProperty("jdk.tls.client.useCompatibilityMode", "false");
    }

    static final String TLS13 = "TLSv1.3";
    static final String TLS12 = "TLSv1.2";

    private static final char[] PASSWORD = "qsock-test".toCharArray();

    private Jsse() {}

    /**
     * {@return a context presenting the leaf of {@code keyPki} (with its CA) and trusting the CA of
     * {@code trustPki}}
     */
    static SSLContext context(String keyPki, String trustPki) {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("leaf", TestPki.leafKey(keyPki), PASSWORD,
                    TestPki.chain(keyPki).toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, PASSWORD);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", TestPki.ca(trustPki));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), TestPki.seeded(0x15E));
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a JSSE context for " + keyPki + ": " + e, e);
        }
    }

    /** {@return a context presenting and trusting {@code pki}} */
    static SSLContext context(String pki) {
        return context(pki, pki);
    }

    /**
     * {@return parameters for one protocol version}, with host name verification ("HTTPS") and SNI for
     * "localhost" when used by a client
     *
     * @param suite the only cipher suite, or null for the JDK's defaults of that version
     * @param group the only named group (Java 20+ {@link SSLParameters#setNamedGroups}), or null for the
     *     defaults
     * @param alpn the ALPN protocols, in preference order; none to leave ALPN out
     */
    static SSLParameters parameters(SSLContext context, String protocol, CipherSuite suite, NamedGroup group,
                                    String... alpn) {
        SSLParameters p = context.getDefaultSSLParameters();
        p.setProtocols(new String[] {protocol});
        if (suite != null) {
            // qsock names its suites as RFC 8446 and the JDK do.
            p.setCipherSuites(new String[] {suite.name()});
        }
        if (group != null) {
            p.setNamedGroups(new String[] {groupName(group)});
        }
        p.setApplicationProtocols(alpn);
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setServerNames(List.of(new SNIHostName("localhost")));
        return p;
    }

    /** {@return the JDK's standard name of a group} */
    static String groupName(NamedGroup group) {
        return switch (group) {
            case X25519 -> "x25519";
            case SECP256R1 -> "secp256r1";
            case SECP384R1 -> "secp384r1";
            default -> throw new IllegalArgumentException("not used with the JDK: " + group);
        };
    }

    /** {@return a server socket on a free loopback port} */
    static SSLServerSocket listen(SSLContext context, SSLParameters parameters) throws IOException {
        SSLServerSocket listener = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 4, InetAddress.getLoopbackAddress());
        listener.setSSLParameters(parameters);
        listener.setSoTimeout(QsockEndpoints.SOCKET_TIMEOUT_MILLIS);
        return listener;
    }

    /** {@return a client socket to a loopback port, for host "localhost", not yet handshaken} */
    static SSLSocket connect(SSLContext context, int port, SSLParameters parameters) throws IOException {
        Socket plain = new Socket(InetAddress.getLoopbackAddress(), port);
        try {
            plain.setSoTimeout(QsockEndpoints.SOCKET_TIMEOUT_MILLIS);
            SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", port, true);
            socket.setSSLParameters(parameters);
            return socket;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }
}
