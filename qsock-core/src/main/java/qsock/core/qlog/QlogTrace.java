package qsock.core.qlog;

import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import qsock.core.cc.CongestionController;
import qsock.core.error.ConnectionError;
import qsock.core.error.QuicProtocolException;
import qsock.core.frame.FrameReader;
import qsock.core.frame.FrameType;
import qsock.core.packet.PacketType;
import qsock.core.recovery.RttEstimator;
import qsock.core.wire.ConnectionId;

/**
 * One connection's qlog trace: the events its I/O thread makes, offered to the JVM's {@link QlogWriter}, which writes
 * them to {@code DIR/<ODCID hex>_<client|server>.sqlog}. Only the connection's thread calls the event methods; they
 * never block and never throw for what a packet holds (a frame the reader refuses ends that packet's frame list).
 *
 * <p>A packet's frames are read back from its plaintext with a {@link FrameReader}: before sealing for a packet sent,
 * after opening for one received (RFC 9000 §12.4), so no frame writer needs a hook. Metrics are logged when one of
 * them changed since the last, the congestion state when it changed: slow_start while the window is below the slow
 * start threshold, recovery from a congestion event (the threshold set or the window shrunk, RFC 9002 §7.3.2) until
 * the window grows again, congestion_avoidance otherwise.
 */
public final class QlogTrace {

    private final Path file;
    private final String odcidHex;
    private final boolean server;
    private final long referenceTimeMillis;
    private final long start;
    private final QlogWriter writer;
    private final FrameReader reader = new FrameReader();
    private final List<QlogFrame> frames = new ArrayList<>();
    private ByteBuffer viewSource;
    private ByteBuffer view;
    private long lastNow;
    private PathEndpoint startLocal = PathEndpoint.UNKNOWN;
    private PathEndpoint startRemote = PathEndpoint.UNKNOWN;
    /** The number of the last path_assigned's path: 0 the handshake's path (path_id ""), then one per move. */
    private int pathNumber;
    private String lastLocal;
    private String lastRemote;
    private volatile long dropped;
    private boolean ended;

    private long minRtt = -1;
    private long smoothedRtt = -1;
    private long latestRtt = -1;
    private long rttVariance = -1;
    private long congestionWindow = -1;
    private long bytesInFlight = -1;
    private long ssthresh = -1;
    private String congestionState;

    /** The close the writer's full queue refused, which the writer takes up once it ran dry; or null. */
    volatile QlogEvent.ConnectionClosed pendingClose;

    // The writer thread's own: the open file (null while closed for room), whether the file was begun (its header
    // written), and whether the trace ended or failed (no more records).
    Writer out;
    boolean begun;
    boolean failed;
    Exception failure;

    private QlogTrace(Path directory, ConnectionId odcid, boolean server, long referenceTimeMillis, long now,
                      QlogWriter writer) {
        this.odcidHex = odcid.toString();
        this.server = server;
        this.file = directory.resolve(odcidHex + (server ? "_server" : "_client") + ".sqlog");
        this.referenceTimeMillis = referenceTimeMillis;
        this.start = now;
        this.lastNow = now;
        this.writer = writer;
    }

