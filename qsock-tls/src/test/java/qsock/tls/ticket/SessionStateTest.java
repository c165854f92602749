package qsock.tls.ticket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.HashFunction;
import qsock.core.testing.Properties;
import qsock.tls.extension.Mutations;

/** The ticket contents: the PSK's derivation, the serialization's round trip and its strict, total parser. */
class SessionStateTest {

    private static final HexFormat HEX = HexFormat.of();

    /** RFC 8448 §3: the PSK of the ticket (nonce 00 00) from the trace's resumption master secret. */
    @Test
    void resumptionPskMatchesRfc8448() {
        byte[] rms = HEX.parseHex("7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c");
        byte[] psk = SessionState.resumptionPsk(HashFunction.SHA256, rms, new byte[2]);
        assertEquals("4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3", HEX.formatHex(psk));
        // The nonce makes each ticket's PSK distinct (RFC 8446 §4.6.1).
        assertFalse(Arrays.equals(psk, SessionState.resumptionPsk(HashFunction.SHA256, rms, new byte[] {0, 1})));
        assertEquals(48, SessionState.resumptionPsk(HashFunction.SHA384, new byte[48], new byte[0]).length);
        assertThrows(IllegalArgumentException.class,
                () -> SessionState.resumptionPsk(HashFunction.SHA256, rms, new byte[256]));
    }

    @Test
    void randomStatesRoundTrip() {
        Properties.forAll(TicketTestData::state, s -> {
            byte[] wire = s.encode();
            assertTrue(wire.length <= SessionState.MAX_ENCODED_LENGTH);
            assertEquals(Optional.of(s), SessionState.decode(wire));
        });
    }

    /**
     * RFC 9369 §5: the ticket keeps the QUIC version it was issued on, as the last four bytes; a ticket of the first
     * format, without it, does not decode (it is unknown: a full handshake), so no old ticket resumes any version.
     */
    @Test
    void keepsTheQuicVersionAndRefusesTheFormerFormat() {
        SessionState s = new SessionState(CipherSuite.TLS_AES_128_GCM_SHA256, new byte[32], "h3", "", 5, 10, 0, 0,
                new byte[] {1}, 0x6b33_43cf);
        byte[] wire = s.encode();
        assertEquals(2, wire[0], "format 2");
        assertArrayEquals(new byte[] {0x6b, 0x33, 0x43, (byte) 0xcf}, Arrays.copyOfRange(wire, wire.length - 4,
                wire.length));
        assertEquals(0x6b33_43cf, SessionState.decode(wire).orElseThrow().quicVersion());
        assertFalse(s.equals(new SessionState(CipherSuite.TLS_AES_128_GCM_SHA256, new byte[32], "h3", "", 5, 10, 0,
                0, new byte[] {1}, 1)));
        assertEquals(0, new SessionState(CipherSuite.TLS_AES_128_GCM_SHA256, new byte[32], "h3", "", 5, 10, 0, 0,
                new byte[] {1}).quicVersion(), "no binding over TCP");
        byte[] formerFormat = Arrays.copyOf(wire, wire.length - 4);
        formerFormat[0] = 1;
        assertEquals(Optional.empty(), SessionState.decode(formerFormat));
        assertEquals(Optional.empty(), SessionState.decode(Arrays.copyOf(wire, wire.length - 1)), "version cut");
    }

    @Test
    void largestStateFitsItsBound() {
        SessionState s = new SessionState(CipherSuite.TLS_AES_256_GCM_SHA384, new byte[48], "a".repeat(255),
                "b".repeat(255), Long.MAX_VALUE, SessionState.MAX_LIFETIME_SECONDS, 0xFFFF_FFFFL, 0xFFFF_FFFFL,
                new byte[SessionState.MAX_TRANSPORT_PARAMETERS], -1);
        assertEquals(SessionState.MAX_ENCODED_LENGTH, s.encode().length);
        assertEquals(Optional.of(s), SessionState.decode(s.encode()));
    }

