package qsock.core.runtime;

/**
 * Something attached to an {@link IoEndpoint} that wants to hear when the I/O thread changed the endpoint's
 * state: a listening socket (new connections queued) or a connection's socket (data, acknowledgements,
 * state changes). An endpoint keeps running while something is attached.
 */
public interface IoClient {

    /**
     * Called on the I/O thread, with the endpoint's lock held, after a batch that may have changed something
     * for the client: for one that {@linkplain IoEndpoint#follow follows} a connection, a batch after which the
     * endpoint had called into that connection (since the last call); for the others, a batch that took
     * datagrams or ran timers. Wakes the client's blocked callers if they have reason to look again. Must not
     * block.
     */
    void onBatch();
}
