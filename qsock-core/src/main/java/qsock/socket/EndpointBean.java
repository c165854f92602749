package qsock.socket;

import java.lang.management.ManagementFactory;
import java.util.function.ToLongFunction;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import qsock.core.endpoint.EndpointCounters;
import qsock.core.endpoint.EndpointCounters.CloseCause;
import qsock.core.endpoint.QuicEndpoint;
import qsock.core.runtime.IoEndpoint;

/**
 * {@link QuicEndpointMXBean} of one {@link IoEndpoint}: each attribute read takes the endpoint's lock once. Registered
 * with the platform MBean server by {@link #register}; unregistered when the endpoint's thread ends.
 */
final class EndpointBean implements QuicEndpointMXBean {

    private static final System.Logger LOG = System.getLogger(EndpointBean.class.getName());

    private final IoEndpoint io;

    private EndpointBean(IoEndpoint io) {
        this.io = io;
    }

    /**
     * Registers {@code io}'s counters as {@code qsock:type=Endpoint,port=PORT,thread=INDEX} ({@code port}: where the
     * listener is reached, routerd's port behind it), once per endpoint (a port
     * shared by several listeners registers with the first); a failure is logged, never thrown: monitoring must not
     * stop a listener.
     */
    static void register(IoEndpoint io, int port, int thread) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName("qsock:type=Endpoint,port=" + port + ",thread=" + thread);
            if (server.isRegistered(name)) {
                return;
            }
            server.registerMBean(new EndpointBean(io), name);
            io.onClose(() -> {
                try {
                    server.unregisterMBean(name);
                } catch (JMException | RuntimeException gone) {
                    // Unregistered already.
                }
            });
        } catch (JMException | RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.DEBUG, "the endpoint's counters are not registered with JMX", e);
        }
    }

    private long read(ToLongFunction<QuicEndpoint> what) {
        io.lock().lock();
        try {
            return what.applyAsLong(io.endpoint());
        } finally {
            io.lock().unlock();
        }
    }

    private long counter(ToLongFunction<EndpointCounters.Snapshot> what) {
        return read(e -> what.applyAsLong(e.counters()));
    }

    private long closed(CloseCause cause) {
        return counter(s -> s.closed(cause));
    }

    @Override
    public String getLocalAddress() {
        return String.valueOf(io.localAddress());
    }

    @Override
    public int getConnectionsCurrent() {
        return (int) read(QuicEndpoint::connectionCount);
    }

    @Override
    public long getConnectionsOpened() {
        return counter(EndpointCounters.Snapshot::opened);
    }

    @Override
    public long getConnectionsClosedLocally() {
        return closed(CloseCause.LOCAL_CLOSE);
    }

    @Override
    public long getConnectionsClosedByPeer() {
        return closed(CloseCause.PEER_CLOSE);
    }

    @Override
    public long getConnectionsIdleTimedOut() {
        return closed(CloseCause.IDLE_TIMEOUT);
    }

    @Override
    public long getConnectionsReset() {
        return closed(CloseCause.STATELESS_RESET);
    }

    @Override
    public long getConnectionsFailedLocally() {
        return closed(CloseCause.LOCAL_ERROR);
    }

    @Override
    public long getConnectionsFailedByPeer() {
        return closed(CloseCause.PEER_ERROR);
    }

    @Override
    public long getConnectionsDropped() {
        return closed(CloseCause.DROPPED);
    }

    @Override
    public long getConnectionsRefused() {
        return read(QuicEndpoint::connectionsRefused);
    }

    @Override
    public int getHalfOpenConnections() {
        return (int) read(QuicEndpoint::halfOpenConnections);
    }

    @Override
    public long getPacketsSent() {
        return counter(EndpointCounters.Snapshot::packetsSent);
    }

    @Override
    public long getPacketsReceived() {
        return counter(EndpointCounters.Snapshot::packetsReceived);
    }

    @Override
    public long getBytesSent() {
        return counter(EndpointCounters.Snapshot::bytesSent);
    }

    @Override
    public long getBytesReceived() {
        return counter(EndpointCounters.Snapshot::bytesReceived);
    }

    @Override
    public long getPacketsLost() {
        return counter(EndpointCounters.Snapshot::packetsLost);
    }

    @Override
    public long getPacketsDropped() {
        return counter(EndpointCounters.Snapshot::packetsDropped);
    }

    @Override
    public long getDatagramsDropped() {
        return read(QuicEndpoint::datagramsDropped);
    }

    @Override
    public long getRetriesSent() {
        return read(QuicEndpoint::retriesSent);
    }

    @Override
    public long getInvalidTokens() {
        return read(QuicEndpoint::invalidTokens);
    }

    @Override
    public long getVersionNegotiationsSent() {
        return read(QuicEndpoint::versionNegotiationsSent);
    }

    @Override
    public long getStatelessResetsSent() {
        return read(QuicEndpoint::statelessResetsSent);
    }

    @Override
    public long getMigrations() {
        return counter(EndpointCounters.Snapshot::migrations);
    }

    @Override
    public long getKeyUpdates() {
        return counter(EndpointCounters.Snapshot::keyUpdates);
    }

    @Override
    public long getNoApplicationProtocol() {
        return read(QuicEndpoint::noApplicationProtocol);
    }

    @Override
    public long getMalformedClientHellos() {
        return read(QuicEndpoint::clientHellosMalformed);
    }
}
