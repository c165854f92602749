package qsock.core.cid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import qsock.core.params.StatelessResetToken;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;
import qsock.core.wire.ConnectionId;

class StatelessResetTokensTest {

    private static final byte[] KEY = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f1011121314151617");

    @Test
    void tokenIsTheTruncatedHmacSha256OfTheConnectionId() throws Exception {
        ConnectionId cid = ConnectionId.ofHex("8394c8f03e515708");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
        byte[] expected = Arrays.copyOf(mac.doFinal(cid.toByteArray()), 16);

        assertArrayEquals(expected, new StatelessResetTokens(KEY).tokenFor(cid).toByteArray());
    }

    @Test
    void derivationIsDeterministicAcrossCallsAndInstances() {
        Properties.forAll(r -> ConnectionId.of(Generators.bytesUpTo(r, ConnectionId.MAX_LENGTH)), cid -> {
            StatelessResetTokens a = new StatelessResetTokens(KEY);
            StatelessResetToken first = a.tokenFor(cid);
            // The Mac is reused: a second derivation must not see state left by the first.
            assertEquals(first, a.tokenFor(cid));
            assertEquals(first, new StatelessResetTokens(KEY).tokenFor(cid));
        });
    }

    @Test
    void differentKeysGiveDifferentTokens() {
        Properties.forAll(r -> new Object[] {Generators.bytes(r, 32), Generators.bytes(r, 32),
                ConnectionId.of(Generators.bytes(r, 1 + r.nextInt(ConnectionId.MAX_LENGTH)))}, in -> {
            byte[] k1 = (byte[]) in[0];
            byte[] k2 = (byte[]) in[1];
            ConnectionId cid = (ConnectionId) in[2];
            if (!Arrays.equals(k1, k2)) {
                assertNotEquals(new StatelessResetTokens(k1).tokenFor(cid), new StatelessResetTokens(k2).tokenFor(cid));
            }
        });
    }

    @Test
    void differentConnectionIdsGiveDifferentTokens() {
        StatelessResetTokens tokens = new StatelessResetTokens(KEY);
        assertNotEquals(tokens.tokenFor(ConnectionId.ofHex("0001")), tokens.tokenFor(ConnectionId.ofHex("0002")));
        // A prefix is another input to the HMAC, not the same one.
        assertNotEquals(tokens.tokenFor(ConnectionId.ofHex("00")), tokens.tokenFor(ConnectionId.ofHex("0000")));
    }

    @Test
    void deriveIntoMatchesTokenForAndLeavesThePositionAlone() {
        Properties.forAll(r -> Generators.bytes(r, 1 + r.nextInt(40)), bytes -> {
            StatelessResetTokens tokens = new StatelessResetTokens(KEY);
            int length = Math.min(bytes.length, ConnectionId.MAX_LENGTH);
            int index = bytes.length - length;
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            byte[] out = new byte[20];
            tokens.deriveInto(buf, index, length, out, 3);
            assertEquals(0, buf.position());
            StatelessResetToken expected = tokens.tokenFor(ConnectionId.of(bytes, index, length));
            assertArrayEquals(expected.toByteArray(), Arrays.copyOfRange(out, 3, 19));
        });
    }

    @Test
    void refusesShortKeysAndBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new StatelessResetTokens(new byte[15]));
        StatelessResetTokens tokens = new StatelessResetTokens(KEY);
        ByteBuffer buf = ByteBuffer.allocate(30);
        assertThrows(IllegalArgumentException.class, () -> tokens.deriveInto(buf, 0, 21, new byte[16], 0));
        assertThrows(IllegalArgumentException.class, () -> tokens.deriveInto(buf, 0, 8, new byte[16], 1));
        assertThrows(IndexOutOfBoundsException.class, () -> tokens.deriveInto(buf, 25, 8, new byte[16], 0));
    }
}
