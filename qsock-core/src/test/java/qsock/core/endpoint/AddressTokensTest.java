package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.QuicVersion;
import qsock.api.TokenKeys;
import qsock.core.wire.ConnectionId;

/** Address validation tokens (RFC 9000 §8.1.1-§8.1.4): sealed, bound, expiring, and strict when opened. */
class AddressTokensTest {

    private static final QuicVersion V1 = QuicVersion.V1;

    private static final long SECOND = 1_000_000_000L;
    private static final long HOUR = 3600 * SECOND;
    private static final long NOW = 5_000 * SECOND;
    private static final byte[] KEY_A = filled(32, 0x11);
    private static final byte[] KEY_B = filled(16, 0x22);
    private static final ConnectionId ODCID = ConnectionId.ofHex("8394c8f03e515708");
    private static final ConnectionId RSCID = ConnectionId.ofHex("f067a5502a4262b5");
    private static final InetSocketAddress CLIENT = address("192.0.2.7", 50_000);

    private static byte[] filled(int n, int b) {
        byte[] a = new byte[n];
        java.util.Arrays.fill(a, (byte) b);
        return a;
    }

    private static InetSocketAddress address(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static AddressTokens tokens(TokenKeys keys) {
        return new AddressTokens(keys, new SplittableRandom(7), 10 * SECOND, 24 * HOUR);
    }

    private static AddressToken open(AddressTokens t, byte[] token, InetSocketAddress from, long now) {
        return open(t, token, from, V1, now);
    }

    private static AddressToken open(AddressTokens t, byte[] token, InetSocketAddress from, QuicVersion version,
                                     long now) {
        ByteBuffer buf = ByteBuffer.allocate(token.length + 10);
        buf.position(5).put(token);
        AddressToken result = t.open(buf, 5, token.length, from, version, now);
        assertEquals(5 + token.length, buf.position(), "the buffer is not moved");
        return result;
    }

    @Test
    void aRetryTokenCarriesTheConnectionIdsAndOpensForItsClientWithinItsLifetime() {
        AddressTokens t = tokens(TokenKeys.of(KEY_A));
        byte[] token = t.sealRetry(CLIENT, V1, ODCID, RSCID, NOW);
        AddressToken opened = open(t, token, CLIENT, NOW + 10 * SECOND);
        assertNotNull(opened);
        assertEquals(AddressToken.Kind.RETRY, opened.kind());
        assertEquals(ODCID, opened.originalDestinationId());
        assertEquals(RSCID, opened.retrySourceId());
        assertEquals(NOW, opened.issuedAt());
        assertTrue(token.length <= AddressTokens.MAX_LENGTH);
    }

    @Test
    void aRetryTokenExpiresInSecondsAndIsNeverFromTheFuture() {
        AddressTokens t = tokens(TokenKeys.of(KEY_A));
        byte[] token = t.sealRetry(CLIENT, V1, ODCID, RSCID, NOW);
        assertNull(open(t, token, CLIENT, NOW + 10 * SECOND + 1), "expired");
        assertNull(open(t, token, CLIENT, NOW - 1), "issued after now");
    }

    @Test
    void aRetryTokenIsBoundToTheClientsAddressAndPort() {
        AddressTokens t = tokens(TokenKeys.of(KEY_A));
        byte[] token = t.sealRetry(CLIENT, V1, ODCID, RSCID, NOW);
        assertNull(open(t, token, address("192.0.2.8", 50_000), NOW), "another IP address");
        assertNull(open(t, token, address("192.0.2.7", 50_001), NOW), "another port");
        assertNull(open(t, token, address("2001:db8::7", 50_000), NOW), "another family");
    }

    @Test
    void aNewTokenLivesHoursAndIsBoundToTheAddressButNotThePort() {
        AddressTokens t = tokens(TokenKeys.of(KEY_A));
        byte[] token = t.sealNewToken(address("2001:db8::1", 443), V1, NOW);
        AddressToken opened = open(t, token, address("2001:db8::1", 61_000), NOW + 23 * HOUR);
        assertNotNull(opened, "a later connection comes from another port");
        assertEquals(AddressToken.Kind.NEW_TOKEN, opened.kind());
        assertNull(opened.originalDestinationId());
        assertNull(open(t, token, address("2001:db8::1", 443), NOW + 24 * HOUR + 1), "expired");
        assertNull(open(t, token, address("2001:db8::2", 443), NOW), "another address");
    }

    @Test
    void everyAlteredByteMakesATokenInvalidWithoutAnException() {
        AddressTokens t = tokens(TokenKeys.of(KEY_A));
        byte[] token = t.sealRetry(CLIENT, V1, ODCID, RSCID, NOW);
        for (int i = 0; i < token.length; i++) {
            byte[] forged = token.clone();
            forged[i] ^= 0x01;
            assertNull(open(t, forged, CLIENT, NOW), "byte " + i + " altered");
        }
        // The kind is authenticated too: a Retry token does not pass as a NEW_TOKEN token, nor the other way.
        byte[] relabelled = token.clone();
        relabelled[0] = (byte) AddressToken.Kind.NEW_TOKEN.marker;
        assertNull(open(t, relabelled, CLIENT, NOW));
    }

    @Test
    void truncatedOverlongAndRandomTokensAreInvalid() {
        AddressTokens t = tokens(TokenKeys.of(KEY_A));
        byte[] token = t.sealRetry(CLIENT, V1, ODCID, RSCID, NOW);
        for (int n = 0; n < token.length; n++) {
            assertNull(open(t, java.util.Arrays.copyOf(token, n), CLIENT, NOW), "truncated to " + n);
        }
        assertNull(open(t, java.util.Arrays.copyOf(token, AddressTokens.MAX_LENGTH + 1), CLIENT, NOW));
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 2_000; i++) {
            byte[] junk = new byte[r.nextInt(0, 200)];
            r.nextBytes(junk);
            if (junk.length > 0 && r.nextBoolean()) {
                junk[0] = (byte) (r.nextBoolean() ? 0x52 : 0x4e);
            }
            assertNull(open(t, junk, CLIENT, NOW));
        }
    }