    @Test
    void decodeRejectsEachMalformation() {
        byte[] valid = TicketTestData.state(1_000L).encode();
        assertTrue(SessionState.decode(valid).isPresent());
        assertEquals(Optional.empty(), SessionState.decode(null));
        assertEquals(Optional.empty(), SessionState.decode(new byte[0]));
        assertEquals(Optional.empty(), SessionState.decode(Arrays.copyOf(valid, valid.length + 1)), "trailing byte");
        for (int n = 0; n < valid.length; n++) {
            assertEquals(Optional.empty(), SessionState.decode(Arrays.copyOf(valid, n)), "cut to " + n);
        }
        assertEquals(Optional.empty(), SessionState.decode(set(valid, 0, 3)), "unknown version");
        assertEquals(Optional.empty(), SessionState.decode(set(valid, 0, 1)), "the former version");
        assertEquals(Optional.empty(), SessionState.decode(set(valid, 2, 0x04)), "TLS_AES_128_CCM_SHA256");
        // A SHA-256 suite with a 48-byte PSK: change the suite of a SHA-384 state to 0x1301.
        SessionState s384 = new SessionState(CipherSuite.TLS_AES_256_GCM_SHA384, new byte[48], "", "", 0, 1, 0, 0,
                new byte[0]);
        assertEquals(Optional.empty(), SessionState.decode(set(s384.encode(), 2, 0x01)), "PSK length vs suite");
        // Lifetime over seven days: its uint32 sits after version, suite, psk, alpn, sni and issue time.
        int lifetimeAt = 1 + 2 + 1 + 32 + 1 + 2 + 1 + 11 + 8;
        byte[] longLived = valid.clone();
        longLived[lifetimeAt + 1] = 0x7F; // 0x007F.... > 604800
        assertEquals(Optional.empty(), SessionState.decode(longLived), "lifetime over 604800");
        // A negative issue time (top bit of the uint64).
        assertEquals(Optional.empty(), SessionState.decode(set(valid, lifetimeAt - 8, 0x80)), "negative issue time");
        // Non-ASCII in the server name.
        assertEquals(Optional.empty(), SessionState.decode(set(valid, 1 + 2 + 1 + 32 + 1 + 2 + 1, 0xC3)), "SNI");
    }

    @Test
    void constructorEnforcesRanges() {
        CipherSuite suite = CipherSuite.TLS_AES_128_GCM_SHA256;
        byte[] psk = new byte[32];
        byte[] tp = new byte[0];
        assertThrows(IllegalArgumentException.class, () -> new SessionState(suite, new byte[48], "", "", 0, 1, 0, 0, tp));
        assertThrows(IllegalArgumentException.class, () -> new SessionState(suite, psk, "", "", 0, 604_801, 0, 0, tp));
        assertThrows(IllegalArgumentException.class, () -> new SessionState(suite, psk, "", "", -1, 1, 0, 0, tp));
        assertThrows(IllegalArgumentException.class, () -> new SessionState(suite, psk, "", "", 0, 1, 1L << 32, 0, tp));
        assertThrows(IllegalArgumentException.class, () -> new SessionState(suite, psk, "", "", 0, 1, 0, -1, tp));
        assertThrows(IllegalArgumentException.class, () -> new SessionState(suite, psk, "\u0100", "", 0, 1, 0, 0, tp));
        assertThrows(IllegalArgumentException.class, () -> new SessionState(suite, psk, "", "\u00e9", 0, 1, 0, 0, tp));
        assertThrows(IllegalArgumentException.class, () -> new SessionState(suite, psk, "x".repeat(256), "", 0, 1, 0,
                0, tp));
        assertThrows(IllegalArgumentException.class, () -> new SessionState(suite, psk, "", "", 0, 1, 0, 0,
                new byte[SessionState.MAX_TRANSPORT_PARAMETERS + 1]));
    }

    @Test
    void usableFromIssueUntilLifetimeEnds() {
        SessionState s = TicketTestData.state(10_000L); // one day
        assertTrue(s.isUsableAt(10_000L, 0));
        assertTrue(s.isUsableAt(10_000L + 86_400_000L - 1, 0));
        assertFalse(s.isUsableAt(10_000L + 86_400_000L, 0), "lifetime over");
        assertFalse(s.isUsableAt(9_999L, 0), "issued in the future");
        assertTrue(s.isUsableAt(9_000L, 1_000), "within the clock skew allowed");
        SessionState zero = new SessionState(CipherSuite.TLS_AES_128_GCM_SHA256, new byte[32], "", "", 5, 0, 0, 0,
                new byte[0]);
        assertFalse(zero.isUsableAt(5, 0), "a lifetime of 0 is never usable");
    }

    @Test
    void copiesAndHidesSecrets() {
        byte[] psk = new byte[32];
        SessionState s = new SessionState(CipherSuite.TLS_AES_128_GCM_SHA256, psk, "h3", "", 0, 1, 0, 0, new byte[1]);
        psk[0] = 1;
        s.psk()[0] = 2;
        s.transportParameters()[0] = 3;
        assertArrayEquals(new byte[32], s.psk());
        assertArrayEquals(new byte[1], s.transportParameters());
        assertFalse(s.toString().contains("psk="));
    }

    /** Damaged encodings decode to empty or to a state that encodes back to exactly those bytes; nothing throws. */
    @Test
    void damagedEncodingsNeverThrow() {
        Properties.forAll(r -> Mutations.mutate(r, TicketTestData.state(r).encode()), bytes -> {
            Optional<SessionState> decoded = SessionState.decode(bytes);
            decoded.ifPresent(s -> assertArrayEquals(bytes, s.encode()));
        });
    }

    @Test
    void randomBytesNeverThrow() {
        Properties.forAll(r -> TicketTestData.bytes(r, r.nextInt(SessionState.MAX_ENCODED_LENGTH + 16)),
                bytes -> SessionState.decode(bytes).ifPresent(s -> assertArrayEquals(bytes, s.encode())));
    }

    private static byte[] set(byte[] b, int at, int value) {
        byte[] c = b.clone();
        c[at] = (byte) value;
        return c;
    }
}
