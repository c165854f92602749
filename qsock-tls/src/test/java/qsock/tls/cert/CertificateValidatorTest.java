package qsock.tls.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

class CertificateValidatorTest {

    private static final List<String> GOOD_HOSTS = List.of("localhost", "127.0.0.1", "::1", "a.test.qsock");

    private static CertificateValidator trusting(String name) {
        return CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(name)));
    }

    private static List<X509Certificate> odd(String kind) {
        return TestPki.certificates("ecdsa-p256-" + kind + "-leaf.pem");
    }

    @Test
    void eachChainValidatesAgainstItsCaForEveryName() throws TlsAlertException {
        for (String name : TestPki.NAMES) {
            CertificateValidator v = trusting(name);
            for (String host : GOOD_HOSTS) {
                v.validateServer(TestPki.chain(name), host);
                v.validateServer(List.of(TestPki.leaf(name)), host); // the anchor need not be sent
            }
            v.validateServer(TestPki.chain(name), null);
            v.validateClient(TestPki.chain(name));
        }
    }

    @Test
    void anotherCaIsUnknownCa() {
        for (String name : TestPki.NAMES) {
            for (String other : TestPki.NAMES) {
                if (!other.equals(name)) {
                    assertAlert(TlsAlert.UNKNOWN_CA, () -> trusting(other).validateServer(TestPki.chain(name), "localhost"));
                    assertAlert(TlsAlert.UNKNOWN_CA, () -> trusting(other).validateClient(List.of(TestPki.leaf(name))));
                }
            }
        }
    }

    @Test
    void anotherHostIsBadCertificate() {
        CertificateValidator v = trusting("rsa");
        // a.b.test.qsock: the wildcard of *.test.qsock spans one label only.
        for (String host : List.of("example.com", "a.b.test.qsock", "test.qsock", "127.0.0.2", "::2", "localhost.example")) {
            TlsAlertException e = assertAlert(TlsAlert.BAD_CERTIFICATE, () -> v.validateServer(TestPki.chain("rsa"), host));
            assertTrue(e.getMessage().contains(host), e.getMessage());
        }
    }

    @Test
    void aCertificateWithoutSubjectAltNamesNamesNoHost() throws TlsAlertException {
        CertificateValidator v = trusting("ecdsa-p256");
        assertAlert(TlsAlert.BAD_CERTIFICATE, () -> v.validateServer(odd("nosan"), "localhost"));
        v.validateServer(odd("nosan"), null);
    }

    @Test
    void expiredAndNotYetValidAreCertificateExpired() {
        CertificateValidator v = trusting("ecdsa-p256");
        for (String kind : List.of("expired", "future")) {
            assertAlert(TlsAlert.CERTIFICATE_EXPIRED, () -> v.validateServer(odd(kind), "localhost"));
            List<X509Certificate> withCa = new ArrayList<>(odd(kind));
            withCa.add(TestPki.ca("ecdsa-p256"));
            assertAlert(TlsAlert.CERTIFICATE_EXPIRED, () -> v.validateServer(withCa, "localhost"));
            assertAlert(TlsAlert.CERTIFICATE_EXPIRED, () -> v.validateClient(odd(kind)));
        }
    }

    @Test
    void aClientOnlyCertificateIsUnsupportedForAServer() throws TlsAlertException {
        CertificateValidator v = trusting("ecdsa-p256");
        assertAlert(TlsAlert.UNSUPPORTED_CERTIFICATE, () -> v.validateServer(odd("clientonly"), "localhost"));
        v.validateClient(odd("clientonly"));
    }

    @Test
    void aCaCertificateInTheLeafsPlaceIsUnsupported() {
        // A chain sent in the wrong order puts the CA (keyCertSign only) where the end entity must be.
        List<X509Certificate> reversed = new ArrayList<>(TestPki.chain("rsa"));
        Collections.reverse(reversed);
        assertAlert(TlsAlert.UNSUPPORTED_CERTIFICATE, () -> trusting("rsa").validateServer(reversed, "localhost"));
    }

    @Test
    void aTamperedCertificateIsBadCertificate() throws Exception {
        byte[] der = TestPki.leaf("ecdsa-p256").getEncoded();
        // Offset 16 lies in the serial number of the TBSCertificate: the DER stays valid, the signature does not.
        der[16] ^= 1;
        List<X509Certificate> tampered = CertificateValidator.parseChain(List.of(der));
        assertTrue(!tampered.getFirst().getSerialNumber().equals(TestPki.leaf("ecdsa-p256").getSerialNumber()));
        assertAlert(TlsAlert.BAD_CERTIFICATE, () -> trusting("ecdsa-p256").validateServer(tampered, "localhost"));
    }

    @Test
    void emptyChainsAreDecodeErrorFromAServerAndCertificateRequiredFromAClient() {
        for (CertificateValidator v : List.of(trusting("rsa"), CertificateValidator.insecure())) {
            assertAlert(TlsAlert.DECODE_ERROR, () -> v.validateServer(List.of(), "localhost"));
            assertAlert(TlsAlert.CERTIFICATE_REQUIRED, () -> v.validateClient(List.of()));
        }
    }

    @Test
    void insecureAcceptsAnything() throws TlsAlertException {
        CertificateValidator v = CertificateValidator.insecure();
        assertTrue(v.isInsecure());
        for (String name : TestPki.NAMES) {
            v.validateServer(TestPki.chain(name), "example.com");
            v.validateServer(List.of(TestPki.ca(name)), "a.b.test.qsock");
        }
        for (String kind : List.of("expired", "future", "clientonly", "nosan")) {
            v.validateServer(odd(kind), "localhost");
            v.validateClient(odd(kind));
        }
    }

    @Test
    void theSystemTrustStoreDoesNotKnowTheTestCa() {
        CertificateValidator v = CertificateValidator.system();
        assertTrue(!v.isInsecure());
        assertAlert(TlsAlert.UNKNOWN_CA, () -> v.validateServer(TestPki.chain("ecdsa-p256"), "localhost"));
    }

    @Test
    void aKeyStoreServesAsTrustStore() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ed25519", TestPki.ca("ed25519"));
        CertificateValidator v = CertificateValidator.forTrustStore(store);
        v.validateServer(TestPki.chain("ed25519"), "::1");
        assertAlert(TlsAlert.UNKNOWN_CA, () -> v.validateServer(TestPki.chain("rsa"), "::1"));
        assertThrows(IllegalArgumentException.class, () -> CertificateValidator.forTrustedCertificates(List.of()));
    }

    @Test
    void aCustomTrustManagerDecidesTrustButNotTheHostName() throws TlsAlertException {
        CertificateValidator refusing = CertificateValidator.forTrustManager(new Fixed(false));
        assertAlert(TlsAlert.CERTIFICATE_UNKNOWN, () -> refusing.validateServer(TestPki.chain("rsa"), "localhost"));
        assertAlert(TlsAlert.CERTIFICATE_UNKNOWN, () -> refusing.validateClient(TestPki.chain("rsa")));
        CertificateValidator accepting = CertificateValidator.forTrustManager(new Fixed(true));
        accepting.validateServer(TestPki.chain("rsa"), "localhost");
        assertAlert(TlsAlert.BAD_CERTIFICATE, () -> accepting.validateServer(TestPki.chain("rsa"), "example.com"));
    }

    /** A trust manager with a fixed answer. */
    private record Fixed(boolean trusts) implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check();
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check();
        }

        private void check() throws CertificateException {
            if (!trusts) {
                throw new CertificateException("pinned to another key");
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    @Test
    @Timeout(120)
    void validationRunsConcurrently() throws Exception {
        CertificateValidator v = trusting("ecdsa-p256");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<TlsAlert>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                boolean good = i % 2 == 0;
                results.add(pool.submit(() -> {
                    try {
                        v.validateServer(good ? TestPki.chain("ecdsa-p256") : odd("expired"), "localhost");
                        return null;
                    } catch (TlsAlertException e) {
                        return e.alert();
                    }
                }));
            }
            for (int i = 0; i < results.size(); i++) {
                assertEquals(i % 2 == 0 ? null : TlsAlert.CERTIFICATE_EXPIRED, results.get(i).get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void parseChainDecodesTheFixtures() throws Exception {
        List<byte[]> der = new ArrayList<>();
        for (X509Certificate c : TestPki.chain("rsa")) {
            der.add(c.getEncoded());
        }
        assertEquals(TestPki.chain("rsa"), CertificateValidator.parseChain(der));
        assertEquals(List.of(), CertificateValidator.parseChain(List.of()));
    }

    @Test
    void parseChainRefusesWhatIsNotExactlyOneDerCertificate() throws Exception {
        byte[] der = TestPki.leaf("ed25519").getEncoded();
        byte[] pemText = TestPki.text("ed25519-leaf.pem").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (byte[] bad : List.of(new byte[0], new byte[] {0x30}, new byte[] {0x30, 0x00}, Arrays.copyOf(der, der.length - 1),
                Arrays.copyOf(der, der.length + 1), pemText, "garbage".getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
            assertAlert(TlsAlert.BAD_CERTIFICATE, () -> CertificateValidator.parseChain(List.of(der, bad)));
        }
    }

    @Test
    void parseChainBoundsCountAndSize() throws Exception {
        byte[] der = TestPki.leaf("ed25519").getEncoded();
        assertEquals(CertificateValidator.MAX_CHAIN_LENGTH,
                CertificateValidator.parseChain(Collections.nCopies(CertificateValidator.MAX_CHAIN_LENGTH, der)).size());
        assertAlert(TlsAlert.BAD_CERTIFICATE,
                () -> CertificateValidator.parseChain(Collections.nCopies(CertificateValidator.MAX_CHAIN_LENGTH + 1, der)));
        byte[] huge = new byte[CertificateValidator.MAX_CERTIFICATE_BYTES + 1];
        huge[0] = 0x30;
        assertAlert(TlsAlert.BAD_CERTIFICATE, () -> CertificateValidator.parseChain(List.of(huge)));
    }

    @Test
    @Timeout(120)
    void parseChainRaisesOnlyBadCertificateOnRandomAndMutatedInput() throws Exception {
        List<byte[]> fixtures = new ArrayList<>();
        for (String name : TestPki.NAMES) {
            fixtures.add(TestPki.leaf(name).getEncoded());
            fixtures.add(TestPki.ca(name).getEncoded());
        }
        Properties.forAll(r -> {
            if (r.nextInt(4) == 0) {
                byte[] b = Generators.bytesUpTo(r, 400);
                if (b.length > 0 && r.nextBoolean()) {
                    b[0] = 0x30;
                }
                return b;
            }
            return PemFilesTest.mutateBytes(r, fixtures.get(r.nextInt(fixtures.size())));
        }, der -> {
            try {
                assertEquals(1, CertificateValidator.parseChain(List.of(der)).size());
            } catch (TlsAlertException e) {
                assertEquals(TlsAlert.BAD_CERTIFICATE, e.alert());
            }
        });
    }

    private interface Validation {
        void run() throws TlsAlertException;
    }

    private static TlsAlertException assertAlert(TlsAlert expected, Validation validation) {
        TlsAlertException e = assertThrows(TlsAlertException.class, validation::run);
        assertEquals(expected, e.alert(), e::toString);
        return e;
    }
}
