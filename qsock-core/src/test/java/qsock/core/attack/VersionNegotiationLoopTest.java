package qsock.core.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.api.ConnectionConfig;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.endpoint.QuicEndpoint;

/**
 * Version Negotiation loops (RFC 9000 §6.1, §21.12 and the reflection §10.3.3 describes for resets): an attacker
 * spoofs an Initial of an unknown version from one server's address to another, hoping each answers the other's
 * Version Negotiation forever. A Version Negotiation packet is never answered (§6.1: "MUST NOT send a Version
 * Negotiation packet in response to receiving a Version Negotiation packet"), so the exchange stops after one answer:
 * the attacker's 1200 bytes buy one packet smaller than them. The stateless reset loop is
 * StatelessAnswersTest#twoServersThatForgotTheirConnectionsStopAfterOneResetEach.
 */
class VersionNegotiationLoopTest {

    private static final long NOW = 1_000_000_000L;

    private static InetSocketAddress address(int last) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 9, 0, (byte) last}), 443);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static QuicEndpoint server(long seed) {
        byte[] key = new byte[32];
        key[0] = (byte) seed;
        QuicEndpoint e = new QuicEndpoint(new EndpointConfig(ConnectionConfig.defaults(), key),
                new SplittableRandom(seed));
        e.listen(16);
        return e;
    }

    /** {@return a 1200-byte long-header datagram of a version no one speaks} */
    private static ByteBuffer unknownVersion(int version) {
        ByteBuffer b = ByteBuffer.allocate(1200);
        b.put((byte) 0xc0).putInt(version);
        b.put((byte) 8).put(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        b.put((byte) 8).put(new byte[] {9, 9, 9, 9, 9, 9, 9, 9});
        return b.position(0);
    }

    @Test
    void aSpoofedUnknownVersionBetweenTwoServersCostsOneVersionNegotiationAndNoLoop() {
        InetSocketAddress addressA = address(1);
        InetSocketAddress addressB = address(2);
        QuicEndpoint a = server(1);
        QuicEndpoint b = server(2);
        record InFlight(QuicEndpoint to, InetSocketAddress from, ByteBuffer datagram) {}
        ArrayDeque<InFlight> wire = new ArrayDeque<>();
        // The attacker's Initial to B, with A's address as its source.
        wire.add(new InFlight(b, addressA, unknownVersion(0x1a2a3a4a)));
        int delivered = 0;
        long answerBytes = 0;
        ByteBuffer out = ByteBuffer.allocate(1500);
        while (!wire.isEmpty() && delivered < 100) {
            InFlight d = wire.poll();
            d.to().handleDatagram(d.from(), d.datagram(), NOW + delivered);
            delivered++;
            QuicEndpoint sender = d.to();
            QuicEndpoint other = sender == a ? b : a;
            InetSocketAddress senderAddress = sender == a ? addressA : addressB;
            for (int i = 0; i < 10; i++) {
                InetSocketAddress to = sender.pollDatagram(out.clear(), NOW + delivered);
                if (to == null) {
                    break;
                }
                answerBytes += out.position();
                ByteBuffer copy = ByteBuffer.allocate(out.position()).put(out.flip()).flip();
                wire.add(new InFlight(other, senderAddress, copy));
            }
        }
        assertEquals(2, delivered, "the Initial and B's Version Negotiation; A answers nothing");
        assertEquals(1, b.versionNegotiationsSent());
        assertEquals(0, a.versionNegotiationsSent());
        assertTrue(answerBytes < 1200, "the one answer is smaller than the attack: " + answerBytes);
    }

    @Test
    void aFullSizeVersionNegotiationPacketIsNeverAnswered() {
        QuicEndpoint a = server(3);
        // Version 0 is Version Negotiation (RFC 9000 §17.2.1), here padded to a size that would earn an answer.
        ByteBuffer vn = unknownVersion(0);
        vn.put(22, (byte) 0x1a).put(23, (byte) 0x2a).put(24, (byte) 0x3a).put(25, (byte) 0x4a);
        a.handleDatagram(address(4), vn, NOW);
        assertEquals(0, a.versionNegotiationsSent());
        assertNull(a.pollDatagram(ByteBuffer.allocate(1500), NOW), "no answer of any kind");
    }
}
