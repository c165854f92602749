package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import qsock.core.handshake.EncryptionLevel;

/** What the negative tests assert of an engine that refused its input. */
final class EngineAssertions {

    private EngineAssertions() {}

    /**
     * Feeds {@code bytes} at {@code level} and asserts that the engine fails for good: the alert is thrown,
     * the status is FAILED, no event is left, and every later call throws the very same exception.
     *
     * @return the alert thrown
     */
    static TlsAlertException assertFails(TlsEngine engine, EncryptionLevel level, byte[] bytes) {
        TlsAlertException e = assertThrows(TlsAlertException.class,
                () -> engine.receive(level, ByteBuffer.wrap(bytes)));
        assertFailedFor(engine, e);
        return e;
    }

    /** Asserts that the engine failed with {@code e} and stays failed with it. */
    static void assertFailedFor(TlsEngine engine, TlsAlertException e) {
        assertNotNull(e.alert());
        assertEquals(TlsEngine.Status.FAILED, engine.status());
        assertNull(engine.poll());
        assertNull(engine.delegatedTask());
        for (EncryptionLevel level : EncryptionLevel.values()) {
            TlsAlertException again = assertThrows(TlsAlertException.class,
                    () -> engine.receive(level, ByteBuffer.wrap(new byte[] {20, 0, 0, 0})));
            assertSame(e, again);
        }
        assertSame(e, assertThrows(TlsAlertException.class, engine::resume));
        assertNull(engine.poll());
    }

    /** Asserts the alert, naming the engine's reason on a mismatch. */
    static void assertAlert(TlsAlert expected, TlsAlertException e) {
        assertSame(expected, e.alert(), () -> "expected " + expected + ", got " + e);
    }
}
