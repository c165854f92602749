package qsock.tls.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static qsock.core.sim.quic.ConnectionPair.MS;
import static qsock.core.sim.quic.ConnectionPair.SECOND;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketProtection;
import qsock.core.frame.CryptoFrame;
import qsock.core.frame.Frame;
import qsock.core.frame.FrameDecoder;
import qsock.core.frame.StreamFrame;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketNumber;
import qsock.core.packet.PacketParser;
import qsock.core.packet.PacketType;
import qsock.core.packet.ParseStatus;
import qsock.core.sim.LinkConfig;
import qsock.core.sim.quic.BulkReceiver;
import qsock.core.sim.quic.BulkSender;
import qsock.core.sim.quic.ConnectionPair;
import qsock.core.sim.quic.RecordingChannel;

/**
 * Handshake messages are never overtaken by application data (the kernel module's known ordering bug): a
 * client that has data queued the moment its handshake completes sends no STREAM frame before the Handshake
 * packet that carries the last byte of its Finished. Checked on the wire, by decrypting what the client
 * sends with the keys it installed.
 */
class HandshakeOrderSimulationTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {41, 42, 43, 44, 45, 46})
    void noStreamFrameLeavesBeforeTheClientFinished(long seed) throws Exception {
        BulkSender sender = new BulkSender(200_000, seed);
        BulkReceiver receiver = new BulkReceiver();
        ConnectionPair pair = TlsHandshakes.pair(seed, "long")
                .links(LinkConfig.perfect().withDelay(15 * MS, 5 * MS).withLoss(0.2))
                .clientApplication(() -> sender).serverApplication(() -> receiver).build();
        List<String> violations = new ArrayList<>();
        long[] handshakeCryptoSent = {0};
        int[] streamPackets = {0};
        WireReader reader = new WireReader();
        pair.client.outgoingHook = (datagram, now) -> {
            RecordingChannel channel = pair.clientSession.channel;
            ByteBuffer copy = ByteBuffer.allocate(datagram.remaining()).put(datagram.duplicate()).flip();
            for (WireReader.Packet p : reader.read(copy, channel)) {
                for (Frame f : p.frames()) {
                    if (p.type() == PacketType.HANDSHAKE && f instanceof CryptoFrame c) {
                        handshakeCryptoSent[0] = Math.max(handshakeCryptoSent[0], c.offset() + c.data().remaining());
                    }
                    if (p.type() == PacketType.ONE_RTT && f instanceof StreamFrame) {
                        streamPackets[0]++;
                        long written = channel.written.getOrDefault(EncryptionLevel.HANDSHAKE, 0L);
                        if (handshakeCryptoSent[0] < written) {
                            violations.add("STREAM sent when " + handshakeCryptoSent[0] + " of " + written
                                    + " Handshake bytes had left");
                        }
                    }
                }
            }
        };
        pair.connect();
        pair.runUntil(receiver::finished, 600 * SECOND, 2_000_000);
        assertEquals(List.of(), violations, pair.describe());
        assertTrue(streamPackets[0] > 0, "the wire reader saw the stream data");
        assertEquals(sender.sha256(), receiver.sha256());
    }

    /** Opens a copy of what one endpoint sends, with the write secrets it recorded. */
    static final class WireReader {
        private final PacketHeaderView view = new PacketHeaderView();
        private final OpenedPacket opened = new OpenedPacket();
        private PacketProtection handshake;
        private PacketProtection oneRtt;
        private long largestHandshake = PacketNumber.NONE;
        private long largestOneRtt = PacketNumber.NONE;

        record Packet(PacketType type, List<Frame> frames) {}

        List<Packet> read(ByteBuffer datagram, RecordingChannel channel) {
            List<Packet> packets = new ArrayList<>();
            int offset = 0;
            while (offset < datagram.limit()) {
                if (PacketParser.parse(datagram, offset, 8, true, view) != ParseStatus.OK) {
                    break;
                }
                int end = view.packetEnd();
                PacketProtection keys = keys(view.type(), channel);
                if (keys != null) {
                    long largest = view.type() == PacketType.HANDSHAKE ? largestHandshake : largestOneRtt;
                    int n = keys.open(datagram, view.packetStart(), view.pnOffset(), end, largest, opened);
                    if (n >= 0) {
                        if (view.type() == PacketType.HANDSHAKE) {
                            largestHandshake = Math.max(largestHandshake, opened.packetNumber());
                        } else {
                            largestOneRtt = Math.max(largestOneRtt, opened.packetNumber());
                        }
                        List<Frame> frames = new ArrayList<>();
                        try {
                            FrameDecoder.decodeAll(datagram.duplicate().limit(opened.payloadOffset() + n)
                                    .position(opened.payloadOffset()), view.type(), frames);
                        } catch (Exception e) {
                            throw new AssertionError("the client sent an undecodable packet", e);
                        }
                        packets.add(new Packet(view.type(), frames));
                    }
                }
                offset = end;
            }
            return packets;
        }

        private PacketProtection keys(PacketType type, RecordingChannel channel) {
            if (type == PacketType.HANDSHAKE && handshake == null
                    && channel.writeSecrets.containsKey(EncryptionLevel.HANDSHAKE)) {
                handshake = PacketProtection.fromSecret(channel.suite, channel.connection.version(),
                        channel.writeSecrets.get(EncryptionLevel.HANDSHAKE));
            }
            if (type == PacketType.ONE_RTT && oneRtt == null
                    && channel.writeSecrets.containsKey(EncryptionLevel.APPLICATION)) {
                oneRtt = PacketProtection.fromSecret(channel.suite, channel.connection.version(),
                        channel.writeSecrets.get(EncryptionLevel.APPLICATION));
            }
            return switch (type) {
                case HANDSHAKE -> handshake;
                case ONE_RTT -> oneRtt;
                default -> null;
            };
        }
    }
}
