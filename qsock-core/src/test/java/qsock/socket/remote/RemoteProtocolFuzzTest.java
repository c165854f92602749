package qsock.socket.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * Fuzzes the payload readers of the handshake daemon's protocol: HELLO as the daemon reads it from an endpoint,
 * ESTABLISHED and FAILED as an endpoint reads the daemon's verdict. The first input byte is the frame type. Its
 * contract: a payload decodes or throws {@link RemoteProtocolException}, and what decoded encodes to a payload that
 * decodes equal.
 */
class RemoteProtocolFuzzTest {

    @FuzzTest
    void decodesOrRejectsAndRoundTripsWhatItDecoded(byte[] input) throws RemoteProtocolException {
        if (input.length < 1) {
            return;
        }
        FrameType type = FrameType.fromCode(input[0] & 0xff);
        if (type == null) {
            return;
        }
        Frame frame = new Frame(type, Arrays.copyOfRange(input, 1, Math.min(input.length, 1 + FrameChannel.MAX_PAYLOAD)));
        try {
            if (type == FrameType.HELLO) {
                // Hello holds an array, so the round trip compares encodings: encode(decode(encode(h))) = encode(h).
                byte[] encoded = Hello.decode(frame).encode().toByteArray();
                byte[] again = Hello.decode(new Frame(FrameType.HELLO, encoded)).encode().toByteArray();
                assertArrayEquals(encoded, again, "HELLO round trip");
            } else {
                Verdict verdict = Verdict.decode(frame);
                assertEquals(verdict, Verdict.decode(new Frame(verdict.frameType(), verdict.encode().toByteArray())),
                        "verdict round trip");
            }
        } catch (RemoteProtocolException e) {
            // The documented rejection.
        }
    }
}
