package qsock.tools.soak;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import qsock.api.ConnectionConfig;
import qsock.api.TokenStore;
import qsock.core.error.ConnectionError;
import qsock.core.error.StreamResetException;
import qsock.socket.ClosedConnectionException;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.tls.QuicHandshake;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsEngine;

/**
 * One soak client connection of a given {@link Behaviour}, against the {@code echo} server behind the relay. Every
 * blocking call is bounded ({@link #STEP}); every loop is bounded in count. What happened goes to the {@link Ledger}:
 * an outcome per connection, and a failure when a byte came back changed or missing, or when the harness met an
 * exception it has no explanation for.
 */
final class SoakClient {

    /** The bound of each blocking call: long enough for a 4 MiB echo through a lossy relay on a busy machine. */
    static final Duration STEP = Duration.ofSeconds(30);
    private static final Duration HANDSHAKE = Duration.ofSeconds(20);
    private static final int CHUNK = 16 * 1024;
    private static final int MAX_TRANSFER = 4 << 20;
    /** The ports of clients that fall into holes ({@link #openHoled}): below Linux's ephemeral range (32768-60999). */
    private static final int HOLED_PORTS_FROM = 20_000;
    private static final int HOLED_PORTS = 10_000;

    private final ImpairedRelay relay;
    private final InetSocketAddress target;
    private final Ledger ledger;
    private final TlsClientConfig fresh;
    private final TlsClientConfig resuming;
    private final TokenStore tokens;
    private final ConnectionConfig config;

    SoakClient(ImpairedRelay relay, Ledger ledger, TlsClientConfig fresh, TlsClientConfig resuming,
               TokenStore tokens, ConnectionConfig config) throws IOException {
        this.relay = relay;
        this.target = relay.address();
        this.ledger = ledger;
        this.fresh = fresh;
        this.resuming = resuming;
        this.tokens = tokens;
        this.config = config;
    }

    /** Runs one connection of {@code behaviour}, its choices drawn from {@code random}. */
    void run(Behaviour behaviour, SplittableRandom random) {
        ledger.begin(behaviour);
        String outcome;
        try {
            outcome = switch (behaviour) {
                case HONEST -> honest(random);
                case NEVER_READS -> neverReads(random);
                case VANISHES -> vanishes(random);
                case STREAM_CHURN -> streamChurn(random);
                case SLOWLORIS -> slowloris(random);
                case GARBAGE -> garbage(random);
                case HANDSHAKE_ABANDON -> handshakeAbandon(random);
                case ABORTS -> aborts(random);
                case MIGRATION_STORM -> migrationStorm(random);
            };
        } catch (ClosedConnectionException e) {
            outcome = "closed: " + describe(e.error());
        } catch (SocketTimeoutException e) {
            outcome = "timed out";
        } catch (StreamResetException e) {
            outcome = "stream reset by server: code " + e.errorCode();
        } catch (InterruptedIOException e) {
            outcome = "interrupted";
        } catch (IOException e) {
            outcome = "I/O error: " + e.getClass().getSimpleName();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = "interrupted";
        } catch (RuntimeException e) {
            // An exception the API does not document for these calls: a defect, of qsock or of the harness.
            StringBuilder where = new StringBuilder();
            StackTraceElement[] trace = e.getStackTrace();
            for (int i = 0; i < Math.min(6, trace.length); i++) {
                where.append("\n           at ").append(trace[i]);
            }
            ledger.failure("unexpected exception", behaviour.label() + ": " + e + where);
            outcome = "unexpected " + e.getClass().getSimpleName();
        }
        ledger.outcome(behaviour, outcome);
    }

    private static String describe(ConnectionError error) {
        if (error == null) {
            return "no error recorded";
        }
        return error.kind() + " 0x" + Long.toHexString(error.code()) + (error.byPeer() ? " by peer" : " locally");
    }

    /** {@return a client socket connected to the relay, its calls bounded by {@link #STEP}, keeping tokens} */
    private QuicSocket open() throws IOException {
        return open(null);
    }

    /**
     * Opens a socket for a client that will fall into a hole of the relay, bound to a port of {@link #HOLED_PORTS},
     * outside the kernel's ephemeral range: a hole lasts as long as the relay's mapping of its address, and an honest
     * client that drew the port of a recent hole from the ephemeral range would fall into it. A hole left on the port
     * by an earlier holed client (closed, since the port was free) is cleared.
     */
    private QuicSocket openHoled(SplittableRandom random) throws IOException {
        return open(random);
    }

