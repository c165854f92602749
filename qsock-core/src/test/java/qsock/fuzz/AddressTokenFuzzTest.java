package qsock.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import qsock.api.QuicVersion;
import qsock.api.TokenKeys;
import qsock.core.endpoint.AddressToken;
import qsock.core.endpoint.AddressTokens;
import qsock.core.wire.ConnectionId;

/**
 * Fuzzes address token opening (RFC 9000 §8.1.3-8.1.4): the token of an Initial packet, which anyone may send. Its
 * contract: opening never throws and never accepts bytes that were not sealed by our key, and a token sealed for the
 * client the input names opens to what was sealed. Input: a token to open, then the seed of the sealed one.
 */
class AddressTokenFuzzTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long NOW = 5_000 * SECOND;
    private static final InetSocketAddress CLIENT = address("192.0.2.7", 50_000);
    private static final InetSocketAddress CLIENT6 = address("2001:db8::7", 443);
    private static final byte[] KEY = new byte[32];

    static {
        Arrays.fill(KEY, (byte) 0x11);
    }

    private static InetSocketAddress address(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest
    void opensOnlyWhatWasSealedAndNeverThrows(byte[] input) {
        AddressTokens tokens = new AddressTokens(TokenKeys.of(KEY), new SplittableRandom(7), 10 * SECOND,
                24 * 3600 * SECOND);
        // Unsealed bytes at an offset inside a larger buffer, as they sit in a datagram.
        ByteBuffer datagram = ByteBuffer.allocate(input.length + 8);
        datagram.position(3);
        datagram.put(input);
        for (QuicVersion version : QuicVersion.values()) {
            assertNull(tokens.open(datagram, 3, input.length, CLIENT, version, NOW), "opened unsealed bytes");
            assertNull(tokens.open(datagram, 3, input.length, CLIENT6, version, NOW), "opened unsealed bytes");
        }
        // A sealed token whose connection IDs come from the input opens to them.
        int odcidLength = input.length == 0 ? 0 : (input[0] & 0xff) % (ConnectionId.MAX_LENGTH + 1);
        byte[] odcid = Arrays.copyOf(input, odcidLength);
        ConnectionId original = ConnectionId.of(odcid);
        ConnectionId retrySource = ConnectionId.of(Arrays.copyOf(odcid, Math.max(odcidLength, 8)));
        InetSocketAddress client = input.length > 1 && (input[1] & 1) != 0 ? CLIENT6 : CLIENT;
        byte[] sealed = tokens.sealRetry(client, QuicVersion.V1, original, retrySource, NOW);
        AddressToken opened = tokens.open(ByteBuffer.wrap(sealed), 0, sealed.length, client, QuicVersion.V1, NOW);
        assertNotNull(opened, "a sealed token does not open");
        assertEquals(AddressToken.Kind.RETRY, opened.kind());
        assertEquals(original, opened.originalDestinationId());
        assertEquals(retrySource, opened.retrySourceId());
    }
}
