package qsock.tls.ticket;

import java.util.SplittableRandom;
import qsock.core.handshake.CipherSuite;

/** Random valid ticket contents, for the round-trip and robustness properties. */
final class TicketTestData {

    private TicketTestData() {}

    static byte[] bytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    static String text(SplittableRandom r, int maxLength, int maxChar) {
        StringBuilder s = new StringBuilder();
        for (int n = r.nextInt(maxLength + 1); n > 0; n--) {
            s.append((char) r.nextInt(maxChar + 1));
        }
        return s.toString();
    }

    /** A random state, with the edges of each range favoured. */
    static SessionState state(SplittableRandom r) {
        CipherSuite suite = CipherSuite.values()[r.nextInt(CipherSuite.values().length)];
        int tpLength = r.nextBoolean() ? r.nextInt(64) : r.nextInt(SessionState.MAX_TRANSPORT_PARAMETERS + 1);
        return new SessionState(suite, bytes(r, suite.hash().length()),
                r.nextBoolean() ? "h3" : text(r, r.nextBoolean() ? 8 : 255, 0xFF),
                r.nextBoolean() ? "example.com" : text(r, r.nextBoolean() ? 8 : 255, 0x7F),
                r.nextBoolean() ? 1_700_000_000_000L : r.nextLong(Long.MAX_VALUE),
                r.nextBoolean() ? SessionState.MAX_LIFETIME_SECONDS : r.nextLong(SessionState.MAX_LIFETIME_SECONDS + 1),
                r.nextLong(1L << 32), r.nextBoolean() ? 0xFFFF_FFFFL : r.nextLong(1L << 32), bytes(r, tpLength),
                switch (r.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> 0x0000_0001;
                    case 2 -> 0x6b33_43cf; // RFC 9369 §3.1
                    default -> r.nextInt(); // every uint32, the high bit too
                });
    }

    /** A state issued at {@code issuedAt} with a one-day lifetime, 0-RTT allowed. */
    static SessionState state(long issuedAt) {
        return new SessionState(CipherSuite.TLS_AES_128_GCM_SHA256, new byte[32], "h3", "example.com", issuedAt,
                86_400, 0x1234_5678L, 0xFFFF_FFFFL, new byte[] {1, 2, 3});
    }
}
