package qsock.core.endpoint;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import qsock.api.Role;
import qsock.core.crypto.PacketProtection;
import qsock.core.frame.FrameEncoder;
import qsock.core.packet.PacketHeaderWriter;
import qsock.core.packet.PacketType;
import qsock.api.QuicVersion;
import qsock.core.wire.ConnectionId;

/**
 * Long-header packets a client (or anyone: Initial keys are public, RFC 9001 §5.2) builds frame by frame and
 * protects with the client's Initial keys of the Destination Connection ID, so that a test controls every
 * byte the server receives.
 */
final class ClientPackets {

    private ClientPackets() {}

    /**
     * {@return a 1200-byte datagram holding one client Initial (packet number {@code pn}) for {@code dcid},
     * with the frames {@code frames} writes, then PADDING}
     */
    static ByteBuffer initial(ConnectionId dcid, ConnectionId scid, long pn, Consumer<ByteBuffer> frames) {
        return packet(PacketType.INITIAL, dcid, scid, pn, 1200, frames);
    }

    /** {@return a 1200-byte client Initial whose only frame is CRYPTO of {@code data} at {@code offset}} */
    static ByteBuffer initialWithCrypto(ConnectionId dcid, ConnectionId scid, long pn, long offset, byte[] data) {
        return initial(dcid, scid, pn, b -> {
            FrameEncoder.writeCryptoHeader(b, offset, data.length);
            b.put(data);
        });
    }

    /**
     * {@return a datagram of {@code size} bytes holding one packet of {@code type}, sealed with the client's
     * Initial keys of {@code dcid}} For a Handshake packet the keys are wrong (the server cannot have Handshake
     * keys of its own yet in the tests that send one): it is a packet a server buffers until it has keys.
     */
    static ByteBuffer packet(PacketType type, ConnectionId dcid, ConnectionId scid, long pn, int size,
                             Consumer<ByteBuffer> frames) {
        ByteBuffer b = ByteBuffer.allocate(size);
        int pnOffset = PacketHeaderWriter.writeLongHeader(b, QuicVersion.V1, type, dcid, scid, null, pn, 2, 2, true);
        frames.accept(b);
        int end = size - 16;
        FrameEncoder.writePadding(b, end - b.position());
        PacketHeaderWriter.setLength(b, pnOffset, 2, size);
        PacketProtection.initial(QuicVersion.V1, dcid, Role.CLIENT).seal(b, 0, pnOffset, 2, pn, end);
        return b.position(0).limit(size);
    }
}