    /**
     * {@return a trace of the connection whose original Destination Connection ID is {@code odcid}} The wall clock
     * read here is qlog's reference_time: event times are relative to it, measured on the connection's clock from
     * {@code now}.
     *
     * @param directory where the file goes; created when the first event is written
     * @param server whether the connection is the server's (the vantage point)
     * @param now the connection's clock now, in nanoseconds
     */
    public static QlogTrace start(Path directory, ConnectionId odcid, boolean server, long now) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(odcid, "odcid");
        return start(directory, odcid, server, now, QlogWriter.shared());
    }

    /** {@link #start(Path, ConnectionId, boolean, long)} with a writer of its own, for tests. */
    static QlogTrace start(Path directory, ConnectionId odcid, boolean server, long now, QlogWriter writer) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(odcid, "odcid");
        return new QlogTrace(directory, odcid, server, System.currentTimeMillis(), now, writer);
    }

    /**
     * Sets the addresses connection_started names (quic-events-03 §4.2 requires src_ip and dst_ip): ours and the
     * peer's. Called before {@link #started}; an address left unknown is logged as an empty string.
     *
     * @param local our address, or null when unknown (a socket bound to no address yet)
     * @param remote the peer's address
     */
    public void addresses(InetSocketAddress local, InetSocketAddress remote) {
        startLocal = PathEndpoint.of(local, null);
        startRemote = PathEndpoint.of(remote, null);
    }

    /** {@return the trace's file} */
    public Path file() {
        return file;
    }

    /** {@return the original Destination Connection ID in hex (qlog's ODCID)} */
    String odcidHex() {
        return odcidHex;
    }

    /** {@return whether this is the server's trace} */
    boolean server() {
        return server;
    }

    /** {@return qlog's reference_time: the wall clock when the trace started, in milliseconds since the epoch} */
    long referenceTimeMillis() {
        return referenceTimeMillis;
    }

    /** {@return the events the writer's full queue dropped} */
    public long dropped() {
        return dropped;
    }

    private void offer(QlogEvent e) {
        if (!writer.offer(this, e)) {
            // Only the connection's thread counts; the writer reads.
            dropped = dropped + 1;
        }
    }

    private long time(long now) {
        if (now - lastNow > 0) {
            lastNow = now;
        }
        return lastNow - start;
    }

    /**
     * connectivity:connection_started, with our first connection ID and the peer's and the addresses {@link
     * #addresses} set, then connectivity:path_assigned for the handshake's path (path_id "", quic-events-07 §4.7).
     */
    public void started(ConnectionId source, ConnectionId destination, long now) {
        long t = time(now);
        offer(new QlogEvent.ConnectionStarted(t, source.toString(), destination.toString(), startLocal, startRemote));
        lastLocal = startLocal.ip() + ':' + startLocal.port();
        lastRemote = startRemote.ip() + ':' + startRemote.port();
        offer(new QlogEvent.PathAssigned(t, "",
                new PathEndpoint(startLocal.ip(), startLocal.ipv4(), startLocal.port(), source.toString()),
                new PathEndpoint(startRemote.ip(), startRemote.ipv4(), startRemote.port(), destination.toString())));
    }

    /**
     * connectivity:path_assigned for a path the connection moved to (a client's migration, RFC 9000 §9.2; a peer seen
     * at a new address, §9.3; the return to the last validated path, §9.3.2): a new path_id with the addresses and
     * the peer's connection ID in use. Nothing when the addresses are those of the last path logged.
     *
     * @param local our address on the path, or null for the endpoint's own when it is not known
     * @param remote the peer's address on the path
     * @param peerCid the peer's connection ID the connection sends to on it
     */
    public void pathChanged(InetSocketAddress local, InetSocketAddress remote, ConnectionId peerCid, long now) {
        if (ended) {
            return;
        }
        PathEndpoint l = local == null ? startLocal : PathEndpoint.of(local, null);
        PathEndpoint r = PathEndpoint.of(remote, peerCid == null ? null : peerCid.toString());
        String localKey = l.ip() + ':' + l.port();
        String remoteKey = r.ip() + ':' + r.port();
        if (localKey.equals(lastLocal) && remoteKey.equals(lastRemote)) {
            return;
        }
        lastLocal = localKey;
        lastRemote = remoteKey;
        offer(new QlogEvent.PathAssigned(time(now), Integer.toString(++pathNumber), l, r));
    }

    /**
     * connectivity:connection_id_updated (quic-events-03 §4.4), at the time of the trace's last event: the connection
     * ID the packets of one side carry changed.
     *
     * @param local true for our ID (owner local), false for the peer's we send to (owner remote)
     */
    public void connectionIdUpdated(boolean local, ConnectionId oldCid, ConnectionId newCid) {
        if (!ended && !newCid.equals(oldCid)) {
            offer(new QlogEvent.ConnectionIdUpdated(lastNow - start, local ? "local" : "remote",
                    oldCid == null ? null : oldCid.toString(), newCid.toString()));
        }
    }

    /**
     * connectivity:mtu_updated (quic-events-03 §4.8), at the time of the trace's last event: the largest datagram
     * path MTU discovery allows changed.
     */
    public void mtuUpdated(int oldSize, int newSize, boolean done) {
        if (!ended && oldSize != newSize) {
            offer(new QlogEvent.MtuUpdated(lastNow - start, oldSize, newSize, done));
        }
    }

    /**
     * transport:packet_sent or transport:packet_received, the packet's frames read from {@code buf}'s bytes
     * {@code [payloadStart, payloadEnd)}, its plaintext; {@code buf}'s position and limit are left alone.
     */
    public void packet(boolean sent, PacketType type, long packetNumber, int length, ByteBuffer buf, int payloadStart,
                       int payloadEnd, long now) {
        if (ended) {
            return;
        }
        offer(new QlogEvent.Packet(time(now), sent, type, packetNumber, length,
                frames(type, buf, payloadStart, payloadEnd)));
    }

    /** {@return the frames of the payload {@code [from, to)} of {@code buf}, up to the first the reader refuses} */
    List<QlogFrame> frames(PacketType type, ByteBuffer buf, int from, int to) {
        if (buf != viewSource) {
            viewSource = buf;
            view = buf.duplicate();
        }
        frames.clear();
        ByteBuffer v = view;
        int next = from;
        FrameReader f = reader;
        try {
            while (next < to) {
                v.limit(to).position(next);
                FrameType t = f.read(v, type);
                next = f.frameEnd();
                frames.add(frame(t, f, v));
            }
        } catch (QuicProtocolException | IllegalArgumentException e) {
            // A received packet the connection will refuse too: its frames up to the bad one are what it held.
        }
        return frames;
    }

    private static QlogFrame frame(FrameType t, FrameReader f, ByteBuffer v) {
        long code = f.typeCode();
        return switch (t) {
            case PADDING -> new QlogFrame(t, code, 0, 0, f.paddingLength(), false, 0, null, null);
            case ACK -> {
                long[] r = java.util.Arrays.copyOf(f.ackRanges(), 2 * f.ackRangeCount());
                yield new QlogFrame(t, code, 0, f.ackDelay(), 0, false, 0, r, null);
            }
            case RESET_STREAM ->
                    new QlogFrame(t, code, f.streamId(), f.finalSize(), 0, false, f.errorCode(), null, null);
            case STOP_SENDING -> new QlogFrame(t, code, f.streamId(), 0, 0, false, f.errorCode(), null, null);
            case CRYPTO -> new QlogFrame(t, code, 0, f.offset(), f.dataLength(), false, 0, null, null);
            case STREAM -> new QlogFrame(t, code, f.streamId(), f.offset(), f.dataLength(), f.fin(), 0, null, null);
            case NEW_TOKEN, DATAGRAM -> new QlogFrame(t, code, 0, 0, f.dataLength(), false, 0, null, null);
            case MAX_DATA, DATA_BLOCKED -> new QlogFrame(t, code, 0, f.maximum(), 0, false, 0, null, null);
            case MAX_STREAM_DATA, STREAM_DATA_BLOCKED ->
                    new QlogFrame(t, code, f.streamId(), f.maximum(), 0, false, 0, null, null);
            case MAX_STREAMS, STREAMS_BLOCKED ->
                    new QlogFrame(t, code, 0, f.maximum(), 0, !f.bidirectional(), 0, null, null);
            case NEW_CONNECTION_ID -> {
                byte[] id = new byte[f.dataLength()];
                v.get(f.dataOffset(), id);
                yield new QlogFrame(t, code, f.sequenceNumber(), f.retirePriorTo(), 0, false, 0, null,
                        ConnectionId.of(id, 0, id.length).toString());
            }
            case RETIRE_CONNECTION_ID -> new QlogFrame(t, code, f.sequenceNumber(), 0, 0, false, 0, null, null);
            case PATH_CHALLENGE, PATH_RESPONSE -> new QlogFrame(t, code, 0, f.pathData(), 0, false, 0, null, null);
            case CONNECTION_CLOSE -> new QlogFrame(t, code, 0, f.errorFrameType(), f.dataLength(), false,
                    f.errorCode(), null, null);
            case APPLICATION_CLOSE -> new QlogFrame(t, code, 0, 0, f.dataLength(), false, f.errorCode(), null, null);
            case PING, HANDSHAKE_DONE -> new QlogFrame(t, code, 0, 0, 0, false, 0, null, null);
        };
    }

    /**
     * recovery:metrics_updated if a metric changed since the last, and recovery:congestion_state_updated if the state
     * did (see the class comment).
     */
    public void metrics(RttEstimator rtt, CongestionController cc, long now) {
        if (ended) {
            return;
        }
        long cwnd = cc.congestionWindow();
        long threshold = cc.slowStartThreshold();
        if (rtt.minRtt() != minRtt || rtt.smoothedRtt() != smoothedRtt || rtt.latestRtt() != latestRtt
                || rtt.rttVar() != rttVariance || cwnd != congestionWindow || cc.bytesInFlight() != bytesInFlight
                || threshold != ssthresh) {
            String state;
            boolean congestionEvent = ssthresh >= 0 && (threshold != ssthresh || cwnd < congestionWindow);
            if (cwnd < threshold) {
                state = "slow_start";
            } else if (congestionEvent) {
                state = "recovery";
            } else if (congestionState == null || cwnd > congestionWindow) {
                state = "congestion_avoidance";
            } else {
                state = congestionState;
            }
            minRtt = rtt.minRtt();
            smoothedRtt = rtt.smoothedRtt();
            latestRtt = rtt.latestRtt();
            rttVariance = rtt.rttVar();
            congestionWindow = cwnd;
            bytesInFlight = cc.bytesInFlight();
            ssthresh = threshold;
            long t = time(now);
            offer(new QlogEvent.Metrics(t, minRtt, smoothedRtt, latestRtt, rttVariance, cwnd, bytesInFlight, threshold));
            if (!state.equals(congestionState)) {
                offer(new QlogEvent.CongestionState(t, congestionState, state));
                congestionState = state;
            }
        }
    }

    /**
     * security:key_updated: keys installed from the TLS handshake ({@code trigger} tls) or a 1-RTT key update
     * ({@code local_update}, {@code remote_update}).
     *
     * @param keyType qlog's KeyType, such as {@code server_1rtt_secret}
     * @param generation the 1-RTT key generation, 0 for the handshake's keys
     */
    public void keyUpdated(String keyType, String trigger, long generation, long now) {
        if (!ended) {
            offer(new QlogEvent.KeyUpdated(time(now), keyType, trigger, generation));
        }
    }

    /** {@link #keyUpdated(String, String, long, long)} at the time of the trace's last event. */
    public void keyUpdated(String keyType, String trigger, long generation) {
        keyUpdated(keyType, trigger, generation, lastNow);
    }

    /**
     * connectivity:connection_closed, the trace's last event: the writer closes the file after it. Later events are
     * not logged.
     *
     * @param error how the connection ended, or null if it was dropped without a cause
     */
    public void closed(ConnectionError error) {
        if (ended) {
            return;
        }
        ended = true;
        long t = lastNow - start;
        if (error == null) {
            // quic-events-03 §4.3 has no trigger for this: left out (it is optional).
            end(new QlogEvent.ConnectionClosed(t, null, -1, -1, "dropped", null));
            return;
        }
        String owner = error.byPeer() ? "remote" : "local";
        String trigger = switch (error.kind()) {
            case IDLE_TIMEOUT -> "idle_timeout";
            case STATELESS_RESET -> "stateless_reset";
            case TRANSPORT -> error.code() == 0 ? "clean" : "error";
            case APPLICATION -> "application";
            // quic-events-03 §4.3 lists no other trigger; left out (optional) rather than invent one.
            default -> null;
        };
        boolean application = error.kind() == ConnectionError.Kind.APPLICATION;
        end(new QlogEvent.ConnectionClosed(t, owner, application ? -1 : error.code(),
                application ? error.code() : -1, error.reason(), trigger));
    }

    /** Offers the last event; if the queue is full, leaves it for the writer to find once the queue ran dry. */
    private void end(QlogEvent.ConnectionClosed close) {
        if (!writer.offer(this, close)) {
            pendingClose = close;
        }
    }
}
