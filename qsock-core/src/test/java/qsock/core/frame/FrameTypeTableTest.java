package qsock.core.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.packet.PacketType;

/**
 * RFC 9000 §12.4 Table 3 (and RFC 9221 for DATAGRAM), spelled out here rather than read from {@link
 * FrameType}, so that a wrong entry there fails: for every frame type code and every packet type that
 * carries frames, a valid frame is decoded or refused with PROTOCOL_VIOLATION naming that code.
 */
class FrameTypeTableTest {

    /** A valid frame of each type code, and the packet types it may appear in, as Table 3 writes them. */
    private static final String[][] TABLE = {
        // encoding                                      Pkts      frame
        {"00", "IH01"},                                  // PADDING
        {"01", "IH01"},                                  // PING
        {"02 05 00 00 01", "IH_1"},                      // ACK
        {"03 05 00 00 01 00 00 00", "IH_1"},             // ACK with ECN counts
        {"04 00 00 00", "__01"},                         // RESET_STREAM
        {"05 00 00", "__01"},                            // STOP_SENDING
        {"06 00 01 aa", "IH_1"},                         // CRYPTO
        {"07 01 aa", "___1"},                            // NEW_TOKEN
        {"08 00 aa", "__01"},                            // STREAM
        {"09 00 aa", "__01"},
        {"0a 00 01 aa", "__01"},
        {"0b 00 01 aa", "__01"},
        {"0c 00 01 aa", "__01"},
        {"0d 00 01 aa", "__01"},
        {"0e 00 01 01 aa", "__01"},
        {"0f 00 01 01 aa", "__01"},
        {"10 00", "__01"},                               // MAX_DATA
        {"11 00 00", "__01"},                            // MAX_STREAM_DATA
        {"12 00", "__01"},                               // MAX_STREAMS (bidi)
        {"13 00", "__01"},                               // MAX_STREAMS (uni)
        {"14 00", "__01"},                               // DATA_BLOCKED
        {"15 00 00", "__01"},                            // STREAM_DATA_BLOCKED
        {"16 00", "__01"},                               // STREAMS_BLOCKED (bidi)
        {"17 00", "__01"},                               // STREAMS_BLOCKED (uni)
        {"18 01 00 01 aa 000102030405060708090a0b0c0d0e0f", "__01"}, // NEW_CONNECTION_ID
        // RETIRE_CONNECTION_ID: Table 3 says __01, but §12.5 lists it among the frames that cannot be sent
        // in 0-RTT and lets a server treat it there as PROTOCOL_VIOLATION; we do.
        {"19 00", "___1"},                               // RETIRE_CONNECTION_ID
        {"1a 0001020304050607", "__01"},                 // PATH_CHALLENGE
        {"1b 0001020304050607", "___1"},                 // PATH_RESPONSE
        {"1c 00 00 00", "IH01"},                         // CONNECTION_CLOSE (transport)
        {"1d 00 00", "__01"},                            // CONNECTION_CLOSE (application): "ih" note
        {"1e", "___1"},                                  // HANDSHAKE_DONE
        {"30 aa", "__01"},                               // DATAGRAM (RFC 9221 §5: 0-RTT and 1-RTT only)
        {"31 01 aa", "__01"},                            // DATAGRAM with length
    };

    /** The Pkts column's letter positions: I, H, 0, 1. */
    private static final PacketType[] COLUMNS = {
        PacketType.INITIAL, PacketType.HANDSHAKE, PacketType.ZERO_RTT, PacketType.ONE_RTT,
    };

    @Test
    void everyFrameTypeIsAcceptedOrRefusedPerPacketTypeAsTable3Says() throws QuicProtocolException {
        for (String[] row : TABLE) {
            byte[] encoding = HexFormat.of().parseHex(row[0].replace(" ", ""));
            long code = encoding[0];
            for (int column = 0; column < COLUMNS.length; column++) {
                PacketType packetType = COLUMNS[column];
                boolean permitted = row[1].charAt(column) != '_';
                ByteBuffer in = ByteBuffer.wrap(encoding);
                String where = "frame 0x" + Long.toHexString(code) + " in " + packetType;
                if (permitted) {
                    Frame frame = FrameDecoder.decode(in, packetType);
                    assertEquals(encoding.length, in.position(), where);
                    assertTrue(frame.type().hasCode(code), where);
                    // STREAM and DATAGRAM records do not keep their LEN bit (and STREAM its OFF bit).
                    if (frame.type() != FrameType.STREAM && frame.type() != FrameType.DATAGRAM) {
                        assertEquals(code, frame.typeCode(), where);
                    }
                } else {
                    QuicProtocolException e = assertThrows(QuicProtocolException.class,
                            () -> FrameDecoder.decode(in, packetType), where);
                    assertEquals(TransportErrorCode.PROTOCOL_VIOLATION, e.errorCode(), where);
                    assertEquals(code, e.frameType(), where);
                }
            }
        }
    }

