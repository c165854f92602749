package qsock.core.attack;

import static qsock.core.sim.quic.ConnectionPair.MS;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import qsock.api.ConnectionConfig;
import qsock.api.Role;
import qsock.core.crypto.PacketProtection;
import qsock.core.error.ConnectionError;
import qsock.core.error.TransportErrorCode;
import qsock.core.frame.Frame;
import qsock.core.frame.FrameEncoder;
import qsock.core.frame.NewConnectionIdFrame;
import qsock.core.frame.PathChallengeFrame;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.packet.PacketHeaderWriter;
import qsock.core.packet.PacketType;
import qsock.core.sim.quic.FixedSecrets;
import qsock.core.sim.quic.Wire;
import qsock.core.stream.RecvStream;
import qsock.core.stream.StreamId;
import qsock.core.error.StreamResetException;
import qsock.core.wire.ConnectionId;

/**
 * The connection-level fuzz target (issue 17): an arbitrary sequence of datagrams handed to a real server connection
 * after a real handshake in the simulation ({@link HostileClient}), so that the fuzzer reaches 1-RTT frame handling and
 * the connection's state machine, not only the parsers. The input decodes ({@link Op}) into at most {@value #MAX_OPS}
 * operations: 1-RTT packets of fuzzer payload sealed with the client's keys (any key generation, a Key Phase bit that
 * may disagree with it, a packet number chosen to repeat, go back or jump, a connection ID the server issued or one
 * it never did, from the peer's address or a new one), datagrams of coalesced Initial/Handshake/1-RTT packets, raw
 * datagrams, the clock moved on, the server's application writing, reading and updating its keys, and 1-RTT packets
 * of well-formed frames whose fields the fuzzer picks ({@link FuzzedFrames}), which meet the state machine rather
 * than the decoder.
 *
 * <p>Invariants after every step, each a finding when broken: no exception leaves the connection and no fault of
 * qsock's own closes it ({@code internalError}); a connection that closed on its own did so with a transport error
 * RFC 9000 §20.1 defines (not INTERNAL_ERROR), a CRYPTO_ERROR (RFC 9001 §4.8) or an idle timeout, never an
 * application close (the test's application never closes); no more streams than MAX_STREAMS allowed (RFC 9000 §4.6);
 * every stream's received bytes stay under the limit we advertised for it and their sum under the connection's
 * (§4.1), and reassembly storage under those limits plus its chunk rounding; at most
 * {@value #MAX_DATAGRAMS_PER_STEP} datagrams leave per step (no amplification loop); and every packet the server
 * sends that opens decodes ({@link Wire#read} checks it).
 */
class ConnectionFuzzTest {

    /** The operations one input decodes to, at most. */
    static final int MAX_OPS = 32;
    /** The datagrams the server may send in answer to one step. */
    static final int MAX_DATAGRAMS_PER_STEP = 64;
    /** The largest reassembly chunk (ChunkedBytes#chunkSizeFor): storage rounds up to it at either end of a stream. */
    private static final long MAX_CHUNK = 16 * 1024;
    /** Bytes the server's application writes over one input, at most: its sending stays a handful of datagrams. */
    private static final int MAX_APP_WRITE = 48 * 1024;
    /** Server-initiated key updates per input: the reader ({@link Wire}) opens up to generation 8. */
    private static final int MAX_SERVER_KEY_UPDATES = 4;
    /** A connection ID the server never issued. */
    private static final ConnectionId UNKNOWN_ID = ConnectionId.of(new byte[] {(byte) 0xee, (byte) 0xee, (byte) 0xee,
            (byte) 0xee, (byte) 0xee, (byte) 0xee, (byte) 0xee, (byte) 0xee});

    /**
     * Small limits, so that short inputs reach them: stream and connection windows, stream counts, the DATAGRAM
     * extension (RFC 9221) on.
     */
    private static final ConnectionConfig SERVER = ConnectionConfig.builder().initialMaxStreamData(4096)
            .maxStreamWindow(16 * 1024).initialMaxData(16 * 1024).maxConnectionWindow(64 * 1024).maxStreamsBidi(8)
            .maxStreamsUni(4).maxDatagramFrameSize(1200).build();