    @Test
    void serversSharingKeysAcceptEachOthersTokensAndARotationKeepsThePreviousKeyOpening() {
        AddressTokens first = tokens(TokenKeys.of(KEY_A));
        AddressTokens second = new AddressTokens(TokenKeys.of(KEY_A), new SplittableRandom(99), 10 * SECOND,
                24 * HOUR);
        byte[] token = first.sealNewToken(CLIENT, V1, NOW);
        assertNotNull(open(second, token, CLIENT, NOW));

        AddressTokens rotated = tokens(TokenKeys.of(KEY_A).rotate(KEY_B));
        assertNotNull(open(rotated, token, CLIENT, NOW), "sealed under the previous key");
        byte[] fresh = rotated.sealNewToken(CLIENT, V1, NOW);
        assertNull(open(first, fresh, CLIENT, NOW), "sealed under a key the first server does not have");
        assertNull(open(tokens(TokenKeys.of(KEY_B)), token, CLIENT, NOW), "the previous key was dropped");
    }

    @Test
    void tokensAreUnlinkableAndKeysAreNeverPrinted() {
        AddressTokens t = tokens(TokenKeys.of(KEY_A));
        byte[] a = t.sealNewToken(CLIENT, V1, NOW);
        byte[] b = t.sealNewToken(CLIENT, V1, NOW);
        assertEquals(a.length, b.length);
        assertTrue(!java.util.Arrays.equals(a, b), "RFC 9000 §8.1.4: two tokens for one client differ");
        assertTrue(!TokenKeys.of(KEY_A).toString().contains("17"));
        assertArrayEquals(KEY_A, TokenKeys.of(KEY_A).current());
        assertThrows(IllegalArgumentException.class, () -> TokenKeys.of(new byte[24]));
    }

    /** RFC 9369 §5: a token is bound to the version of the connection that issued it; another version refuses it. */
    @Test
    void aTokenOpensOnlyInTheVersionItWasIssuedIn() {
        AddressTokens t = tokens(TokenKeys.of(KEY_A));
        byte[] retry = t.sealRetry(CLIENT, V1, ODCID, RSCID, NOW);
        byte[] newToken = t.sealNewToken(CLIENT, QuicVersion.V2, NOW);
        assertNotNull(open(t, retry, CLIENT, V1, NOW));
        assertNull(open(t, retry, CLIENT, QuicVersion.V2, NOW), "a v1 Retry token in a v2 Initial");
        assertNotNull(open(t, newToken, CLIENT, QuicVersion.V2, NOW));
        assertNull(open(t, newToken, CLIENT, V1, NOW), "a v2 NEW_TOKEN token in a v1 Initial");
    }
}
