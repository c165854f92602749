package qsock.tools.server;

/**
 * Sees the responses of an {@link HqInteropHandler}, for diagnostics and tests: each call comes from the
 * response's own thread. The default methods do nothing.
 */
public interface ResponseObserver {

    /** An observer that sees nothing. */
    ResponseObserver NONE = new ResponseObserver() { };

    /**
     * A response is about to start: {@code path} names a file served, and nothing of it was sent yet. The
     * response waits for this call to return.
     *
     * @param streamId the request's stream
     * @param path the decoded request path
     */
    default void responseStarting(long streamId, String path) throws InterruptedException { }

    /**
     * A response ended, whole or not.
     *
     * @param streamId the request's stream
     * @param bytesSent the file bytes the transport took
     * @param complete true if the whole file and the stream's FIN went out, false if the response was cancelled
     *     (the client reset its request or asked to stop) or failed
     */
    default void responseEnded(long streamId, long bytesSent, boolean complete) { }
}
