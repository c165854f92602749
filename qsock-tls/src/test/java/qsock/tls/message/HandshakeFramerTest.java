package qsock.tls.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static qsock.tls.message.MessageTestSupport.assertAlert;
import static qsock.tls.message.MessageTestSupport.hex;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import qsock.core.testing.Properties;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

class HandshakeFramerTest {

    private static ByteBuffer buf(String hex) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(hex));
    }

    private static List<String> drain(HandshakeFramer f) throws TlsAlertException {
        List<String> out = new ArrayList<>();
        for (FramedMessage m = f.next(); m != null; m = f.next()) {
            out.add(hex(m.toByteArray()));
        }
        return out;
    }

    @Test
    void yieldsNothingUntilAMessageIsWhole() throws TlsAlertException {
        HandshakeFramer f = new HandshakeFramer();
        assertTrue(f.isEmpty());
        f.feed(buf("14"));
        assertNull(f.next());
        assertFalse(f.isEmpty());
        f.feed(buf("000003"));
        assertNull(f.next());
        assertEquals(4, f.bufferedBytes());
        f.feed(buf("0102"));
        assertNull(f.next());
        f.feed(buf("03"));
        FramedMessage m = f.next();
        assertEquals(20, m.type());
        assertEquals(HandshakeType.FINISHED, m.handshakeType());
        assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3}), m.body());
        assertEquals("14000003010203", hex(m.toByteArray()));
        assertEquals(buf("14000003010203"), m.message());
        assertNull(f.next());
        assertTrue(f.isEmpty());
        assertEquals(0, f.bufferedBytes());
    }

    @Test
    void yieldsSeveralMessagesFromOneChunkAndKeepsTheRest() throws TlsAlertException {
        HandshakeFramer f = new HandshakeFramer();
        ByteBuffer chunk = buf("05000000" + "1800000101" + "0800");
        f.feed(chunk);
        assertFalse(chunk.hasRemaining());
        assertEquals(List.of("05000000", "1800000101"), drain(f));
        assertEquals(2, f.bufferedBytes());
        f.feed(buf("00020000"));
        assertEquals(List.of("080000020000"), drain(f));
    }

    @Test
    void copiesTheInputSoItMayBeReused() throws TlsAlertException {
        HandshakeFramer f = new HandshakeFramer();
        byte[] input = HexFormat.of().parseHex("1800000101");
        f.feed(ByteBuffer.wrap(input));
        input[4] = 0;
        assertEquals(List.of("1800000101"), drain(f));
    }

    @Test
    void handsOutUnknownTypesForTheEngineToJudge() throws TlsAlertException {
        HandshakeFramer f = new HandshakeFramer();
        f.feed(buf("63000001ff"));
        FramedMessage m = f.next();
        assertEquals(0x63, m.type());
        assertNull(m.handshakeType());
    }

    // The framer refuses an oversized message as soon as its header is complete, before any body byte.
    @Test
    void refusesAnOversizedMessageFromItsHeaderAlone() {
        HandshakeFramer f = new HandshakeFramer(100);
        f.feed(buf("0b000065"));
        assertEquals(0, f.bufferedBytes());
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, f::next);
    }

    @Test
    void acceptsAMessageOfExactlyTheBound() throws TlsAlertException {
        HandshakeFramer f = new HandshakeFramer(100);
        f.feed(buf("0b000064" + "00".repeat(100)));
        assertEquals(100, f.next().bodyLength());
    }

    @Test
    void reportsTheRefusalAfterTheMessagesBeforeItAndKeepsReportingIt() throws TlsAlertException {
        HandshakeFramer f = new HandshakeFramer(10);
        f.feed(buf("05000000" + "0bffffff" + "05000000"));
        assertEquals("05000000", hex(f.next().toByteArray()));
        TlsAlertException first = assertAlert(TlsAlert.ILLEGAL_PARAMETER, f::next);
        f.feed(buf("05000000"));
        assertSame(first, assertThrows(TlsAlertException.class, f::next));
    }

    @Test
    void theDefaultBoundIs64KiB() throws TlsAlertException {
        HandshakeFramer f = new HandshakeFramer();
        assertEquals(65536, f.maxMessageLength());
        f.feed(buf("0b010000"));
        assertNull(f.next());
        HandshakeFramer g = new HandshakeFramer();
        g.feed(buf("0b010001"));
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, g::next);
    }

    @Test
    void refusesBoundsAHeaderCannotDeclare() {
        assertThrows(IllegalArgumentException.class, () -> new HandshakeFramer(-1));
        assertThrows(IllegalArgumentException.class, () -> new HandshakeFramer(1 << 24));
        assertEquals(0xFFFFFF, new HandshakeFramer(0xFFFFFF).maxMessageLength());
    }

    @Test
    void framedMessagesCheckTheirParts() {
        assertThrows(IllegalArgumentException.class, () -> FramedMessage.of(buf("140000")));
        assertThrows(IllegalArgumentException.class, () -> FramedMessage.of(buf("1400000201")));
        assertThrows(IllegalArgumentException.class,
                () -> new FramedMessage(21, buf("01"), buf("1400000101")));
        assertThrows(IllegalArgumentException.class,
                () -> new FramedMessage(20, buf("02"), buf("1400000101")));
        FramedMessage m = new FramedMessage(20, buf("01"), buf("1400000101"));
        assertEquals(FramedMessage.of(buf("1400000101")), m);
        ByteBuffer view = m.body();
        view.get();
        assertEquals(1, m.body().remaining());
    }

    /** A stream of valid messages, fed in random pieces, comes out as the same messages. */
    @Test
    void randomSplitsOfAStreamYieldTheSameMessages() {
        Properties.forAll(300, r -> r.split(), r -> {
            List<byte[]> messages = new ArrayList<>();
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            for (int i = 1 + r.nextInt(6); i > 0; i--) {
                byte[] m = HandshakeCodec.encode(MessageGenerators.message(r));
                messages.add(m);
                stream.writeBytes(m);
            }
            byte[] all = stream.toByteArray();
            HandshakeFramer f = new HandshakeFramer();
            List<byte[]> out = new ArrayList<>();
            int at = 0;
            try {
                while (at < all.length) {
                    int n = Math.min(all.length - at, pieceLength(r));
                    f.feed(ByteBuffer.wrap(all, at, n));
                    at += n;
                    assertTrue(f.bufferedBytes() <= f.maxMessageLength() + 4);
                    for (FramedMessage m = f.next(); m != null; m = f.next()) {
                        out.add(m.toByteArray());
                    }
                }
            } catch (TlsAlertException e) {
                fail(e);
            }
            assertEquals(messages.size(), out.size());
            for (int i = 0; i < messages.size(); i++) {
                assertArrayEquals(messages.get(i), out.get(i));
            }
            assertTrue(f.isEmpty());
        });
    }

    /** Whatever the input, the framer holds at most one partial message within its bound, and only alerts. */
    @Test
    void randomStreamsStayWithinTheBound() {
        Properties.forAll(300, r -> r.split(), r -> {
            int bound = r.nextInt(300);
            HandshakeFramer f = new HandshakeFramer(bound);
            for (int i = 0; i < 50; i++) {
                byte[] piece = new byte[pieceLength(r)];
                r.nextBytes(piece);
                f.feed(ByteBuffer.wrap(piece));
                assertTrue(f.bufferedBytes() <= bound + 4, "held " + f.bufferedBytes() + " over a bound of " + bound);
                try {
                    for (FramedMessage m = f.next(); m != null; m = f.next()) {
                        assertTrue(m.bodyLength() <= bound);
                    }
                } catch (TlsAlertException e) {
                    assertSame(TlsAlert.ILLEGAL_PARAMETER, e.alert());
                    return;
                }
            }
        });
    }

    private static int pieceLength(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> 1;
            case 1 -> 1 + r.nextInt(8);
            case 2 -> 1 + r.nextInt(200);
            default -> 1 + r.nextInt(5000);
        };
    }

    @Test
    void refusesAFloodOfTinyMessagesBeforeFramingThemAll() throws TlsAlertException {
        HandshakeFramer f = new HandshakeFramer();
        // 100,000 empty messages (4 bytes each) in one chunk: only the bound's worth is framed.
        ByteBuffer flood = ByteBuffer.allocate(400_000);
        while (flood.hasRemaining()) {
            flood.put((byte) 4).put((byte) 0).put((byte) 0).put((byte) 0);
        }
        f.feed(flood.flip());
        int handedOut = 0;
        try {
            while (f.next() != null) {
                handedOut++;
            }
            fail("the flood was accepted");
        } catch (TlsAlertException e) {
            assertEquals(TlsAlert.UNEXPECTED_MESSAGE, e.alert());
        }
        assertEquals(HandshakeFramer.MAX_WAITING_MESSAGES + 1, handedOut);
    }

    @Test
    void aRefusedHeaderLeavesTheFramerNotEmpty() {
        HandshakeFramer f = new HandshakeFramer(16);
        f.feed(buf("14000011"));
        assertFalse(f.isEmpty(), "the refused message's bytes were consumed but not accepted");
        assertAlert(TlsAlert.ILLEGAL_PARAMETER, f::next);
    }
}
