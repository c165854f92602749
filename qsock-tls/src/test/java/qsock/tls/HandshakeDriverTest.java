package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.core.handshake.HandshakeChannel;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;

/** The driver between an engine and a handshake channel, over two in-memory channels wired to each other. */
class HandshakeDriverTest {

    /** A channel that logs every call and hands written bytes to its peer channel. */
    static final class MemoryChannel implements HandshakeChannel {
        final boolean client;
        final List<String> log = new ArrayList<>();
        final Map<EncryptionLevel, ArrayDeque<byte[]>> inbox = new EnumMap<>(EncryptionLevel.class);
        MemoryChannel peer;
        byte[] peerParameters;
        String completedWith;
        int failedAlert = -1;

        MemoryChannel(boolean client) {
            this.client = client;
        }

        @Override
        public boolean isClient() {
            return client;
        }

        @Override
        public EncryptionLevel readHandshake(ByteBuffer dst) {
            for (EncryptionLevel level : EncryptionLevel.values()) {
                ArrayDeque<byte[]> q = inbox.get(level);
                if (q != null && !q.isEmpty() && dst.remaining() >= q.peek().length) {
                    dst.put(q.poll());
                    return level;
                }
            }
            return null;
        }

        @Override
        public void writeHandshake(EncryptionLevel level, ByteBuffer data) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            log.add("write " + level);
            peer.inbox.computeIfAbsent(level, l -> new ArrayDeque<>()).add(bytes);
        }

        @Override
        public void installSecret(EncryptionLevel level, KeyDirection direction, CipherSuite suite, byte[] secret) {
            log.add("secret " + level + " " + direction);
        }

        @Override
        public byte[] localTransportParameters() {
            return client ? new byte[] {1, 2} : new byte[] {3, 4, 5};
        }

        @Override
        public void peerTransportParameters(byte[] encoded) {
            peerParameters = encoded;
            log.add("peer parameters");
        }

        @Override
        public void handshakeComplete(String applicationProtocol) {
            completedWith = applicationProtocol;
            log.add("complete");
        }

        @Override
        public void handshakeFailed(int alert, String reason) {
            failedAlert = alert;
            log.add("failed " + alert);
        }

        @Override
        public boolean isHandshaking() {
            return completedWith == null && failedAlert < 0;
        }
    }

    private static TlsClientConfig.Builder client(String trustedPki) {
        return TlsClientConfig.builder().serverName("localhost").applicationProtocols("echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(trustedPki))));
    }

    private static TlsServerConfig.Builder server() {
        return TlsServerConfig.builder(new Credential(TestPki.chain("ecdsa-p256"), TestPki.leafKey("ecdsa-p256")))
                .applicationProtocols("echo");
    }

    private static void wire(MemoryChannel a, MemoryChannel b) {
        a.peer = b;
        b.peer = a;
    }

    @Test
    void twoDriversCompleteAHandshakeAndDeliverTransportParametersAndSecretsInOrder() {
        MemoryChannel c = new MemoryChannel(true);
        MemoryChannel s = new MemoryChannel(false);
        wire(c, s);
        HandshakeDriver client = HandshakeDriver.client(c, client("ecdsa-p256").build(), TestPki.seeded(1));
        HandshakeDriver server = HandshakeDriver.server(s, server().build(), TestPki.seeded(2));
        HandshakeDriver.Step cs = null;
        HandshakeDriver.Step ss = null;
        for (int i = 0; i < 10 && !(cs == HandshakeDriver.Step.COMPLETE && ss == HandshakeDriver.Step.COMPLETE); i++) {
            cs = client.step();
            ss = server.step();
        }
        assertEquals(HandshakeDriver.Step.COMPLETE, cs);
        assertEquals(HandshakeDriver.Step.COMPLETE, ss);
        assertEquals("echo", c.completedWith);
        assertEquals("echo", s.completedWith);
        assertEquals(List.of((byte) 3, (byte) 4, (byte) 5), boxed(c.peerParameters));
        assertEquals(List.of((byte) 1, (byte) 2), boxed(s.peerParameters));
        // RFC 9001 §4.1: the client's Finished (a Handshake write) goes before its 1-RTT write secret.
        int finished = c.log.lastIndexOf("write HANDSHAKE");
        int oneRttWrite = c.log.indexOf("secret APPLICATION WRITE");
        assertTrue(finished >= 0 && oneRttWrite > finished, c.log.toString());
        assertTrue(c.log.indexOf("secret HANDSHAKE READ") < c.log.indexOf("write HANDSHAKE"), c.log.toString());
    }

    private static List<Byte> boxed(byte[] b) {
        List<Byte> list = new ArrayList<>();
        for (byte x : b) {
            list.add(x);
        }
        return list;
    }

    @Test
    void delegatedTasksAreReportedAndTheNextStepGoesOn() {
        MemoryChannel c = new MemoryChannel(true);
        MemoryChannel s = new MemoryChannel(false);
        wire(c, s);
        HandshakeDriver client = HandshakeDriver.client(c, client("ecdsa-p256").delegateTasks(true).build(),
                TestPki.seeded(3));
        HandshakeDriver server = HandshakeDriver.server(s, server().delegateTasks(true).build(), TestPki.seeded(4));
        int tasks = 0;
        for (int i = 0; i < 20 && !(client.isComplete() && server.isComplete()); i++) {
            for (HandshakeDriver d : List.of(client, server)) {
                if (d.step() == HandshakeDriver.Step.TASK_PENDING) {
                    Runnable task = d.delegatedTask();
                    assertNotNull(task);
                    task.run();
                    tasks++;
                }
            }
        }
        assertTrue(client.isComplete() && server.isComplete());
        assertTrue(tasks >= 2, "the server signed and the client validated off the stepping path: " + tasks);
    }

    @Test
    void aHandshakeFailureReachesTheChannelAsItsAlert() {
        MemoryChannel c = new MemoryChannel(true);
        MemoryChannel s = new MemoryChannel(false);
        wire(c, s);
        HandshakeDriver client = HandshakeDriver.client(c, client("rsa").build(), TestPki.seeded(5));
        HandshakeDriver server = HandshakeDriver.server(s, server().build(), TestPki.seeded(6));
        HandshakeDriver.Step cs = null;
        for (int i = 0; i < 10 && cs != HandshakeDriver.Step.FAILED; i++) {
            cs = client.step();
            server.step();
        }
        assertEquals(HandshakeDriver.Step.FAILED, cs);
        assertEquals(TlsAlert.UNKNOWN_CA.code(), c.failedAlert);
        assertEquals(TlsAlert.UNKNOWN_CA, client.failure().alert());
        assertEquals(HandshakeDriver.Step.FAILED, client.step(), "a failed driver stays failed");
    }

    @Test
    void aDriverRefusesAChannelOfTheOtherRole() {
        assertThrows(IllegalArgumentException.class,
                () -> HandshakeDriver.client(new MemoryChannel(false), client("rsa").build(), TestPki.seeded(7)));
        assertThrows(IllegalArgumentException.class,
                () -> HandshakeDriver.server(new MemoryChannel(true), server().build(), TestPki.seeded(8)));
    }
}
