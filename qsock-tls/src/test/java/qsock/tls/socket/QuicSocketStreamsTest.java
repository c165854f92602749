package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import qsock.api.ConnectionConfig;
import qsock.core.error.StreamResetException;
import qsock.core.stream.StreamId;
import qsock.socket.QuicEvent;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;
import qsock.tls.QuicHandshake;

/** Streams over real UDP on loopback: many in a row, unidirectional ones, stream adapters, several clients. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class QuicSocketStreamsTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void threeHundredSequentialStreamsEachEchoed(String host) throws Exception {
        // The server allows 100 streams at a time: the client only gets through by the limit rising as
        // streams close.
        try (Loopback loopback = Loopback.listen(host); Loopback.Connection c = loopback.connect()) {
            Future<Integer> echoed = loopback.background(() -> EchoServer.run(c.server()));
            for (int i = 0; i < 300; i++) {
                byte[] request = ("request " + i).getBytes(StandardCharsets.UTF_8);
                c.client().send(ByteBuffer.wrap(request), -1, StreamFlags.NEW | StreamFlags.FIN);
                long[] id = {-1};
                byte[] answer = EchoServer.receiveStream(c.client(), id);
                assertEquals(4L * i, id[0], "the client's bidirectional streams in order");
                assertArrayEquals(request, answer);
            }
            c.client().close();
            assertEquals(300, echoed.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void unidirectionalStreamsCarryDataOneWayEach() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            Future<Integer> echoed = loopback.background(() -> EchoServer.run(c.server()));
            for (int i = 0; i < 3; i++) {
                byte[] request = ("one way " + i).getBytes(StandardCharsets.UTF_8);
                int n = c.client().send(ByteBuffer.wrap(request), -1, StreamFlags.NEW | StreamFlags.UNI | StreamFlags.FIN);
                assertEquals(request.length, n);
                long[] id = {-1};
                byte[] answer = EchoServer.receiveStream(c.client(), id);
                assertEquals(StreamId.of(qsock.api.Role.SERVER, false, i), id[0], "the server's unidirectional streams");
                assertArrayEquals(request, answer);
            }
            c.client().close();
            assertEquals(3, echoed.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void sendingOnAPeersUnidirectionalStreamIsRefused() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            c.client().send(ByteBuffer.wrap(new byte[] {1}), -1, StreamFlags.NEW | StreamFlags.UNI | StreamFlags.FIN);
            long[] id = {-1};
            EchoServer.receiveStream(c.server(), id);
            assertEquals(2, id[0]);
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> c.server().send(ByteBuffer.wrap(new byte[] {1}), 2, 0));
        }
    }

    @Test
    void resetStreamReachesThePeersReceiveWithItsCode() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            c.server().setOption(qsock.socket.QuicSocketOptions.EVENT, Loopback.ALL_EVENTS);
            long id = c.client().openStream(StreamFlags.NEW);
            c.client().send(ByteBuffer.wrap(new byte[1000]), id, 0);
            c.client().resetStream(id, 77);
            StreamResetException e = assertThrows(StreamResetException.class, () -> {
                ByteBuffer buf = ByteBuffer.allocate(4096);
                while (true) {
                    buf.clear();
                    c.server().receive(buf); // data that arrived before the reset may come first
                }
            });
            assertEquals(id, e.streamId());
            assertEquals(77, e.errorCode());
            assertTrue(events(c.server()).contains(new QuicEvent.StreamUpdate(id,
                    QuicEvent.StreamState.RECV_RESET_RECVD, 77, 1000)));
        }
    }

    @Test
    void stopSendingMakesThePeersSendFailWithItsCode() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1"); Loopback.Connection c = loopback.connect()) {
            c.client().setOption(qsock.socket.QuicSocketOptions.EVENT, Loopback.ALL_EVENTS);
            long id = c.client().openStream(StreamFlags.NEW);
            c.client().send(ByteBuffer.wrap(new byte[10]), id, 0);
            c.server().receive(ByteBuffer.allocate(100));
            c.server().stopSending(id, 88);
            StreamResetException e = assertThrows(StreamResetException.class, () -> {
                while (true) {
                    c.client().send(ByteBuffer.wrap(new byte[100_000]), id, 0);
                }
            });
            assertEquals(88, e.errorCode());
            assertTrue(events(c.client()).contains(new QuicEvent.StreamUpdate(id,
                    QuicEvent.StreamState.SEND_RESET_SENT, 88, 0)));
        }
    }

    private static java.util.List<QuicEvent> events(QuicSocket socket) {
        java.util.List<QuicEvent> all = new java.util.ArrayList<>();
        for (QuicEvent e = socket.pollEvent(); e != null; e = socket.pollEvent()) {
            all.add(e);
        }
        return all;
    }

    @Test
    void inputAndOutputStreamsRoundTripAMegabyte() throws Exception {
        try (Loopback loopback = Loopback.listen("::1"); Loopback.Connection c = loopback.connect()) {
            byte[] data = new byte[1 << 20];
            new SplittableRandom(5).nextBytes(data);
            Future<Void> server = loopback.background(() -> {
                byte[] got;
                try (InputStream in = c.server().inputStream(0)) {
                    got = in.readAllBytes();
                }
                for (int i = 0, j = got.length - 1; i < j; i++, j--) {
                    byte t = got[i];
                    got[i] = got[j];
                    got[j] = t;
                }
                try (OutputStream out = c.server().outputStream(0)) {
                    out.write(got);
                }
                return null;
            });
            long id = c.client().openStream(StreamFlags.NEW);
            assertEquals(0, id);
            try (OutputStream out = c.client().outputStream(id)) {
                for (int off = 0; off < data.length; off += 10_000) {
                    out.write(data, off, Math.min(10_000, data.length - off));
                }
            }
            byte[] back = c.client().inputStream(id).readAllBytes();
            server.get(20, TimeUnit.SECONDS);
            assertEquals(data.length, back.length);
            for (int i = 0; i < data.length; i++) {
                if (data[i] != back[data.length - 1 - i]) {
                    throw new AssertionError("byte " + i + " differs");
                }
            }
        }
    }

    @Test
    void twoClientsOnOneListenerAreServedApart() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             Loopback.Connection a = loopback.connect();
             Loopback.Connection b = loopback.connect()) {
            Future<Integer> echoA = loopback.background(() -> EchoServer.run(a.server()));
            Future<Integer> echoB = loopback.background(() -> EchoServer.run(b.server()));
            assertEquals(a.server().localAddress(), b.server().localAddress(), "one UDP port");
            for (int i = 0; i < 5; i++) {
                for (Loopback.Connection c : new Loopback.Connection[] {a, b}) {
                    byte[] request = (c == a ? "A" : "B").repeat(100 + i).getBytes(StandardCharsets.UTF_8);
                    c.client().send(ByteBuffer.wrap(request), -1, StreamFlags.NEW | StreamFlags.FIN);
                    assertArrayEquals(request, EchoServer.receiveStream(c.client(), new long[] {-1}));
                }
            }
            a.client().close();
            b.client().close();
            assertEquals(5, echoA.get(10, TimeUnit.SECONDS));
            assertEquals(5, echoB.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void dualStackListenerAcceptsAnIpv4Client() throws Exception {
        try (QuicSocket listener = QuicSocket.open().bind(new InetSocketAddress("::", 0))) {
            listener.listen(4);
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            Future<QuicSocket> accepted;
            try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                accepted = threads.submit(() -> {
                    QuicSocket s = listener.accept();
                    QuicHandshake.serverHandshake(s, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
                    return s;
                });
                try (QuicSocket client = QuicSocket.open()) {
                    client.connect(new InetSocketAddress("127.0.0.1", port));
                    QuicHandshake.clientHandshake(client, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                    try (QuicSocket server = accepted.get(10, TimeUnit.SECONDS)) {
                        assertEquals(client.localAddress(), server.remoteAddress());
                    }
                }
            }
        }
    }

    @Test
    void aFullAcceptQueueDropsItsOldestConnectionForANewcomer() throws Exception {
        try (Loopback loopback = Loopback.listen("127.0.0.1", ConnectionConfig.defaults(), 1)) {
            QuicSocket first = QuicSocket.open();
            first.connect(loopback.address);
            Future<Void> firstHandshake = loopback.background(() -> {
                QuicHandshake.clientHandshake(first, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                return null;
            });
            QuicSocket waiting = loopback.listener.accept();
            QuicHandshake.serverHandshake(waiting, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
            firstHandshake.get(10, TimeUnit.SECONDS);

            // The queue holds one: the second client waits in it, unaccepted, until a third arrives and takes
            // its place (the oldest half-open connection goes first). The second gives up before its first
            // retransmission (a PTO of about a second), which would come back as a newer client.
            QuicSocket second = QuicSocket.open();
            second.connect(loopback.address);
            Future<Void> secondHandshake = loopback.background(() -> {
                QuicHandshake.clientHandshake(second, Loopback.clientTls(), java.time.Duration.ofMillis(300));
                return null;
            });
            Waits.until("the second client waits to be accepted", () -> loopback.listener.acceptQueueLength() > 0);
            QuicSocket third = QuicSocket.open();
            third.connect(loopback.address);
            Future<Void> thirdHandshake = loopback.background(() -> {
                QuicHandshake.clientHandshake(third, Loopback.clientTls(), Loopback.HANDSHAKE_TIMEOUT);
                return null;
            });
            java.util.concurrent.ExecutionException gaveUp = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> secondHandshake.get(10, TimeUnit.SECONDS));
            org.junit.jupiter.api.Assertions.assertInstanceOf(java.net.SocketTimeoutException.class, gaveUp.getCause());

            QuicSocket thirdServer = loopback.listener.accept();
            assertEquals(third.localAddress(), thirdServer.remoteAddress(), "the newcomer, not the dropped one");
            QuicHandshake.serverHandshake(thirdServer, Loopback.serverTls(), Loopback.HANDSHAKE_TIMEOUT);
            thirdHandshake.get(10, TimeUnit.SECONDS);
            for (QuicSocket s : new QuicSocket[] {first, waiting, second, third, thirdServer}) {
                s.close();
            }
        }
    }
}