    /** The operations, by the input byte that starts each (modulo their number). */
    enum Op {
        /**
         * One 1-RTT packet. Bytes: flags, packet number mode, packet number argument (2), payload length (2), payload.
         * Flags: bit 0 an honest ACK first; bits 1-2 the key generation; bit 3 the Key Phase bit flipped from the
         * generation's; bit 4 from a new address, bit 5 differing in the port only; bits 6-7 the destination
         * connection ID (the first one, the oldest or newest the server issued, an unknown one).
         */
        ONE_RTT,
        /**
         * Several packets in one datagram (RFC 9000 §12.2). Bytes: count (1-4), then per packet a type byte
         * (0 Initial, 1 Handshake, else 1-RTT), a packet number byte, payload length (2), payload. A 1-RTT packet has
         * no Length field: whatever follows it is read as its own bytes (and fails authentication).
         */
        COALESCED,
        /** A datagram of raw bytes: header parsing, failed decryption, stateless-reset checks. Length (2), bytes. */
        RAW,
        /** The clock moves on and the timers fire. Bytes: milliseconds (2), times 1 ms to 65 s. */
        ADVANCE,
        /**
         * The server's application writes. Bytes: flags (bit 0 on a new stream, bit 1 bidirectional, bit 2 FIN),
         * stream choice, length (2, at most 16 KiB).
         */
        APP_WRITE,
        /** The server's application reads a peer's stream. Bytes: flags (bit 0 bidirectional), stream index. */
        APP_READ,
        /** The server starts a key update (RFC 9001 §6). No bytes. */
        SERVER_KEY_UPDATE,
        /**
         * One 1-RTT packet of well-formed frames ({@link FuzzedFrames}). Bytes: flags (as {@link #ONE_RTT}), packet
         * number mode and argument (1), frame count (1-16), the frames.
         */
        FRAMES
    }

    @FuzzTest
    void anyDatagramSequenceKeepsTheServerWithinItsBounds(byte[] input) throws Exception {
        Run run = new Run(new HostileClient(1717, SERVER), new FuzzInput(input));
        run.check("after the handshake");
        for (int i = 0; i < MAX_OPS && run.in.hasMore(); i++) {
            Op op = Op.values()[run.in.u8() % Op.values().length];
            run.step(op);
            run.check("after operation " + i + " (" + op + ")");
        }
    }

    /** One input's run: the fixture, what the input says, and what the test has seen of the server. */
    private static final class Run {
        final HostileClient t;
        final FuzzInput in;
        /** The largest 1-RTT packet number the test sent, and the last one. */
        long largest = 999;
        long last = 999;
        /** Connection IDs the server issued (in NEW_CONNECTION_ID frames), oldest first. */
        final List<ConnectionId> issued = new ArrayList<>();
        /** The data of the server's last PATH_CHALLENGE, or -1. */
        long lastChallenge = -1;
        /** Streams the server's application opened. */
        final List<Long> opened = new ArrayList<>();
        int written;
        int keyUpdates;
        long datagramsBefore;

        Run(HostileClient t, FuzzInput in) {
            this.t = t;
            this.in = in;
            this.datagramsBefore = t.datagramsFromServer;
            // The server issued its spare IDs during the handshake, to the honest client, which falls silent: it
            // walks through them only to tell the test what they are.
            var client = t.pair.clientConnection();
            for (int i = 0; i < 8 && client.peerConnectionIdsUnused() > 0; i++) {
                try {
                    client.switchPeerConnectionId();
                } catch (IllegalStateException e) {
                    break;
                }
                issued.add(client.peerId());
            }
        }

        void step(Op op) {
            switch (op) {
                case ONE_RTT -> oneRtt();
                case COALESCED -> coalesced();
                case RAW -> t.server.handleDatagram(ByteBuffer.wrap(in.bytes(in.u16() % 2048)), t.now);
                case ADVANCE -> t.advance((1 + in.u16()) * MS);
                case APP_WRITE -> appWrite();
                case APP_READ -> appRead();
                case FRAMES -> frames();
                case SERVER_KEY_UPDATE -> {
                    if (keyUpdates++ < MAX_SERVER_KEY_UPDATES) {
                        try {
                            t.server.initiateKeyUpdate(t.now);
                        } catch (IllegalStateException e) {
                            // The documented refusal: an update in progress, or the connection closing.
                        }
                    }
                }
            }
        }

        private void oneRtt() {
            int flags = in.u8();
            long pn = packetNumber(in.u8(), in.u16());
            seal(flags, pn, in.bytes(in.u16() % 4096));
        }

        private void frames() {
            int flags = in.u8();
            long pn = packetNumber(in.u8(), in.u8());
            int count = 1 + in.u8() % 16;
            ByteBuffer payload = ByteBuffer.allocate(8192);
            for (int i = 0; i < count; i++) {
                Frame f = FuzzedFrames.next(in, t, lastChallenge);
                if (FrameEncoder.encodedLength(f) <= payload.remaining()) {
                    FrameEncoder.encode(payload, f);
                }
            }
            seal(flags, pn, Arrays.copyOf(payload.array(), payload.position()));
        }

