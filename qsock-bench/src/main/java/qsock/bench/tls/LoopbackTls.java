package qsock.bench.tls;

import java.io.IOException;
import java.io.InputStream;
import qsock.tls.Credential;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.PemFiles;

/** The TLS configurations of the loopback runs (ALPN "bench"): the bundled ECDSA P-256 test PKI's server and client. */
public final class LoopbackTls {

    private LoopbackTls() {}

    /** {@return a server with the bundled leaf certificate} */
    public static TlsServerConfig server() throws IOException {
        try (InputStream chain = resource("ecdsa-p256-chain.pem"); InputStream key = resource("ecdsa-p256-leaf.key")) {
            return TlsServerConfig.builder(new Credential(PemFiles.readCertificates(chain),
                    PemFiles.readPrivateKey(key))).applicationProtocols("bench").build();
        }
    }

    /** {@return a client of "localhost" trusting the bundled CA} */
    public static TlsClientConfig client() throws IOException {
        try (InputStream ca = resource("ecdsa-p256-ca.pem")) {
            return TlsClientConfig.builder().serverName("localhost").applicationProtocols("bench")
                    .certificateValidator(CertificateValidator.forTrustedCertificates(PemFiles.readCertificates(ca)))
                    .build();
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = LoopbackTls.class.getResourceAsStream("/qsock/bench/tls/" + name);
        if (in == null) {
            throw new IOException("missing resource " + name);
        }
        return in;
    }
}
