/**
 * The qsock server: a listening {@code QuicSocket}, a virtual thread per connection running the server handshake,
 * and one {@link qsock.tools.server.ApplicationHandler} per ALPN protocol (hq-interop, echo).
 */
package qsock.tools.server;