        /** Seals {@code payload} in a 1-RTT packet as {@code flags} say ({@link Op#ONE_RTT}) and hands it over. */
        private void seal(int flags, long pn, byte[] payload) {
            int generation = (flags >>> 1) & 3;
            ByteBuffer ack = ByteBuffer.allocate(4096);
            if ((flags & 1) != 0) {
                FrameEncoder.encode(ack, t.ack());
            }
            ack.flip();
            ConnectionId destination = destination(flags >>> 6);
            ByteBuffer datagram;
            if ((flags & 8) != 0) {
                try {
                    datagram = Wire.oneRttWithKeyPhase(Role.CLIENT, t.server.version(), generation,
                            (generation & 1) ^ 1, destination, pn, b -> b.put(ack).put(payload));
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("AES-GCM is missing", e);
                }
            } else {
                datagram = Wire.oneRtt(Role.CLIENT, HostileClient.SUITE, t.server.version(), generation, destination,
                        pn, b -> b.put(ack).put(payload));
            }
            if ((flags & 16) != 0) {
                t.server.handleDatagramFromNewAddress(datagram, (flags & 32) != 0, t.now);
            } else {
                t.server.handleDatagram(datagram, t.now);
            }
        }

        /** {@return a packet number: the next, the last again, an old one, one past a gap, or any small one} */
        private long packetNumber(int mode, int arg) {
            long pn = switch (mode % 5) {
                case 0 -> largest + 1;
                case 1 -> last;
                case 2 -> Math.max(0, largest - arg);
                case 3 -> largest + 2 + arg;
                default -> arg;
            };
            largest = Math.max(largest, pn);
            last = pn;
            return pn;
        }

        private ConnectionId destination(int choice) {
            return switch (choice) {
                case 1 -> issued.isEmpty() ? t.destination : issued.getFirst();
                case 2 -> issued.isEmpty() ? t.destination : issued.getLast();
                case 3 -> UNKNOWN_ID;
                default -> t.destination;
            };
        }

        private void coalesced() {
            int count = 1 + in.u8() % 4;
            ByteBuffer datagram = ByteBuffer.allocate(count * 8192);
            for (int i = 0; i < count; i++) {
                int type = in.u8();
                long pn = in.u8();
                byte[] payload = in.bytes(in.u16() % 2048);
                if (type == 0 || type == 1) {
                    longHeader(datagram, type == 0 ? PacketType.INITIAL : PacketType.HANDSHAKE, pn, payload);
                } else {
                    datagram.put(Wire.oneRtt(Role.CLIENT, HostileClient.SUITE, t.server.version(), 0, t.destination,
                            packetNumber(0, 0), b -> b.put(payload)));
                }
            }
            t.server.handleDatagram(datagram.flip(), t.now);
        }

        /**
         * Appends a long-header packet of the client sealed with the keys the handshake used: after it those keys are
         * gone on the server (RFC 9001 §4.9), which must drop the packet.
         */
        private void longHeader(ByteBuffer datagram, PacketType type, long pn, byte[] payload) {
            PacketProtection keys = type == PacketType.INITIAL
                    ? PacketProtection.initial(t.server.version(), t.pair.clientConnection().originalDestinationId(),
                            Role.CLIENT)
                    : FixedSecrets.protection(EncryptionLevel.HANDSHAKE, Role.CLIENT, HostileClient.SUITE,
                            t.server.version());
            ByteBuffer packet = ByteBuffer.allocate(payload.length + 256);
            int pnOffset = PacketHeaderWriter.writeLongHeader(packet, t.server.version(), type, t.destination,
                    t.server.peerId(), null, pn, 4, 2, true);
            // PADDING first: the header protection sample must lie inside the payload (RFC 9001 §5.4.2).
            FrameEncoder.writePadding(packet, 24);
            packet.put(payload);
            PacketHeaderWriter.setLength(packet, pnOffset, 2, packet.position() + 16);
            int length = keys.seal(packet, 0, pnOffset, 4, pn, packet.position());
            datagram.put(packet.position(0).limit(length));
        }

        private void appWrite() {
            int flags = in.u8();
            int choice = in.u8();
            int length = Math.min(in.u16() % (16 * 1024 + 1), MAX_APP_WRITE - written);
            long id;
            if ((flags & 1) != 0 || opened.isEmpty()) {
                id = t.server.streams().openStream((flags & 2) != 0);
                if (id < 0) {
                    return;
                }
                opened.add(id);
            } else {
                id = opened.get(choice % opened.size());
            }
            if (t.server.streams().sendStream(id) == null || t.server.state().isClosingOrClosed()) {
                return;
            }
            try {
                written += t.server.streams().write(id, ByteBuffer.allocate(length), (flags & 4) != 0);
            } catch (StreamResetException e) {
                // The peer's STOP_SENDING reset it: the documented answer (RFC 9000 §3.5).
            } catch (IllegalStateException e) {
                // Finished already (a FIN was written) or reset by us: the documented refusal of a write after it.
            }
        }

