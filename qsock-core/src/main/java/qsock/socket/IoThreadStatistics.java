package qsock.socket;

/**
 * One I/O thread of a socket and its counters ({@link QuicSocket#ioThreads()}): a listener may have several
 * ({@link QuicSocketOptions#IO_THREADS}), each serving the connections that arrived at its UDP socket. The counters
 * are kept when several threads share the port, and are 0 otherwise.
 *
 * @param thread the thread's name
 * @param datagramsReceived datagrams its UDP sockets received
 * @param datagramsHandedOff of those, the datagrams of another thread's connection (a client whose address changed
 *     and so reached this socket), handed to that thread
 * @param datagramsTakenOver datagrams of its own connections the other threads received and handed to it
 * @param handoffsDropped datagrams handed to it that found no room (it was behind) and were dropped
 */
public record IoThreadStatistics(String thread, long datagramsReceived, long datagramsHandedOff,
                                 long datagramsTakenOver, long handoffsDropped) {}
