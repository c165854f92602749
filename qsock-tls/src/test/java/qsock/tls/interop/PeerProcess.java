package qsock.tls.interop;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A peer program (gnutls-serv, gnutls-cli) run as a child process: its stdout and stderr are collected
 * by daemon threads as they come, tests wait for what they expect in them (with a timeout, never a
 * sleep), and {@link #close()} always ends the process. {@link #toString()} is the transcript to put
 * into failure messages.
 */
final class PeerProcess implements AutoCloseable {

    /** Output shown in a failure message, from each end of a stream; echo servers log everything. */
    private static final int TRANSCRIPT_HEAD = 4000;
    private static final int TRANSCRIPT_TAIL = 4000;

    /** One output stream of the process, collected on a daemon thread. */
    static final class Capture {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private boolean ended;

        private Capture(InputStream in, String threadName) {
            Thread.ofPlatform().daemon().name(threadName).start(() -> collect(in));
        }

        private void collect(InputStream in) {
            byte[] buffer = new byte[16 * 1024];
            try (in) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    synchronized (this) {
                        bytes.write(buffer, 0, n);
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                // The process was destroyed: what came before is all there is.
            } finally {
                synchronized (this) {
                    ended = true;
                    notifyAll();
                }
            }
        }

        /** {@return everything collected so far} */
        synchronized byte[] bytes() {
            return bytes.toByteArray();
        }

        /** {@return everything collected so far, as text} */
        synchronized String text() {
            return bytes.toString(StandardCharsets.ISO_8859_1);
        }

        /** {@return how many bytes were collected so far} */
        synchronized int size() {
            return bytes.size();
        }

        /**
         * Waits until {@code condition} holds for the text collected, the stream ends, or the timeout passes.
         *
         * @return whether the condition holds
         */
        synchronized boolean awaitText(Predicate<String> condition, Duration timeout) throws InterruptedException {
            return await(() -> condition.test(text()), timeout);
        }

        /** Waits until the stream ended (the process closed it) or the timeout passes; {@return whether it ended} */
        synchronized boolean awaitEnd(Duration timeout) throws InterruptedException {
            return await(() -> ended, timeout);
        }

        /** Waits until at least {@code count} bytes were collected; see {@link #awaitText}. */
        synchronized boolean awaitSize(int count, Duration timeout) throws InterruptedException {
            return await(() -> bytes.size() >= count, timeout);
        }

        private boolean await(java.util.function.BooleanSupplier condition, Duration timeout)
                throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    return condition.getAsBoolean();
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    private final List<String> command;
    private final Process process;
    private final Capture stdout;
    private final Capture stderr;

    private PeerProcess(String name, List<String> command, Process process) {
        this.command = List.copyOf(command);
        this.process = process;
        this.stdout = new Capture(process.getInputStream(), name + "-stdout");
        this.stderr = new Capture(process.getErrorStream(), name + "-stderr");
    }

    /** {@return the started process} named {@code name} in thread names */
    static PeerProcess start(String name, List<String> command, Path workingDirectory) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile());
        return new PeerProcess(name, command, builder.start());
    }

    /** {@return the process's standard input} */
    OutputStream stdin() {
        return process.getOutputStream();
    }

    Capture stdout() {
        return stdout;
    }

    Capture stderr() {
        return stderr;
    }

    /** {@return whether the process is still running} */
    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * {@return the exit status}, waiting at most {@code timeout} for the exit and as long again for its output to end
     *
     * @throws AssertionError if the process is still running then
     */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("still running after " + timeout + ": " + this);
        }
        // The process has exited, but its last output may still be on its way to the collecting threads: what a
        // test reads after this call must be all of it.
        if (!stdout.awaitEnd(timeout) || !stderr.awaitEnd(timeout)) {
            throw new AssertionError("output still open " + timeout + " after the exit: " + this);
        }
        return process.exitValue();
    }

    /** Ends the process (SIGTERM, then SIGKILL if it lingers) and waits for it. */
    @Override
    public void close() throws InterruptedException {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // It exited already; its stdin is gone.
        }
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Override
    public String toString() {
        String status = process.isAlive() ? "running" : "exit status " + process.exitValue();
        return String.join(" ", command) + " (" + status + ")\n--- stdout:\n" + shorten(stdout.text())
                + "\n--- stderr:\n" + shorten(stderr.text());
    }

    private static String shorten(String text) {
        if (text.length() <= TRANSCRIPT_HEAD + TRANSCRIPT_TAIL) {
            return text;
        }
        return text.substring(0, TRANSCRIPT_HEAD) + "\n[... " + (text.length() - TRANSCRIPT_HEAD - TRANSCRIPT_TAIL)
                + " characters left out ...]\n" + text.substring(text.length() - TRANSCRIPT_TAIL);
    }
}