        private void appRead() {
            boolean bidi = (in.u8() & 1) != 0;
            long id = StreamId.of(Role.CLIENT, bidi, in.u8() % 16);
            if (t.server.streams().recvStream(id) == null) {
                return;
            }
            try {
                t.server.streams().read(id, ByteBuffer.allocate(64 * 1024));
            } catch (StreamResetException e) {
                // The peer reset it: the documented answer.
            }
        }

        /** Drains what the server sends and checks every invariant; an AssertionError is a finding. */
        void check(String when) {
            RuntimeException fault = t.server.internalError();
            if (fault != null) {
                throw new AssertionError("a fault of qsock's own closed the connection " + when, fault);
            }
            for (var p : t.serverSends()) {
                for (NewConnectionIdFrame f : p.frames(NewConnectionIdFrame.class)) {
                    issued.add(f.connectionId());
                }
                for (PathChallengeFrame f : p.frames(PathChallengeFrame.class)) {
                    lastChallenge = f.data();
                }
            }
            long sent = t.datagramsFromServer - datagramsBefore;
            datagramsBefore = t.datagramsFromServer;
            if (sent > MAX_DATAGRAMS_PER_STEP) {
                throw new AssertionError(sent + " datagrams sent in one step " + when);
            }
            fault = t.server.internalError();
            if (fault != null) {
                throw new AssertionError("a fault of qsock's own closed the connection while sending " + when, fault);
            }
            if (t.server.state().isClosingOrClosed()) {
                checkCloseError(t.server.closeError(), when);
            }
            checkFlowControl(when);
        }

        private static void checkCloseError(ConnectionError error, String when) {
            if (error == null) {
                throw new AssertionError("closed without an error " + when);
            }
            if (error.byPeer()) {
                // The peer's CONNECTION_CLOSE (any code it likes) or a stateless reset.
                return;
            }
            boolean known = switch (error.kind()) {
                case TRANSPORT -> (error.code() <= 0x10 && error.code() != TransportErrorCode.INTERNAL_ERROR.value())
                        || (error.code() >= 0x100 && error.code() <= 0x1ff);
                case IDLE_TIMEOUT -> true;
                default -> false;
            };
            if (!known) {
                throw new AssertionError("closed with " + error + " " + when);
            }
        }

        /** RFC 9000 §4.1: what the peer sent stays within what we advertised, and so does what we store of it. */
        private void checkFlowControl(String when) {
            var streams = t.server.streams();
            if (streams.connectionDataReceived() > streams.localMaxData()) {
                throw new AssertionError("connection data " + streams.connectionDataReceived() + " past our limit "
                        + streams.localMaxData() + " " + when);
            }
            // RFC 9000 §4.6: the peer opens at most the streams our MAX_STREAMS allowed (cumulative counts).
            long streamsAllowed = streams.localMaxStreams(true) + streams.localMaxStreams(false) + opened.size();
            if (streams.streamCount() > streamsAllowed) {
                throw new AssertionError(streams.streamCount() + " streams held, more than the " + streamsAllowed
                        + " ever allowed " + when);
            }
            long allowance = streams.localMaxData();
            for (int d = 0; d < 2; d++) {
                boolean bidi = d == 0;
                long max = Math.min(streams.localMaxStreams(bidi), 4096);
                for (long i = 0; i < max; i++) {
                    allowance += checkStream(streams.recvStream(StreamId.of(Role.CLIENT, bidi, i)), when);
                }
            }
            for (long id : opened) {
                allowance += checkStream(streams.recvStream(id), when);
            }
            if (streams.receiveBytesHeld() > allowance) {
                throw new AssertionError("reassembly holds " + streams.receiveBytesHeld() + " bytes, more than "
                        + allowance + " " + when);
            }
        }

        /** {@return the chunk rounding the stream's storage may add to the connection's limit, after checking it} */
        private static long checkStream(RecvStream r, String when) {
            if (r == null) {
                return 0;
            }
            long limit = r.window().limit();
            if (r.highestOffset() > limit) {
                throw new AssertionError("stream " + r.id() + " received up to " + r.highestOffset()
                        + ", past its limit " + limit + " " + when);
            }
            if (r.bytesHeld() > limit - r.readOffset() + 2 * MAX_CHUNK) {
                throw new AssertionError("stream " + r.id() + " holds " + r.bytesHeld() + " bytes for a window of "
                        + limit + " from " + r.readOffset() + " " + when);
            }
            return 2 * MAX_CHUNK;
        }
    }
}
