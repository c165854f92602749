package qsock.tls.simulation;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.random.RandomGenerator;
import qsock.api.ConnectionState;
import qsock.core.connection.QuicConnection;
import qsock.core.endpoint.EndpointConfig;
import qsock.core.endpoint.QuicEndpoint;
import qsock.core.sim.quic.Application;
import qsock.core.sim.quic.EndpointHost;
import qsock.core.sim.quic.Session;
import qsock.tls.TlsServerConfig;

/**
 * A qsock server on the simulated network as a busy one runs: it accepts every new connection at once and
 * runs its handshake with the real TLS engine, steps a handshake only when its connection received something
 * or changed state, and forgets each connection once it ended, so that thousands of connections that come and
 * go cost only what happens to them. It counts the handshakes it completed.
 */
final class PruningServerHost extends EndpointHost {

    private final TlsHandshakes handshakes;
    private final List<Tracked> sessions = new ArrayList<>();
    private int completed;

    /** A session and what its connection looked like when it was last stepped. */
    private static final class Tracked {
        final Session session;
        long packets = -1;
        ConnectionState state;

        Tracked(Session session) {
            this.session = session;
        }

        boolean changed() {
            QuicConnection c = session.connection;
            return c.packetsReceived() != packets || c.state() != state;
        }
    }

    PruningServerHost(InetSocketAddress address, EndpointConfig config, RandomGenerator random,
                      SecureRandom tlsRandom, TlsServerConfig tls, int backlog) {
        super(address, new QuicEndpoint(config, random));
        this.endpoint.listen(backlog);
        this.handshakes = new TlsHandshakes(null, tls, tlsRandom);
    }

    /** {@return the handshakes this server completed} */
    int completed() {
        return completed;
    }

    @Override
    protected void turn(long now) {
        for (QuicConnection c = endpoint.accept(); c != null; c = endpoint.accept()) {
            sessions.add(new Tracked(new Session(c, clock, handshakes, Application.IDLE)));
        }
        for (Iterator<Tracked> i = sessions.iterator(); i.hasNext(); ) {
            Tracked t = i.next();
            QuicConnection c = t.session.connection;
            if (!t.changed()) {
                continue;
            }
            boolean handshaking = c.state() == ConnectionState.HANDSHAKING;
            try {
                t.session.turn(now);
            } catch (Exception e) {
                throw new IllegalStateException("handshake of " + c + " failed", e);
            }
            // Its handshake called into the connection: the endpoint reads its deadline again and polls it.
            endpoint.touched(c);
            t.packets = c.packetsReceived();
            t.state = c.state();
            if (handshaking && c.state().isEstablished()) {
                completed++;
            }
            if (c.state() == ConnectionState.CLOSED) {
                i.remove();
            }
        }
    }
}
