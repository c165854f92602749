/**
 * routerd: one public UDP port for the QUIC listeners of several processes, each new connection going to the one its
 * ClientHello's ALPN names (the kernel QUIC module's ALPN routing, across processes). {@link
 * qsock.core.router.RouterDaemon} owns the port and routes; {@link qsock.core.router.RouterLink} is a listener's
 * registration with it. Only a connection's first datagrams pass through the daemon: the listener then receives
 * its clients' datagrams on sockets of its own (see docs/ROUTERD.md for the design and its limits).
 */
package qsock.core.router;
