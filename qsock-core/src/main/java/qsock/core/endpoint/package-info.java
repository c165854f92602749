/**
 * The endpoint: one UDP port's connections, demultiplexed by connection ID, new connections queued for
 * accept, Version Negotiation and stateless resets (RFC 9000 §5.2, §6, §10.3), sans-I/O.
 */
package qsock.core.endpoint;
