package qsock.core.cid.lb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;
import qsock.core.wire.ConnectionId;

/**
 * Fuzzes QUIC-LB connection ID decoding (draft-ietf-quic-load-balancers §5) under every configuration shape: the
 * first input byte picks plaintext or encrypted, the second and third the server ID and nonce lengths, the rest is
 * the connection ID a client sent. Its contract: decoding never throws, and what decodes re-encodes (same server
 * ID, same nonce) to a connection ID that decodes to the same plaintext.
 */
class QuicLbDecoderFuzzTest {

    private static final byte[] KEY = {
        (byte) 0x8f, (byte) 0x95, (byte) 0xf0, (byte) 0x92, (byte) 0x45, (byte) 0x76, (byte) 0x5f, (byte) 0x80,
        (byte) 0x25, (byte) 0x69, (byte) 0x34, (byte) 0xe5, (byte) 0x0c, (byte) 0x66, (byte) 0x20, (byte) 0x7f};

    @FuzzTest
    void decodesWithoutExceptionAndReEncodesWhatItDecoded(byte[] input) {
        if (input.length < 3) {
            return;
        }
        int flags = input[0] & 0xff;
        int serverIdLength = QuicLbConfig.MIN_SERVER_ID_LENGTH
                + (input[1] & 0xff) % (QuicLbConfig.MAX_PLAINTEXT_LENGTH - QuicLbConfig.MIN_NONCE_LENGTH);
        int nonceLength = QuicLbConfig.MIN_NONCE_LENGTH
                + (input[2] & 0xff) % (QuicLbConfig.MAX_PLAINTEXT_LENGTH - serverIdLength
                        - QuicLbConfig.MIN_NONCE_LENGTH + 1);
        QuicLbConfig config = new QuicLbConfig((flags >>> 2) % QuicLbConfig.UNROUTABLE_ROTATION, serverIdLength,
                nonceLength, (flags & 1) != 0 ? KEY : null, (flags & 2) != 0);
        byte[] cid = Arrays.copyOfRange(input, 3, Math.min(input.length, 3 + ConnectionId.MAX_LENGTH));
        QuicLbDecoder decoder = new QuicLbDecoder(config);
        Optional<byte[]> plaintext = decoder.plaintext(ConnectionId.of(cid));
        if (plaintext.isEmpty()) {
            return;
        }
        byte[] plain = plaintext.get();
        assertEquals(config.plaintextLength(), plain.length);
        byte[] serverId = Arrays.copyOf(plain, serverIdLength);
        assertArrayEquals(serverId, decoder.serverId(ConnectionId.of(cid)).orElseThrow());
        QuicLbEncoder encoder = new QuicLbEncoder(config, serverId, new SplittableRandom(flags));
        ConnectionId again = encoder.encode(Arrays.copyOfRange(plain, serverIdLength, plain.length));
        assertEquals(config.connectionIdLength(), again.length());
        assertArrayEquals(plain, decoder.plaintext(again).orElseThrow(), "round trip");
    }
}