    @Test
    void theTableCoversEveryKnownCode() {
        int rows = 0;
        for (long code = 0; code < 0x100; code++) {
            if (FrameType.of(code) != null) {
                rows++;
            }
        }
        assertEquals(TABLE.length, rows);
    }

    @Test
    void retryPacketsCarryNoFrames() {
        ByteBuffer in = ByteBuffer.wrap(new byte[] {0x01});
        assertThrows(IllegalArgumentException.class, () -> FrameDecoder.decode(in, PacketType.RETRY));
        for (FrameType t : FrameType.values()) {
            assertFalse(t.allowedIn(PacketType.RETRY), t.name());
        }
    }

    @Test
    void codesMapToTheirFrameTypes() {
        assertEquals(FrameType.PADDING, FrameType.of(0x00));
        assertEquals(FrameType.ACK, FrameType.of(0x03));
        assertEquals(FrameType.STREAM, FrameType.of(0x08));
        assertEquals(FrameType.STREAM, FrameType.of(0x0f));
        assertEquals(FrameType.MAX_STREAMS, FrameType.of(0x13));
        assertEquals(FrameType.STREAMS_BLOCKED, FrameType.of(0x16));
        assertEquals(FrameType.CONNECTION_CLOSE, FrameType.of(0x1c));
        assertEquals(FrameType.APPLICATION_CLOSE, FrameType.of(0x1d));
        assertEquals(FrameType.HANDSHAKE_DONE, FrameType.of(0x1e));
        assertEquals(FrameType.DATAGRAM, FrameType.of(0x30));
        assertEquals(FrameType.DATAGRAM, FrameType.of(0x31));
        for (long code = 0x1f; code < 0x30; code++) {
            assertNull(FrameType.of(code), Long.toHexString(code));
        }
        assertNull(FrameType.of(0x32));
        assertNull(FrameType.of(-1));
        assertNull(FrameType.of(Long.MAX_VALUE));
        assertNotNull(FrameType.of(0x1e));
    }

    /**
     * Table 3's "Spec" column and RFC 9002 §2, spelled out: N = not ack-eliciting, C = not in flight,
     * P = probing, F = flow controlled. CONNECTION_CLOSE is C as well: RFC 9002 §2 puts in flight only
     * ack-eliciting packets and those with PADDING.
     */
    @Test
    void recoveryPropertiesFollowTheSpecColumnAndRfc9002() {
        String[][] spec = {
            {"PADDING", "NP"}, {"PING", ""}, {"ACK", "NC"}, {"RESET_STREAM", ""}, {"STOP_SENDING", ""},
            {"CRYPTO", ""}, {"NEW_TOKEN", ""}, {"STREAM", "F"}, {"MAX_DATA", ""}, {"MAX_STREAM_DATA", ""},
            {"MAX_STREAMS", ""}, {"DATA_BLOCKED", ""}, {"STREAM_DATA_BLOCKED", ""}, {"STREAMS_BLOCKED", ""},
            {"NEW_CONNECTION_ID", "P"}, {"RETIRE_CONNECTION_ID", ""}, {"PATH_CHALLENGE", "P"},
            {"PATH_RESPONSE", "P"}, {"CONNECTION_CLOSE", "NC"}, {"APPLICATION_CLOSE", "NC"},
            {"HANDSHAKE_DONE", ""}, {"DATAGRAM", ""},
        };
        assertEquals(FrameType.values().length, spec.length);
        for (String[] row : spec) {
            FrameType t = FrameType.valueOf(row[0]);
            assertEquals(!row[1].contains("N"), t.ackEliciting(), row[0] + " ack-eliciting");
            assertEquals(!row[1].contains("C"), t.inFlight(), row[0] + " in flight");
            assertEquals(row[1].contains("P"), t.probing(), row[0] + " probing");
            assertEquals(row[1].contains("F"), t.flowControlled(), row[0] + " flow controlled");
        }
    }

    @Test
    void packetTypesIsADefensiveCopy() {
        EnumSet<PacketType> set = FrameType.PING.packetTypes();
        assertEquals(EnumSet.of(PacketType.INITIAL, PacketType.HANDSHAKE, PacketType.ZERO_RTT, PacketType.ONE_RTT),
                set);
        set.clear();
        assertEquals(4, FrameType.PING.packetTypes().size());
    }
}
