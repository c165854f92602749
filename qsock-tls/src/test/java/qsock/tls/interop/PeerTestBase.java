package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every differential test against a peer (GnuTLS, OpenSSL, JSSE, or a qsock endpoint on a thread) shares:
 * a fresh directory for the peer's files, an executor for the peer threads that must have ended after each test,
 * the deadline for waiting on a peer, and the failure message that carries the peer's transcript.
 */
abstract class PeerTestBase {

    /** How long a test waits for a peer's output or its thread's result. */
    static final Duration PEER_TIMEOUT = Duration.ofSeconds(20);

    /** Per test: PKI files, peer logs and session files. */
    @TempDir
    Path dir;

    /** Runs the test's peer threads (a qsock server, a JSSE peer); stopped after each test. */
    final ExecutorService peers = Executors.newCachedThreadPool();

    /** Interrupts the peer threads and fails the test if one of them does not end, so none outlives its test. */
    @AfterEach
    void stopPeers() throws InterruptedException {
        peers.shutdownNow();
        assertTrue(peers.awaitTermination(10, TimeUnit.SECONDS), "a peer thread did not end");
    }

    /**
     * Runs {@code body}; any failure gets the peer's transcript added, which is where GnuTLS and OpenSSL say why.
     */
    static void withTranscript(Supplier<String> transcript, Executable body) throws Exception {
        try {
            body.execute();
        } catch (Throwable t) {
            throw new AssertionError(t + "\n--- peer:\n" + transcript.get(), t);
        }
    }
}
