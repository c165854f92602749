package qsock.core.cid.lb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.core.testing.Generators;
import qsock.core.wire.ConnectionId;

/** Round trips over every allowed length, rotation mismatches and nonce uniqueness of QUIC-LB IDs. */
class QuicLbEncoderTest {

    private static final byte[] KEY = HexFormat.of().parseHex("8f95f09245765f80256934e50c66207f");

    @ParameterizedTest(name = "encrypted={0}")
    @ValueSource(booleans = {false, true})
    void everyAllowedLengthRoundTripsRandomServerIdsAndNonces(boolean encrypted) {
        SplittableRandom r = new SplittableRandom(42);
        int configs = 0;
        for (int sidLength = 1; sidLength <= 15; sidLength++) {
            for (int nonceLength = 4; sidLength + nonceLength <= 19; nonceLength++) {
                configs++;
                QuicLbConfig config = new QuicLbConfig(r.nextInt(7), sidLength, nonceLength,
                        encrypted ? Generators.bytes(r, 16) : null, r.nextBoolean());
                QuicLbDecoder decoder = new QuicLbDecoder(config);
                for (int i = 0; i < 50; i++) {
                    byte[] sid = Generators.bytes(r, sidLength);
                    byte[] nonce = Generators.bytes(r, nonceLength);
                    QuicLbEncoder encoder = new QuicLbEncoder(config, sid, r);

                    ConnectionId cid = encoder.encode(nonce);
                    assertEquals(config.connectionIdLength(), cid.length());
                    byte[] plaintext = decoder.plaintext(cid).orElseThrow();
                    assertArrayEquals(sid, Arrays.copyOf(plaintext, sidLength), config.toString());
                    assertArrayEquals(nonce, Arrays.copyOfRange(plaintext, sidLength, plaintext.length));
                    assertArrayEquals(sid, decoder.serverId(encoder.next()).orElseThrow(), config.toString());
                    if (encrypted) {
                        // The server ID must not show through: in clear it would sit right after the first octet.
                        assertNotEquals(HexFormat.of().formatHex(sid) + HexFormat.of().formatHex(nonce),
                                HexFormat.of().formatHex(cid.toByteArray()).substring(2));
                    }
                }
            }
        }
        assertEquals(120, configs); // 15 + 14 + ... + 1: every (server ID, nonce) pair with sid >= 1, nonce >= 4, sum <= 19
    }

