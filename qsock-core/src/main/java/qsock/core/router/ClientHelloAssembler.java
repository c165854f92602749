package qsock.core.router;

import java.nio.ByteBuffer;
import java.util.BitSet;
import qsock.api.QuicVersion;
import qsock.api.Role;
import qsock.core.crypto.OpenedPacket;
import qsock.core.crypto.PacketProtection;
import qsock.core.endpoint.ClientHelloAlpn;
import qsock.core.endpoint.ClientHelloReader;
import qsock.core.error.QuicProtocolException;
import qsock.core.frame.FrameReader;
import qsock.core.frame.FrameType;
import qsock.core.packet.PacketHeaderView;
import qsock.core.packet.PacketNumber;
import qsock.core.packet.PacketParser;
import qsock.core.packet.PacketType;
import qsock.core.packet.ParseStatus;
import qsock.core.wire.ConnectionId;

/**
 * Reassembles one new connection's ClientHello from the client's Initial packets, as routerd sees them before any
 * server does: opens each with the Initial keys of the client's first Destination Connection ID (RFC 9001 §5.2), and
 * puts the CRYPTO frames' bytes in place until {@link ClientHelloReader} can read its ALPN list. A post-quantum
 * ClientHello spans two Initial datagrams; they may arrive in either order.
 *
 * <p>Bounded: the bytes kept are at most {@link ClientHelloReader#MAX_CLIENT_HELLO}, and a CRYPTO frame beyond that
 * makes the ClientHello malformed. Only frames a client's Initial may carry are accepted (RFC 9000 §12.4: PADDING,
 * PING, ACK, CRYPTO, CONNECTION_CLOSE); a packet that does not open is ignored (it may be another's, or damaged),
 * one that opens but holds anything else makes the ClientHello malformed. The packet is decrypted in a copy: the
 * datagram itself goes on to the server untouched.
 */
final class ClientHelloAssembler {

    private final QuicVersion version;
    private final ConnectionId destination;
    private final PacketProtection keys;
    private final byte[] crypto = new byte[ClientHelloReader.MAX_CLIENT_HELLO];
    private final BitSet received = new BitSet(ClientHelloReader.MAX_CLIENT_HELLO);
    private final PacketHeaderView view = new PacketHeaderView();
    private final OpenedPacket opened = new OpenedPacket();
    private final FrameReader frames = new FrameReader();
    private long largest = PacketNumber.NONE;
    private boolean malformed;

    /** For the connection whose client's first Initial was addressed to {@code destination}. */
    ClientHelloAssembler(QuicVersion version, ConnectionId destination) {
        this.version = version;
        this.destination = destination;
        this.keys = PacketProtection.initial(version, destination, Role.CLIENT);
    }

    /**
     * Takes the Initial packets of one datagram (position to limit, unchanged) addressed to this connection and
     * {@return what the ClientHello is now: INCOMPLETE, MALFORMED, or COMPLETE with its ALPN list}
     *
     * @param scratch room for a copy of the datagram (its capacity at least the datagram's length)
     */
    ClientHelloAlpn add(ByteBuffer datagram, ByteBuffer scratch) {
        if (malformed) {
            return ClientHelloAlpn.MALFORMED;
        }
        scratch.clear();
        scratch.put(datagram.duplicate()).flip();
        int offset = 0;
        while (offset < scratch.limit()) {
            ParseStatus status = PacketParser.parse(scratch, offset, 0, true, view);
            if (status != ParseStatus.OK || !view.isLongHeader()) {
                break; // the rest of the datagram is not ours to judge: the server will
            }
            int end = view.packetEnd();
            if (view.type() == PacketType.INITIAL && view.quicVersion() == version
                    && destination.matches(scratch, view.dcidOffset(), view.dcidLength())) {
                int n = keys.open(scratch, view.packetStart(), view.pnOffset(), end, largest, opened);
                if (n >= 0) {
                    largest = Math.max(largest, opened.packetNumber());
                    if (!readFrames(scratch, opened.payloadOffset(), opened.payloadOffset() + n)) {
                        malformed = true;
                        return ClientHelloAlpn.MALFORMED;
                    }
                }
            }
            offset = end;
        }
        int prefix = received.nextClearBit(0);
        return ClientHelloReader.read(ByteBuffer.wrap(crypto, 0, prefix));
    }

    /** {@return false if the payload holds a frame a client's Initial must not, or CRYPTO data past the bound} */
    private boolean readFrames(ByteBuffer packet, int from, int to) {
        ByteBuffer payload = packet.duplicate().limit(to).position(from);
        try {
            while (payload.hasRemaining()) {
                FrameType type = frames.read(payload, PacketType.INITIAL);
                switch (type) {
                    case PADDING, PING, ACK, CONNECTION_CLOSE -> { }
                    case CRYPTO -> {
                        long start = frames.offset();
                        int length = frames.dataLength();
                        if (start + length > crypto.length) {
                            return false;
                        }
                        payload.get(frames.dataOffset(), crypto, (int) start, length);
                        received.set((int) start, (int) start + length);
                    }
                    default -> {
                        return false;
                    }
                }
            }
        } catch (QuicProtocolException e) {
            return false;
        }
        return true;
    }
}
