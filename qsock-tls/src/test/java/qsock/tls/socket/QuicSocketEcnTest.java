package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import qsock.socket.QuicStatistics;
import qsock.socket.StreamFlags;

/**
 * ECN over real UDP sockets (RFC 9000 §13.4): on the FFM runtime both ends mark their packets ECT(0), read the
 * codepoints of what they receive and count them in their ACK frames, so that each validates ECN on the path (loopback
 * keeps the marks); on the NIO runtime (the build's {@code qsock.io=nio} run), which can neither set nor read them,
 * ECN stays off.
 */
class QuicSocketEcnTest {

    private static boolean ffm() {
        return !"nio".equals(System.getProperty("qsock.io"));
    }

    @Test
    void bothEndsValidateEcnOverLoopbackOnTheFfmRuntime() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            Future<Integer> echo = loopback.background(() -> EchoServer.run(c.server()));
            byte[] data = new byte[300_000];
            new Random(5).nextBytes(data);
            for (int i = 0; i < 3; i++) {
                c.client().send(ByteBuffer.wrap(data), -1, StreamFlags.NEW | StreamFlags.FIN);
                long[] stream = {-1};
                assertArrayEquals(data, EchoServer.receiveStream(c.client(), stream), "echo " + i);
            }
            Waits.until("the client's ECN validation ended", () -> !ffm() || c.client().statistics().ecnValidated());
            Waits.until("the server's ECN validation ended", () -> !ffm() || c.server().statistics().ecnValidated());
            QuicStatistics client = c.client().statistics();
            QuicStatistics server = c.server().statistics();
            assertEquals(ffm(), client.ecnValidated(), "client: " + client);
            assertEquals(ffm(), server.ecnValidated(), "server: " + server);
            assertEquals(0, client.ecnCePacketsReceived(), "loopback marks nothing CE");
            assertEquals(0, client.ecnCongestionEvents());
            c.client().close();
            echo.get(10, TimeUnit.SECONDS);
        }
    }
}
