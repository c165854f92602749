/**
 * qsock endpoints on the simulated network ({@link qsock.core.sim.SimNetwork}): hosts over one
 * {@link qsock.core.endpoint.QuicEndpoint} each, the connection-pair fixture {@link qsock.core.sim.quic.ConnectionPair},
 * and the handshakes that run on them through a {@link qsock.core.sim.quic.HandshakeFactory}: the fixed-secret one
 * here ({@link qsock.core.sim.quic.FixedSecretHandshake}, ngtcp2's null-crypto idea), the real TLS engine in
 * qsock-tls's tests. Kept apart from {@code qsock.core.sim}, which knows nothing of the connection's API.
 */
package qsock.core.sim.quic;
