package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.HandshakeChannel;
import qsock.core.handshake.KeyDirection;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;

/** RFC 9001 §9: the traffic secrets the driver hands to the transport are overwritten once installed. */
class HandshakeDriverSecretHygieneTest {

    /** Delegates to a {@link HandshakeDriverTest.MemoryChannel}, keeping the very arrays it was handed. */
    private static final class Keeping implements HandshakeChannel {
        final HandshakeDriverTest.MemoryChannel inner;
        final List<byte[]> handed = new ArrayList<>();
        final List<byte[]> copies = new ArrayList<>();

        Keeping(HandshakeDriverTest.MemoryChannel inner) {
            this.inner = inner;
        }

        @Override public boolean isClient() { return inner.isClient(); }
        @Override public EncryptionLevel readHandshake(ByteBuffer dst) { return inner.readHandshake(dst); }
        @Override public void writeHandshake(EncryptionLevel level, ByteBuffer data) { inner.writeHandshake(level, data); }
        @Override public byte[] localTransportParameters() { return inner.localTransportParameters(); }
        @Override public void peerTransportParameters(byte[] encoded) { inner.peerTransportParameters(encoded); }
        @Override public void handshakeComplete(String protocol) { inner.handshakeComplete(protocol); }
        @Override public void handshakeFailed(int alert, String reason) { inner.handshakeFailed(alert, reason); }
        @Override public boolean isHandshaking() { return inner.isHandshaking(); }

        @Override
        public void installSecret(EncryptionLevel level, KeyDirection direction, CipherSuite suite, byte[] secret) {
            handed.add(secret);
            copies.add(secret.clone());
        }
    }

    @Test
    void secretsHandedToTheTransportAreZeroedAfterwards() {
        HandshakeDriverTest.MemoryChannel c = new HandshakeDriverTest.MemoryChannel(true);
        HandshakeDriverTest.MemoryChannel s = new HandshakeDriverTest.MemoryChannel(false);
        c.peer = s;
        s.peer = c;
        Keeping client = new Keeping(c);
        HandshakeDriver clientDriver = HandshakeDriver.client(client, TlsClientConfig.builder().serverName("localhost")
                .applicationProtocols("echo").certificateValidator(CertificateValidator.forTrustedCertificates(
                        List.of(TestPki.ca("ecdsa-p256")))).build(), TestPki.seeded(1));
        HandshakeDriver serverDriver = HandshakeDriver.server(s, TlsServerConfig.builder(new Credential(
                TestPki.chain("ecdsa-p256"), TestPki.leafKey("ecdsa-p256"))).applicationProtocols("echo").build(),
                TestPki.seeded(2));
        for (int i = 0; i < 10 && (c.completedWith == null || s.completedWith == null); i++) {
            clientDriver.step();
            serverDriver.step();
        }
        assertEquals("echo", c.completedWith);
        assertEquals(4, client.handed.size(), "Handshake and 1-RTT, each direction");
        for (int i = 0; i < client.handed.size(); i++) {
            byte[] copy = client.copies.get(i);
            assertTrue(!isZero(copy), "the secret was there when installed");
            assertTrue(isZero(client.handed.get(i)), "secret " + i + " is overwritten after installation");
        }
    }

    private static boolean isZero(byte[] a) {
        for (byte b : a) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
