/**
 * The network path a connection sends on: how large a datagram it carries, found by path MTU discovery
 * ({@link qsock.core.path.PathMtuSearch}, RFC 8899 as RFC 9000 §14.3 applies it), and whether the peer is reachable
 * at its address, shown by path validation ({@link qsock.core.path.PathValidation}, RFC 9000 §8.2, the challenges
 * and answers behind following a peer to a new address, §9.3). Pure state machines, owned and driven by the
 * connection; nothing here reads a clock or does I/O.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-14.3 RFC 9000 §14.3, Datagram Packetization Layer PMTU Discovery
 * @spec https://www.rfc-editor.org/rfc/rfc8899 RFC 8899, Packetization Layer Path MTU Discovery for Datagram Transports
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-8.2 RFC 9000 §8.2, Path Validation
 */
package qsock.core.path;
