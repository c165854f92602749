package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static qsock.tls.EngineAssertions.assertAlert;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.cert.TestPki;
import qsock.tls.message.HandshakeType;

/**
 * After an alert an engine stays failed: every later receive() and resume() throws the very same
 * {@link TlsAlertException}, whatever the level or input, events not yet polled are gone, and no task is
 * offered. Caller misuse is not an alert and does not fail the engine.
 */
class FailedEngineTest {

    private static TlsEngine server() {
        return TlsEngine.server(ServerFlight.server("ecdsa-p256").build(), TestPki.seeded(1), ServerFlight.SERVER_PARAMS);
    }

    @Test
    void eventsQueuedBeforeTheFailureAreDropped() throws TlsAlertException {
        // The server's whole first flight is queued, unpolled, when the client's next bytes break a rule: none
        // of it may leave, secrets included.
        TlsEngine server = server();
        server.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(RawClientHello.valid(1).encode()));
        assertEquals(TlsEngine.Status.IN_PROGRESS, server.status());
        TlsAlertException e = assertThrows(TlsAlertException.class, () -> server.receive(EncryptionLevel.HANDSHAKE,
                ByteBuffer.wrap(Raw.sample(HandshakeType.CERTIFICATE))));
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, e);
        assertNull(server.poll());
        assertEquals(TlsEngine.Status.FAILED, server.status());
    }

    @Test
    void everyLaterCallThrowsTheSameException() {
        TlsEngine server = server();
        TlsAlertException first = assertThrows(TlsAlertException.class,
                () -> server.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(Raw.sample(HandshakeType.FINISHED))));
        for (int i = 0; i < 3; i++) {
            // Valid input, empty input, any level: the engine no longer looks at it.
            assertSame(first, assertThrows(TlsAlertException.class, () -> server.receive(EncryptionLevel.INITIAL,
                    ByteBuffer.wrap(RawClientHello.valid(2).encode()))));
            assertSame(first, assertThrows(TlsAlertException.class,
                    () -> server.receive(EncryptionLevel.APPLICATION, ByteBuffer.allocate(0))));
            assertSame(first, assertThrows(TlsAlertException.class, server::resume));
            assertNull(server.poll());
            assertNull(server.delegatedTask());
            assertEquals(TlsEngine.Status.FAILED, server.status());
        }
    }

    @Test
    void aFailedDelegatedTaskFailsTheEngineForGood() {
        ServerFlight f = ServerFlight.of(ServerFlight.client("ed25519").delegateTasks(true).build(),
                ServerFlight.server("rsa").build(), 3);
        f.helloDelivered().deliver(EncryptionLevel.HANDSHAKE, Raw.concat(f.encryptedExtensions(), f.certificate()));
        Runnable task = f.client().delegatedTask();
        assertNotNull(task);
        task.run();
        // The task ran; its failure is reported by resume(), and then by every call.
        TlsAlertException e = assertThrows(TlsAlertException.class, f.client()::resume);
        assertAlert(TlsAlert.UNKNOWN_CA, e);
        EngineAssertions.assertFailedFor(f.client(), e);
        assertThrows(IllegalStateException.class, task::run);
    }

    @Test
    void resumeWithoutATaskIsMisuseNotAFailure() throws TlsAlertException {
        TlsEngine server = server();
        assertThrows(IllegalStateException.class, server::resume);
        assertEquals(TlsEngine.Status.IN_PROGRESS, server.status());
        server.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(RawClientHello.valid(4).encode()));
        assertNotNull(server.poll());
    }

    @Test
    void resumeBeforeTheTaskRanIsMisuseNotAFailure() throws TlsAlertException {
        ServerFlight f = ServerFlight.of(ServerFlight.client("ecdsa-p256").delegateTasks(true).build(),
                ServerFlight.server("ecdsa-p256").build(), 5);
        f.helloDelivered().deliver(EncryptionLevel.HANDSHAKE, Raw.concat(f.encryptedExtensions(), f.certificate(),
                f.certificateVerify(), f.finished()));
        assertThrows(IllegalStateException.class, f.client()::resume);
        assertEquals(TlsEngine.Status.TASK_PENDING, f.client().status());
        f.client().delegatedTask().run();
        f.client().resume();
        assertEquals(TlsEngine.Status.COMPLETE, f.client().status());
    }
}
