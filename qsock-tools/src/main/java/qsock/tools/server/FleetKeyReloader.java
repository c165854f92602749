package qsock.tools.server;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import qsock.api.FleetKeys;

/**
 * Reads a fleet key file again when it changes and hands the new keys to the server (its listener's
 * {@code FLEET_KEYS} option and its ticket sealer), so that a fleet rotates its keys by rewriting the file on every
 * server: new tokens and tickets are sealed under the new first key, and a key dropped from the file stops opening.
 *
 * <p>The file is read whole at each look (it is small, at most {@link FleetKeys#MAX_FILE_BYTES}) and its keys compared
 * with those applied, so no modification time is trusted. A file that cannot be read or is malformed, or keys the
 * server refuses (a changed stateless reset key), leave the keys as they were and are logged, each distinct error once:
 * a half-written file must not take the server's keys away.
 */
public final class FleetKeyReloader implements AutoCloseable {

    /** Applies keys read from the file; throws to refuse them. */
    @FunctionalInterface
    public interface Apply {
        /** Makes the server use {@code keys}. */
        void apply(FleetKeys keys) throws IOException;
    }

    private final Path file;
    private final Apply apply;
    private final Consumer<String> log;
    private FleetKeys applied;
    private String lastError;
    private Thread watcher;
    private volatile boolean closed;

    /**
     * @param file the fleet key file
     * @param loaded the keys the server started with, read from {@code file}
     * @param apply hands changed keys to the server
     * @param log receives one line for each rotation and each new error
     */
    public FleetKeyReloader(Path file, FleetKeys loaded, Apply apply, Consumer<String> log) {
        this.file = Objects.requireNonNull(file, "file");
        this.applied = Objects.requireNonNull(loaded, "loaded");
        this.apply = Objects.requireNonNull(apply, "apply");
        this.log = Objects.requireNonNull(log, "log");
    }

    /**
     * Reads the file and applies its keys if they differ from those applied. Throws nothing: a failure is logged and
     * the keys stay. {@return true if new keys were applied}
     */
    public synchronized boolean reloadIfChanged() {
        FleetKeys keys;
        try {
            keys = FleetKeys.load(file);
        } catch (IOException | RuntimeException e) {
            report("fleet keys: " + file + " not read again, the keys stay: " + e.getMessage());
            return false;
        }
        if (keys.equals(applied)) {
            return false;
        }
        try {
            apply.apply(keys);
        } catch (IOException | RuntimeException e) {
            report("fleet keys: " + file + " refused, the keys stay: " + e.getMessage());
            return false;
        }
        applied = keys;
        lastError = null;
        log.accept("fleet keys: " + file + " read again: " + keys);
        return true;
    }

    private void report(String error) {
        if (!error.equals(lastError)) {
            lastError = error;
            log.accept(error);
        }
    }

    /**
     * Looks at the file every {@code interval} on a daemon thread until {@link #close}.
     *
     * @throws IllegalStateException if started already
     */
    public synchronized void start(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the interval must be positive: " + interval);
        }
        if (watcher != null) {
            throw new IllegalStateException("started already");
        }
        watcher = Thread.ofPlatform().daemon().name("qsock-fleet-keys").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException e) {
                    return; // closed
                }
                reloadIfChanged();
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        Thread t;
        synchronized (this) {
            t = watcher;
        }
        if (t != null) {
            t.interrupt();
        }
    }
}
