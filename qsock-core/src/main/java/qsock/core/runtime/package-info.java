/**
 * The I/O runtime around the sans-I/O endpoint: one thread per bound UDP port that receives datagrams,
 * runs timers and sends what the connections produce, and the lock and conditions through which
 * application threads (the socket API) share the endpoint with it. Internal to qsock, public only so that
 * the socket package can reach it.
 */
package qsock.core.runtime;
