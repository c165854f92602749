package qsock.interop.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Runs a test body and, when it fails, keeps its packet log in a temporary file and names that file and the
 * peers' own logs in the failure message, so the failed exchange can be read after the run.
 */
public final class Evidence {
    private Evidence() {}

    /** A test body that may throw anything. */
    @FunctionalInterface
    public interface Body {
        /** Runs the body. */
        void run() throws Exception;
    }

    /**
     * Runs {@code body}; on failure writes {@code relay}'s log to a temporary file and rethrows as an
     * AssertionError naming it and {@code peerLogs}, with the original failure as the cause.
     */
    public static void keep(String scenario, UdpRelay relay, List<Path> peerLogs, Body body) throws Exception {
        keep(scenario, relay, peerLogs, List::of, body);
    }

    /**
     * As {@link #keep(String, UdpRelay, List, Body)}, adding {@code sideNotes} (what a server saw go wrong on its
     * side, say) to the packet log and the message.
     */
    public static void keep(String scenario, UdpRelay relay, List<Path> peerLogs, Supplier<List<String>> sideNotes,
            Body body) throws Exception {
        try {
            body.run();
        } catch (Throwable failure) {
            relay.log().note("failed: " + failure);
            List<String> notes = sideNotes.get();
            notes.forEach(n -> relay.log().note("side note: " + n));
            List<String> kept = new ArrayList<>();
            try {
                Path f = Files.createTempFile("qsock-interop-" + scenario.replaceAll("[^A-Za-z0-9]+", "-") + "-",
                        ".packets.txt");
                relay.log().writeTo(f);
                kept.add("packet log " + f);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
            for (Path p : peerLogs) {
                if (p != null) {
                    kept.add("peer log " + p);
                }
            }
            String side = notes.isEmpty() ? "" : "; side notes " + notes;
            throw new AssertionError(scenario + " failed: " + failure + side + "; kept " + String.join(", ", kept),
                    failure);
        }
    }
}
