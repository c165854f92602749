package qsock.tools.soak;

import com.sun.tools.attach.VirtualMachine;
import java.io.Closeable;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Set;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The soak's view into the server JVM, over a local JMX attach (as {@code qsock stats} reads it): its heap after a
 * full collection, its platform threads, its qsock I/O threads, and the endpoint counters of its listener.
 */
final class ServerProbe implements Closeable {

    /** One look at the server. */
    record Sample(long heapAfterGc, int threads, int ioThreads, long connectionsCurrent, long connectionsOpened,
                  long halfOpen, long packetsReceived, long packetsDropped, long datagramsDropped, long migrations,
                  long keyUpdates, long statelessResets, long retries) {}

    private final JMXConnector connector;
    private final MBeanServerConnection server;
    private final MemoryMXBean memory;
    private final ThreadMXBean threads;
    private final String ioThreadPrefix;

    ServerProbe(long pid, int port) throws IOException {
        String address;
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        } catch (com.sun.tools.attach.AttachNotSupportedException e) {
            throw new IOException("cannot attach to the server JVM " + pid + ": " + e.getMessage(), e);
        }
        connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
        server = connector.getMBeanServerConnection();
        memory = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.MEMORY_MXBEAN_NAME,
                MemoryMXBean.class);
        threads = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.THREAD_MXBEAN_NAME,
                ThreadMXBean.class);
        ioThreadPrefix = "qsock-io-" + port;
    }

    /** {@return the server now, after a full collection} */
    Sample sample() throws IOException {
        // Twice: a first collection may leave what only a finalisation or reference processing frees.
        memory.gc();
        memory.gc();
        long heap = memory.getHeapMemoryUsage().getUsed();
        int io = 0;
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith(ioThreadPrefix)) {
                io++;
            }
        }
        return new Sample(heap, threads.getThreadCount(), io, sum("ConnectionsCurrent"), sum("ConnectionsOpened"),
                sum("HalfOpenConnections"), sum("PacketsReceived"), sum("PacketsDropped"), sum("DatagramsDropped"),
                sum("Migrations"), sum("KeyUpdates"), sum("StatelessResetsSent"), sum("RetriesSent"));
    }

    private long sum(String attribute) throws IOException {
        try {
            Set<ObjectName> names = server.queryNames(new ObjectName("qsock:type=Endpoint,*"), null);
            long total = 0;
            for (ObjectName name : names) {
                total += ((Number) server.getAttribute(name, attribute)).longValue();
            }
            return total;
        } catch (JMException e) {
            throw new IOException("the server's qsock MBeans cannot be read: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
