package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.socket.QuicEndpointMXBean;
import qsock.socket.QuicSocket;
import qsock.socket.StreamFlags;

/**
 * A listener's counters as JMX shows them (issue 17, "counters"): registered at listen under
 * {@code qsock:type=Endpoint,port=PORT,thread=0}, counting the connections opened, how they ended and their bytes and
 * packets, and unregistered once the listener's endpoint ended.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QuicEndpointMXBeanTest {

    @Test
    void aListenersCountersFollowItsConnectionsAndLeaveWithIt() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name;
        try (Loopback loopback = Loopback.listen("127.0.0.1")) {
            name = new ObjectName("qsock:type=Endpoint,port=" + loopback.address.getPort() + ",thread=0");
            assertTrue(server.isRegistered(name), "registered at listen");
            QuicEndpointMXBean bean = JMX.newMXBeanProxy(server, name, QuicEndpointMXBean.class);
            assertEquals(0, bean.getConnectionsOpened());
            assertEquals(loopback.address.toString(), bean.getLocalAddress());

            Loopback.Connection c = loopback.connect();
            assertEquals(1, bean.getConnectionsOpened());
            assertEquals(1, bean.getConnectionsCurrent());
            byte[] data = new byte[100_000];
            c.client().send(ByteBuffer.wrap(data), -1, StreamFlags.NEW | StreamFlags.FIN);
            ByteBuffer in = ByteBuffer.allocate(data.length + 1);
            while (in.position() < data.length) {
                if (c.server().receive(in).fin()) {
                    break;
                }
            }
            assertTrue(bean.getBytesReceived() > data.length, "bytes received: " + bean.getBytesReceived());
            assertTrue(bean.getPacketsReceived() > data.length / 1500, "packets: " + bean.getPacketsReceived());
            assertTrue(bean.getPacketsSent() > 0);

            // The client closes without an error: once the server's side has drained, it counts as closed by the peer.
            c.client().close();
            Waits.until("the server's connection ended and was counted",
                    () -> bean.getConnectionsClosedByPeer() == 1, () -> "current " + bean.getConnectionsCurrent());
            assertEquals(0, bean.getConnectionsCurrent());
            assertTrue(bean.getBytesReceived() > data.length, "what ended connections carried still counts");
            assertEquals(0, bean.getConnectionsFailedLocally() + bean.getConnectionsFailedByPeer()
                    + bean.getConnectionsIdleTimedOut() + bean.getConnectionsReset() + bean.getConnectionsDropped());
            c.server().close();
            // A client socket has no MBean: only listeners register.
            assertEquals(1, server.queryNames(new ObjectName("qsock:type=Endpoint,port="
                    + loopback.address.getPort() + ",*"), null).size());
        }
        Waits.until("the endpoint's MBean left with it", () -> !server.isRegistered(name));
        assertFalse(server.isRegistered(name));
    }
}
