package qsock.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.core.connection.QuicConnection;
import qsock.core.endpoint.EndpointConfig;

/**
 * After a batch the I/O thread wakes the sockets whose connection the batch concerned, not every socket of the port
 * (issue 9: with 10,000 idle connections every datagram woke 10,000 sockets).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IoEndpointNotificationTest {

    private static final int CONNECTIONS = 50;

    @Test
    void aDatagramForOneConnectionWakesOnlyItsSocketAndTheListener() throws Exception {
        Semaphore batches = new Semaphore(0);
        IoClient listener = batches::release;
        IoEndpoint io = IoEndpoint.bind(new InetSocketAddress("127.0.0.1", 0), EndpointConfig.defaults(),
                UdpOptions.defaults(), listener);
        AtomicInteger[] woken = new AtomicInteger[CONNECTIONS];
        QuicConnection[] connections = new QuicConnection[CONNECTIONS];
        try (DatagramChannel peer = DatagramChannel.open()) {
            peer.bind(new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalAddress();
            io.lock().lock();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    AtomicInteger count = new AtomicInteger();
                    woken[i] = count;
                    IoClient socket = count::incrementAndGet;
                    connections[i] = io.endpoint().connect(peerAddress, System.nanoTime());
                    io.attach(socket);
                    io.follow(socket, connections[i]);
                }
            } finally {
                io.lock().unlock();
            }
            // A first batch tells each new connection's socket of its start; then all is quiet.
            peer.send(ByteBuffer.wrap(new byte[] {0x40, 1, 2, 3}), io.localAddress());
            assertTrue(batches.tryAcquire(10, TimeUnit.SECONDS), "the listener heard of the first batch");
            for (AtomicInteger count : woken) {
                count.set(0);
            }
            // A datagram for one connection: a short header with its connection ID (it has no keys for it yet, but
            // the endpoint hands it over).
            QuicConnection target = connections[17];
            byte[] id = target.localId().toByteArray();
            ByteBuffer datagram = ByteBuffer.allocate(1 + id.length + 40);
            datagram.put((byte) 0x41).put(id).put(new byte[40]).flip();
            peer.send(datagram, io.localAddress());
            // The listener hears of the batch after the sockets of its connections.
            assertTrue(batches.tryAcquire(10, TimeUnit.SECONDS), "the listener heard of the second batch");
            io.lock().lock();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    assertEquals(i == 17 ? 1 : 0, woken[i].get(), "socket " + i);
                }
            } finally {
                io.lock().unlock();
            }
        } finally {
            io.lock().lock();
            io.detach(listener);
            io.lock().unlock();
        }
    }
}