    @Test
    void firstOctetCarriesTheRotationAndTheLengthOrRandomBits() {
        SplittableRandom r = new SplittableRandom(7);
        QuicLbConfig selfEncoding = new QuicLbConfig(5, 3, 6, KEY, true);
        QuicLbConfig randomBits = new QuicLbConfig(5, 3, 6, KEY, false);
        QuicLbEncoder a = new QuicLbEncoder(selfEncoding, new byte[] {1, 2, 3}, r);
        QuicLbEncoder b = new QuicLbEncoder(randomBits, new byte[] {1, 2, 3}, r);
        Set<Integer> lowBits = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            assertEquals((byte) (5 << 5 | 9), a.next().byteAt(0));
            ConnectionId cid = b.next();
            assertEquals(5, QuicLbDecoder.configRotationOf(cid));
            lowBits.add(cid.byteAt(0) & 0x1f);
        }
        assertTrue(lowBits.size() > 1, "without length self-encoding the low 5 bits must be random: " + lowBits);
    }

    @Test
    void decoderOfAnotherRotationOrTooShortAnIdRejectsIt() {
        SplittableRandom r = new SplittableRandom(3);
        byte[] sid = {9, 8};
        QuicLbEncoder encoder = new QuicLbEncoder(new QuicLbConfig(1, 2, 8, KEY, true), sid, r);
        QuicLbDecoder sameRotation = new QuicLbDecoder(new QuicLbConfig(1, 2, 8, KEY, true));
        QuicLbDecoder otherRotation = new QuicLbDecoder(new QuicLbConfig(2, 2, 8, KEY, true));
        for (int i = 0; i < 100; i++) {
            ConnectionId cid = encoder.next();
            assertArrayEquals(sid, sameRotation.serverId(cid).orElseThrow());
            assertTrue(otherRotation.serverId(cid).isEmpty());
            assertTrue(otherRotation.plaintext(cid).isEmpty());
            assertTrue(sameRotation.serverId(ConnectionId.of(cid.toByteArray(), 0, cid.length() - 1)).isEmpty());
        }
        assertTrue(sameRotation.serverId(ConnectionId.EMPTY).isEmpty());
    }

    @Test
    void aLongerIdStillDecodes() {
        // §"Server Actions": a server may append octets of its own after the nonce.
        QuicLbConfig config = new QuicLbConfig(0, 4, 4, KEY, true);
        byte[] sid = {1, 2, 3, 4};
        ConnectionId cid = new QuicLbEncoder(config, sid, new SplittableRandom(1)).next();
        ConnectionId longer = ConnectionId.of(Arrays.copyOf(cid.toByteArray(), 12));
        assertArrayEquals(sid, new QuicLbDecoder(config).serverId(longer).orElseThrow());
    }

    @ParameterizedTest(name = "encrypted={0}")
    @ValueSource(booleans = {false, true})
    void nextNeverRepeatsANonceInABoundedRun(boolean encrypted) {
        QuicLbConfig config = new QuicLbConfig(0, 2, 4, encrypted ? KEY : null, true);
        QuicLbEncoder encoder = new QuicLbEncoder(config, new byte[] {7, 7}, new SplittableRandom(11));
        QuicLbDecoder decoder = new QuicLbDecoder(config);
        Set<String> nonces = new HashSet<>();
        Set<ConnectionId> ids = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            ConnectionId cid = encoder.next();
            byte[] plaintext = decoder.plaintext(cid).orElseThrow();
            assertTrue(nonces.add(HexFormat.of().formatHex(plaintext, 2, 6)), "nonce repeated at " + i);
            assertTrue(ids.add(cid));
        }
    }

    @Test
    void plaintextNoncesAreNotAVisibleCounter() {
        // §"Server Actions": without a key the nonce is in clear and must not relate to earlier ones.
        QuicLbConfig config = new QuicLbConfig(0, 2, 4, null, true);
        QuicLbEncoder encoder = new QuicLbEncoder(config, new byte[] {7, 7}, new SplittableRandom(5));
        QuicLbDecoder decoder = new QuicLbDecoder(config);
        Set<Long> steps = new HashSet<>();
        long previous = nonceOf(decoder.plaintext(encoder.next()).orElseThrow());
        for (int i = 0; i < 1000; i++) {
            long nonce = nonceOf(decoder.plaintext(encoder.next()).orElseThrow());
            steps.add((nonce - previous) & 0xffffffffL);
            previous = nonce;
        }
        assertTrue(steps.size() > 900, "consecutive plaintext nonces step by a few fixed amounts: " + steps.size());
    }

    private static long nonceOf(byte[] plaintext) {
        long n = 0;
        for (int i = 2; i < 6; i++) {
            n = n << 8 | (plaintext[i] & 0xff);
        }
        return n;
    }

    @ParameterizedTest(name = "encrypted={0}")
    @ValueSource(booleans = {false, true})
    void nonceSourceIssuesEveryValueOnceThenRefuses(boolean encrypted) {
        // A 2-octet nonce source (narrower than any configuration allows) so its whole space can be walked.
        QuicLbNonces nonces = new QuicLbNonces(2, encrypted, new SplittableRandom(9));
        boolean[] seen = new boolean[1 << 16];
        byte[] out = new byte[2];
        for (int i = 0; i < 1 << 16; i++) {
            nonces.next(out, 0);
            int v = (out[0] & 0xff) << 8 | (out[1] & 0xff);
            assertTrue(!seen[v], "nonce " + v + " repeated at " + i);
            seen[v] = true;
        }
        assertEquals(1 << 16, nonces.issued());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> nonces.next(out, 0));
        assertTrue(e.getMessage().contains("exhausted"));
    }

    @Test
    void encoderRefusesAServerIdOfTheWrongLength() {
        QuicLbConfig config = new QuicLbConfig(0, 3, 4, null, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new QuicLbEncoder(config, new byte[2], new SplittableRandom(1)));
        assertTrue(e.getMessage().contains("server ID"));
    }
}
