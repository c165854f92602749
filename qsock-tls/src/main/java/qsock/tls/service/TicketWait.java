package qsock.tls.service;

import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import qsock.tls.ticket.ClientTicket;
import qsock.tls.ticket.TicketStore;

/**
 * The service's client ticket store seen by one handshake, with a latch for the first ticket that handshake
 * receives: a consumer that will resume (NFS reconnecting) wants it before it goes on, as the kernel's
 * {@code receive_session_ticket}.
 */
public final class TicketWait implements TicketStore {

    private final TicketStore store;
    private final CountDownLatch arrived = new CountDownLatch(1);

    /** @param store the service's store, where the tickets go */
    public TicketWait(TicketStore store) {
        this.store = store;
    }

    /** {@return the latch that opens when this handshake's first ticket arrived} */
    public CountDownLatch arrived() {
        return arrived;
    }

    @Override
    public void store(String serverName, ClientTicket ticket) {
        store.store(serverName, ticket);
        arrived.countDown();
    }

    @Override
    public Optional<ClientTicket> take(String serverName, long nowMillis) {
        return store.take(serverName, nowMillis);
    }

    @Override
    public Optional<ClientTicket> take(String serverName, int quicVersion, long nowMillis) {
        return store.take(serverName, quicVersion, nowMillis);
    }
}
