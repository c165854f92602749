package qsock.interop.peer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link QuicheClient#close}'s last resort against quiche's endless send loop on a closing connection: a Netty event
 * loop kept busy sending (here by a task of the test's that sends datagram after datagram, as Netty's loop around
 * quiche's send did) stops reaching the network once the socket under its channel is closed from another thread.
 */
class QuicheClientSocketCloseTest {
    /** The spinning task's bound: far more datagrams than it sends before the socket goes. */
    private static final int BOUND = 20_000_000;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSendLoopThatKeepsTheEventLoopBusyStopsSendingOnceTheSocketUnderItIsClosed() throws Exception {
        EventLoopGroup group = Quiche.group();
        try (DatagramChannel sink = DatagramChannel.open()) {
            sink.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            InetSocketAddress to = (InetSocketAddress) sink.getLocalAddress();
            Channel udp = Quiche.bind(group, Quiche.NOTHING);
            CountDownLatch spinning = new CountDownLatch(1);
            CompletableFuture<Integer> sentUntilFailure = new CompletableFuture<>();
            udp.eventLoop().execute(() -> {
                // Never returns to the event loop while writes succeed, like Netty's loop on quiche_conn_send.
                for (int i = 0; i < BOUND; i++) {
                    if (!udp.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[62]), to)).isSuccess()) {
                        sentUntilFailure.complete(i);
                        return;
                    }
                    if (i == 100) {
                        spinning.countDown();
                    }
                }
                sentUntilFailure.complete(-1);
            });
            assertTrue(spinning.await(30, TimeUnit.SECONDS), "the task started sending");
            assertTrue(sink.receive(ByteBuffer.allocate(2048)) != null, "its datagrams reach the network");

            assertTrue(QuicheClient.closeSocketUnder(udp), "closed the socket under the channel");

            int sent = sentUntilFailure.get(100, TimeUnit.SECONDS);
            assertTrue(sent > 0, "the loop ended by a failed write, not by its bound: " + sent);
            assertFalse(udp.isOpen(), "the channel is closed");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }
}
