package qsock.tls.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.security.SecureRandom;
import java.util.Optional;
import qsock.tls.ticket.SessionState;
import qsock.tls.ticket.TicketSealer;

/**
 * Fuzzes session ticket opening (RFC 8446 §4.6.1, §4.2.11): the PSK identity of a ClientHello, which anyone may
 * send. The input is opened as a ticket and, because AES-256-GCM keeps forged bytes from the parser behind it,
 * also decoded as the ticket's plaintext. Its contract: neither throws, forged bytes never open, a state that
 * decodes re-encodes to the same bytes, and sealed it opens to itself.
 */
class TicketFuzzTest {

    private static final TicketSealer SEALER = TicketSealer.withRandomKey(new SecureRandom());

    @FuzzTest
    void opensOnlyWhatWasSealedAndDecodesOrRejects(byte[] input) {
        assertTrue(SEALER.open(input, 0, Long.MAX_VALUE / 2).isEmpty(), "forged bytes opened as a ticket");
        Optional<SessionState> state = SessionState.decode(input);
        if (state.isEmpty()) {
            return;
        }
        SessionState s = state.get();
        assertArrayEquals(input, s.encode(), "a decoding that is not the one encoding");
        byte[] ticket = SEALER.seal(s);
        // RFC 8446 §4.6.1: a ticket of lifetime 0 is never usable; any other is, at the moment it was issued.
        assertEquals(s.lifetimeSeconds() == 0 ? Optional.empty() : Optional.of(s),
                SEALER.open(ticket, s.issuedAtMillis(), 0), "the sealed ticket");
    }
}
