/**
 * QUIC-LB routable connection IDs (draft-ietf-quic-load-balancers, editor's copy after -21): a server encodes
 * its server ID in every connection ID it issues so a load balancer that shares the configuration routes
 * packets to it even after the client migrates; the load balancer decodes the server ID back.
 *
 * <p>{@link qsock.core.cid.lb.QuicLbConfig} is what the configuration agent hands both sides,
 * {@link qsock.core.cid.lb.QuicLbEncoder} is the server's side and {@link qsock.core.cid.lb.QuicLbDecoder}
 * the load balancer's. Only the JDK's AES is used.
 *
 * <p>Not exported: applications configure QUIC-LB through {@link qsock.socket.QuicLbSettings} and the listener option
 * {@code QuicSocketOptions.QUIC_LB}, which builds one {@link qsock.core.cid.lb.QuicLbEncoder} shared by all of a
 * listener's I/O threads ({@code next()} is synchronized: the nonce counter is its only mutable state);
 * {@code QuicLbSettings.serverIdOf} decodes through {@link qsock.core.cid.lb.QuicLbDecoder}. qsock's own router
 * uses the decoder directly.
 */
package qsock.core.cid.lb;
