package qsock.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import qsock.core.error.QuicProtocolException;
import qsock.core.frame.Frame;
import qsock.core.frame.FrameDecoder;
import qsock.core.frame.FrameEncoder;
import qsock.core.packet.PacketType;

/**
 * Fuzzes the frame decoder (RFC 9000 §19) on packet payloads of every packet type that carries frames; the first
 * input byte picks the packet type. Its contract: a payload decodes or throws {@link QuicProtocolException}, nothing
 * else, and every frame decoded encodes to bytes that decode to an equal frame.
 */
class FrameFuzzTest {

    /** The packet types whose payloads are frames (Retry carries none, RFC 9000 §17.2.5). */
    private static final PacketType[] TYPES =
            {PacketType.INITIAL, PacketType.ZERO_RTT, PacketType.HANDSHAKE, PacketType.ONE_RTT};

    @FuzzTest
    void decodesOrRejectsAndRoundTripsWhatItDecoded(byte[] input) {
        if (input.length < 1) {
            return;
        }
        PacketType type = TYPES[(input[0] & 0xff) % TYPES.length];
        ByteBuffer payload = ByteBuffer.wrap(input, 1, input.length - 1).slice();
        List<Frame> frames = new ArrayList<>();
        try {
            FrameDecoder.decodeAll(payload, type, frames);
        } catch (QuicProtocolException e) {
            // The documented rejection; the frames before the bad one are still checked below.
        }
        for (Frame frame : frames) {
            ByteBuffer encoded = ByteBuffer.allocate(FrameEncoder.encodedLength(frame));
            FrameEncoder.encode(encoded, frame);
            assertFalse(encoded.flip().remaining() == 0, "an empty encoding of " + frame);
            Frame again;
            try {
                again = FrameDecoder.decode(encoded, type);
            } catch (QuicProtocolException e) {
                throw new AssertionError("the encoding of " + frame + " does not decode", e);
            }
            assertEquals(frame, again, "round trip");
            assertEquals(0, encoded.remaining(), "bytes left after the re-encoded " + frame);
        }
    }
}
