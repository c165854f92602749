/**
 * The network path a connection sends on: how large a datagram it carries, found by path MTU discovery
 * ({@link qsock.core.path.PathMtuSearch}, RFC 8899 as RFC 9000 §14.3 applies it). Pure state machines, owned and
 * driven by the connection; nothing here reads a clock or does I/O.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-14.3 RFC 9000 §14.3, Datagram Packetization Layer PMTU Discovery
 * @spec https://www.rfc-editor.org/rfc/rfc8899 RFC 8899, Packetization Layer Path MTU Discovery for Datagram Transports
 */
package qsock.core.path;
