package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.ConnectionConfig;
import qsock.socket.FlowControlBlockedException;
import qsock.socket.QuicEvent;
import qsock.socket.QuicSocket;
import qsock.socket.QuicSocketOptions;
import qsock.tls.Credential;
import qsock.tls.ServerTickets;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.TestPki;

/**
 * The events beyond the kernel's functional tests: STREAM_MAX_DATA after a send blocked by the peer's stream flow
 * control, and NEW_SESSION_TICKET with the session the TLS stack made of the server's ticket.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QuicSocketEventsTest {

    private static QuicEvent awaitEvent(QuicSocket s, Class<? extends QuicEvent> kind) {
        QuicEvent[] got = {null};
        Waits.until("a " + kind.getSimpleName() + " event", () -> {
            for (QuicEvent e = s.pollEvent(); e != null; e = s.pollEvent()) {
                if (kind.isInstance(e)) {
                    got[0] = e;
                    return true;
                }
            }
            return false;
        });
        return got[0];
    }

    @Test
    void aStreamBlockedByThePeersFlowControlHearsWhenItsLimitRises() throws Exception {
        // The server lets 1,000 bytes of a stream in until it reads them.
        ConnectionConfig server = ConnectionConfig.builder().initialMaxStreamData(1000).maxStreamWindow(1000).build();
        ConnectionConfig client = ConnectionConfig.builder().streamSendBufferSize(2000).build();
        try (Loopback loopback = Loopback.listen("127.0.0.1", server, 4);
             Loopback.Connection c = loopback.connect(client)) {
            QuicSocket sender = c.client();
            sender.setOption(QuicSocketOptions.EVENT, EnumSet.of(QuicEvent.Type.STREAM_MAX_DATA));
            long id = sender.openStream(-1, 0);
            ByteBuffer data = ByteBuffer.allocate(10_000);
            Waits.until("the stream is held by flow control", () -> {
                try {
                    sender.send(data, id, qsock.socket.StreamFlags.DONTWAIT);
                    return false;
                } catch (FlowControlBlockedException e) {
                    return true;
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            });
            assertEquals(null, sender.pollEvent(), "no raise yet");
            // The server reads: its window moves on, and MAX_STREAM_DATA tells the sender.
            c.server().receive(ByteBuffer.allocate(4000));
            QuicEvent.MaxStreamData raised = (QuicEvent.MaxStreamData) awaitEvent(sender, QuicEvent.MaxStreamData.class);
            assertEquals(id, raised.streamId());
            assertTrue(raised.maxData() > 1000, raised.toString());
        }
    }

    @Test
    void aClientHearsOfTheServersTicketWithTheSessionItMade() throws Exception {
        TlsServerConfig ticketing = TlsServerConfig.builder(new Credential(TestPki.chain(Loopback.PKI),
                TestPki.leafKey(Loopback.PKI))).applicationProtocols("echo").tickets(ServerTickets.defaults()).build();
        try (OptionsLoopback loopback = OptionsLoopback.listen(OptionsLoopback.Setup.NONE);
             OptionsLoopback.Connection c = loopback.connect(s -> {
                 s.setOption(QuicSocketOptions.EVENT, EnumSet.of(QuicEvent.Type.NEW_SESSION_TICKET));
                 s.setOption(QuicSocketOptions.CONFIG, s.getOption(QuicSocketOptions.CONFIG)
                         .withReceiveSessionTicket(Duration.ofSeconds(10)));
             }, Loopback.clientTls(), ticketing)) {
            QuicEvent.NewSessionTicket ticket =
                    (QuicEvent.NewSessionTicket) awaitEvent(c.client(), QuicEvent.NewSessionTicket.class);
            byte[] session = c.client().getOption(QuicSocketOptions.SESSION_TICKET);
            assertNotNull(session);
            assertArrayEquals(session, ticket.session(), "the event carries the session the option reads");
            assertThrows(UnsupportedOperationException.class,
                    () -> c.server().getOption(QuicSocketOptions.SESSION_TICKET));
        }
    }
}