    private QuicSocket open(SplittableRandom holedPorts) throws IOException {
        QuicSocket s = QuicSocket.open(config);
        try {
            if (holedPorts != null) {
                bindHoled(s, holedPorts);
            }
            s.setOption(QuicSocketOptions.TIMEOUT, STEP);
            s.setOption(QuicSocketOptions.TOKEN_STORE, tokens);
            s.connect(target);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void bindHoled(QuicSocket s, SplittableRandom random) throws IOException {
        for (int attempt = 1; ; attempt++) {
            InetSocketAddress local = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    HOLED_PORTS_FROM + random.nextInt(HOLED_PORTS));
            try {
                s.bind(local);
                relay.clearHole(local);
                return;
            } catch (java.net.BindException taken) {
                if (attempt == 32) {
                    throw taken;
                }
            }
        }
    }

    private static TlsEngine handshake(QuicSocket s, TlsClientConfig tls) throws IOException {
        return QuicHandshake.clientHandshake(s, tls, HANDSHAKE);
    }

    /** One stream's echo: what was sent (counted and hashed as generated) and what came back. */
    private static final class StreamEcho {
        final long id;
        final long size;
        final SplittableRandom content;
        final MessageDigest sent = sha256();
        final MessageDigest received = sha256();
        long sentBytes;
        long receivedBytes;
        boolean fin;

        StreamEcho(long id, long size, long seed) {
            this.id = id;
            this.size = size;
            this.content = new SplittableRandom(seed);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    /** {@return a size from 1 byte to 4 MiB, spread evenly over the orders of magnitude} */
    private static long size(SplittableRandom random) {
        return Math.max(1, (long) Math.exp(random.nextDouble() * Math.log(MAX_TRANSFER)));
    }

    private String honest(SplittableRandom random) throws IOException, InterruptedException {
        boolean resume = random.nextInt(100) < 40;
        boolean migrate = random.nextInt(100) < 20;
        boolean rebind = !migrate && random.nextInt(100) < 10;
        String kind = (resume ? ", resuming" : "") + (migrate ? ", migrating" : "") + (rebind ? ", rebound" : "");
        String phase = "handshake";
        try (QuicSocket s = open()) {
            try {
                TlsEngine engine = handshake(s, resume ? resuming : fresh);
                if (engine.resumed()) {
                    ledger.resumed.increment();
                }
                phase = "echo";
                int n = 1 + random.nextInt(3);
                StreamEcho[] streams = new StreamEcho[n];
                long total = 0;
                for (int i = 0; i < n; i++) {
                    long size = Math.min(size(random), MAX_TRANSFER - total);
                    total += size;
                    streams[i] = new StreamEcho(s.openStream(0), Math.max(size, 1), random.nextLong());
                }
                long moveAt = migrate || rebind ? random.nextLong(Math.max(1, total)) : -1;
                echo(s, streams, moveAt, migrate);
                return "ok";
            } catch (SocketTimeoutException e) {
                // Which step stalled, and the connection's state then: what a stall's cause is looked for in.
                ledger.note("honest connection timed out in " + phase + kind + ": " + e.getMessage() + "; "
                        + s.state() + ", " + s.statistics());
                return "timed out in " + phase + kind;
            }
        }
    }

    /**
     * Sends every stream's bytes, interleaved by chunk, while a reader thread takes the echoes, then checks each stream
     * came back whole: the same length and the same SHA-256. At {@code moveAt} bytes sent the client migrates
     * ({@code migrate}) or the relay rebinds it.
     */
    private void echo(QuicSocket s, StreamEcho[] streams, long moveAt, boolean migrate)
            throws IOException, InterruptedException {
        Map<Long, StreamEcho> byId = new HashMap<>();
        for (StreamEcho e : streams) {
            byId.put(e.id, e);
        }
        AtomicReference<Exception> readerFailure = new AtomicReference<>();
        Thread reader = Thread.ofVirtual().name("soak-reader").start(() -> {
            try {
                readEchoes(s, byId);
            } catch (Exception e) {
                readerFailure.set(e);
            }
        });
        byte[] chunk = new byte[CHUNK];
        ByteBuffer out = ByteBuffer.wrap(chunk);
        long sentTotal = 0;
        boolean moved = false;
        boolean more = true;
        try {
            while (more) {
                more = false;
                for (StreamEcho e : streams) {
                    if (e.sentBytes == e.size && e.fin) {
                        continue;
                    }
                    int len = (int) Math.min(CHUNK, e.size - e.sentBytes);
                    e.content.nextBytes(chunk);
                    e.sent.update(chunk, 0, len);
                    e.sentBytes += len;
                    boolean last = e.sentBytes == e.size;
                    try {
                        s.send(out.clear().limit(len), e.id, last ? StreamFlags.FIN : 0);
                    } catch (SocketTimeoutException t) {
                        throw new SocketTimeoutException("sending (" + sentTotal + " bytes sent, the reader "
                                + (reader.isAlive() ? "waiting" : "done") + "): " + t.getMessage());
                    }
                    e.fin = last;
                    more |= !last;
                    sentTotal += len;
                    if (!moved && moveAt >= 0 && sentTotal >= moveAt) {
                        moved = move(s, migrate);
                    }
                }
            }
        } catch (IOException | RuntimeException sending) {
            // The caller closes the socket, which ends the reader's receive.
            reader.interrupt();
            throw sending;
        }
        reader.join(STEP.toMillis() * 2);
        if (reader.isAlive()) {
            // The socket's bounded receive will end it; the connection is given up as timed out.
            reader.interrupt();
            throw new SocketTimeoutException("echo not complete " + STEP.multipliedBy(2).toSeconds()
                    + " s after the last byte was sent");
        }
        Exception failure = readerFailure.get();
        if (failure instanceof SocketTimeoutException t) {
            throw new SocketTimeoutException("receiving the echo: " + t.getMessage());
        }
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        for (StreamEcho e : streams) {
            if (e.receivedBytes != e.size || !Arrays.equals(e.sent.digest(), e.received.digest())) {
                ledger.failure("echo differs", "stream " + e.id + " of " + streams.length + ": sent " + e.size
                        + " bytes, received " + e.receivedBytes
                        + (e.receivedBytes == e.size ? " with another SHA-256" : "")
                        + (moveAt < 0 ? "" : migrate ? ", client migrated at " + moveAt : ", NAT rebound at " + moveAt)
                        + (moved ? "" : " (the move was not made)"));
                return;
            }
            ledger.bytesVerified.add(e.size);
            ledger.streamsVerified.increment();
        }
    }

    private static void readEchoes(QuicSocket s, Map<Long, StreamEcho> byId) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        int open = byId.size();
        // Bounded: every byte sent comes back at most once, and each receive takes at least one byte or a FIN.
        long limit = 2L * MAX_TRANSFER + 16;
        for (long i = 0; i < limit && open > 0; i++) {
            StreamMessage m = s.receive(in.clear());
            StreamEcho e = byId.get(m.streamId());
            if (e == null) {
                throw new IllegalStateException("an echo on a stream never opened: " + m.streamId());
            }
            e.received.update(in.array(), 0, m.length());
            e.receivedBytes += m.length();
            if (m.fin()) {
                open--;
            }
        }
    }

    /** {@return true once a move was made or asked of the relay} */
    private boolean move(QuicSocket s, boolean migrate) throws IOException {
        if (!migrate) {
            if (relay.rebind(s.localAddress())) {
                ledger.rebindsAsked.increment();
            }
            return true;
        }
        try {
            s.setOption(QuicSocketOptions.CONNECTION_MIGRATION,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            ledger.migrationsAsked.increment();
            return true;
        } catch (IllegalStateException e) {
            // Not yet confirmed, or a move under way (RFC 9000 §9): the next chunk tries again.
            return false;
        }
    }

    private String neverReads(SplittableRandom random) throws IOException, InterruptedException {
        try (QuicSocket s = open()) {
            handshake(s, fresh);
            long stream = s.openStream(0);
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
            long queued = 0;
            // Until flow control and the send buffer refuse more, at most 16 MiB: the echo is never read.
            for (int i = 0; i < 1_024; i++) {
                int n = s.trySend(chunk.clear(), stream, 0);
                if (n == 0) {
                    break;
                }
                queued += n;
            }
            Thread.sleep(3_000 + random.nextInt(5_000));
            return queued > 0 ? "ok" : "nothing queued";
        }
    }

    private String vanishes(SplittableRandom random) throws IOException {
        QuicSocket s = openHoled(random);
        try {
            handshake(s, fresh);
            long stream = s.openStream(0);
            ByteBuffer chunk = ByteBuffer.allocate(1 + random.nextInt(64 * 1024));
            s.send(chunk, stream, 0);
            relay.blackhole(s.localAddress(), 0);
            return "ok";
        } finally {
            // Its CONNECTION_CLOSE falls into the hole: the server hears silence until its idle timeout.
            s.close();
        }
    }

    private String streamChurn(SplittableRandom random) throws IOException {
        try (QuicSocket s = open()) {
            handshake(s, fresh);
            ByteBuffer bytes = ByteBuffer.allocate(10);
            int cycles = 200 + random.nextInt(800);
            for (int i = 0; i < cycles; i++) {
                long stream = s.openStream(0);
                s.send(bytes.clear(), stream, 0);
                if (i % 10 == 0) {
                    s.stopSending(stream, 8);
                }
                s.resetStream(stream, 7);
            }
            return "ok";
        }
    }

    private String slowloris(SplittableRandom random) throws IOException, InterruptedException {
        try (QuicSocket s = open()) {
            handshake(s, fresh);
            long stream = s.openStream(0);
            int bytes = 5 + random.nextInt(10);
            StreamEcho e = new StreamEcho(stream, bytes, random.nextLong());
            byte[] one = new byte[1];
            for (int i = 0; i < bytes; i++) {
                e.content.nextBytes(one);
                e.sent.update(one);
                e.sentBytes++;
                e.fin = i == bytes - 1;
                s.send(ByteBuffer.wrap(one), stream, e.fin ? StreamFlags.FIN : 0);
                Thread.sleep(500 + random.nextInt(1_500));
            }
            readEchoes(s, Map.of(stream, e));
            if (e.receivedBytes != bytes || !Arrays.equals(e.sent.digest(), e.received.digest())) {
                ledger.failure("echo differs", "slowloris stream: sent " + bytes + ", received " + e.receivedBytes);
                return "echo differs";
            }
            ledger.bytesVerified.add(bytes);
            ledger.streamsVerified.increment();
            return "ok";
        }
    }

    private String garbage(SplittableRandom random) throws IOException {
        int answers = 0;
        for (int burst = 0; burst < 4; burst++) {
            try (DatagramChannel ch = DatagramChannel.open()) {
                ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                ch.connect(target);
                for (int i = 0; i < 8; i++) {
                    ch.write(ByteBuffer.wrap(garbageDatagram(random)));
                }
                ch.configureBlocking(false);
                ByteBuffer in = ByteBuffer.allocate(2_048);
                for (int i = 0; i < 64 && ch.read(in.clear()) > 0; i++) {
                    answers++;
                }
            }
        }
        return answers > 0 ? "ok, answered" : "ok";
    }

    /** {@return a datagram a parser must refuse or drop: noise, a bad long header, or an unknown short header} */
    static byte[] garbageDatagram(SplittableRandom random) {
        int kind = random.nextInt(4);
        // An Initial and a datagram of an unknown version are padded as a client's must be (RFC 9000 §14.1), so they
        // reach the server's parsing; a short header has room for a connection ID.
        int length = switch (kind) {
            case 1, 3 -> 1_200 + random.nextInt(100);
            case 2 -> 21 + random.nextInt(1_380);
            default -> 1 + random.nextInt(1_400);
        };
        byte[] d = new byte[length];
        random.nextBytes(d);
        switch (kind) {
            case 1 -> {
                // A version 1 Initial with connection IDs of random lengths (up to 255: over RFC 9000's 20) and
                // noise for a payload: Initial keys derive from the DCID, so it opens to nothing.
                d[0] = (byte) (0xc0 | (d[0] & 0x0f));
                d[1] = 0;
                d[2] = 0;
                d[3] = 0;
                d[4] = 1;
            }
            case 2 -> d[0] = (byte) (0x40 | (d[0] & 0x3f)); // a short header for a connection ID nobody issued
            case 3 -> {
                // An unknown version: the server answers with Version Negotiation (RFC 9000 §6), at most once each.
                d[0] = (byte) 0xc0;
                d[1] = 0x0a;
                d[2] = 0x1a;
            }
            default -> { }
        }
        return d;
    }

    private String handshakeAbandon(SplittableRandom random) throws IOException {
        QuicSocket s = openHoled(random);
        try {
            s.setOption(QuicSocketOptions.TIMEOUT, Duration.ofSeconds(2));
            // Its first Initial reaches the server, nothing after it: the server holds a half-open connection.
            relay.blackhole(s.localAddress(), 1);
            try {
                QuicHandshake.clientHandshake(s, fresh, Duration.ofSeconds(2));
                return "handshake completed anyway";
            } catch (IOException expected) {
                return "ok";
            }
        } finally {
            s.close();
        }
    }

    private String aborts(SplittableRandom random) throws IOException {
        QuicSocket s = open();
        try {
            handshake(s, fresh);
            for (int i = 0; i < 3; i++) {
                long stream = s.openStream(0);
                s.send(ByteBuffer.allocate(1 + random.nextInt(32 * 1024)), stream, 0);
            }
            return "ok";
        } finally {
            s.close(0x5a, "soak: abort mid-transfer");
        }
    }

    private String migrationStorm(SplittableRandom random) throws IOException, InterruptedException {
        try (QuicSocket s = open()) {
            handshake(s, fresh);
            int moves = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            long stream = s.openStream(0);
            ByteBuffer ping = ByteBuffer.allocate(100);
            for (int i = 0; i < 200 && moves < 8 && System.nanoTime() < deadline; i++) {
                s.send(ping.clear(), stream, 0);
                if (move(s, true)) {
                    moves++;
                }
                Thread.sleep(20 + random.nextInt(100));
            }
            return moves > 0 ? "ok" : "no move accepted";
        }
    }
}
