package qsock.core.connection;

import java.nio.ByteBuffer;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.params.PreferredAddress;
import qsock.core.params.TransportParameters;
import qsock.core.path.PathMtuSearch;

/**
 * The transport parameters of both ends (RFC 9000 §7.4, §18): ours, encoded once for the TLS engine to carry; the
 * peer's, decoded, their connection IDs authenticated against those of the handshake (§7.3), and applied: ACK delay,
 * datagram size and path MTU search, idle timeout (§10.1), stream and connection ID limits, reset token.
 *
 * <p>Not thread-safe; part of its {@link QuicConnection}.
 */
final class TransportParameterExchange {

    private byte[] localParametersEncoded;

    private final QuicConnection c;

    TransportParameterExchange(QuicConnection connection) {
        this.c = connection;
    }

    /** {@return this end's transport parameters, encoded once (RFC 9000 §18); a copy each call} */
    byte[] local() {
        if (localParametersEncoded == null) {
            TransportParameters.Builder b = TransportParameters.builder()
                    .maxIdleTimeout(c.config.maxIdleTimeoutMillis())
                    .maxUdpPayloadSize(c.config.maxUdpPayloadSize())
                    .initialMaxData(c.config.initialMaxData())
                    .initialMaxStreamDataBidiLocal(c.config.initialMaxStreamDataBidiLocal())
                    .initialMaxStreamDataBidiRemote(c.config.initialMaxStreamDataBidiRemote())
                    .initialMaxStreamDataUni(c.config.initialMaxStreamDataUni())
                    .initialMaxStreamsBidi(c.config.maxStreamsBidi())
                    .initialMaxStreamsUni(c.config.maxStreamsUni())
                    .ackDelayExponent(c.config.ackDelayExponent())
                    .maxAckDelay(c.config.maxAckDelayMillis())
                    .activeConnectionIdLimit(c.config.activeConnectionIdLimit())
                    .disableActiveMigration(c.config.disableActiveMigration())
                    .initialSourceConnectionId(c.localIds.initial())
                    .greaseQuicBit(c.config.greaseQuicBit())
                    .maxDatagramFrameSize(c.config.maxDatagramFrameSize())
                    // RFC 9368 §3, RFC 9369 §4: an endpoint speaking version 2 sends version_information.
                    .versionInformation(c.versions.local());
            if (c.role == Role.SERVER) {
                // RFC 9000 §7.3: after a Retry, the server names the Retry's Source Connection ID too.
                b.originalDestinationConnectionId(c.originalDestinationId)
                        .retrySourceConnectionId(c.retrySourceId);
                if (c.config.statelessReset()) {
                    // RFC 9000 §10.3: the reset token of the connection ID of the handshake travels only here.
                    b.statelessResetToken(c.localIds.initialStatelessResetToken());
                }
                if (c.preferredAddressId != null) {
                    // RFC 9000 §9.6, §18.2: the addresses the server would rather be reached at, with our ID of
                    // sequence number 1 and its reset token.
                    b.preferredAddress(PreferredAddress.of(c.config.preferredAddressIpv4(),
                            c.config.preferredAddressIpv6(), c.preferredAddressId.connectionId(),
                            c.preferredAddressId.statelessResetToken()));
                }
            }
            localParametersEncoded = b.build().toBytes();
        }
        return localParametersEncoded.clone();
    }

    /** Our parameters changed (the version did, RFC 9368): they are encoded again when next asked for. */
    void forgetLocal() {
        localParametersEncoded = null;
    }

    /**
     * Takes the peer's transport parameters from the TLS engine: decoded, its connection IDs authenticated (RFC 9000
     * §7.3), then applied; a violation closes the connection with its error.
     */
    void onPeerParameters(byte[] encoded, long now) {
        if (c.state.isClosingOrClosed()) {
            return;
        }
        try {
            if (c.peerParameters != null) {
                throw new QuicProtocolException(TransportErrorCode.PROTOCOL_VIOLATION,
                        "transport parameters received twice");
            }
            TransportParameters p = TransportParameters.decode(ByteBuffer.wrap(encoded), c.role.peer());
            // RFC 9000 §7.3: the connection IDs of both handshakes are authenticated by the parameters.
            if (c.role == Role.CLIENT) {
                p.authenticateServerConnectionIds(c.peerInitialSourceId, c.originalDestinationId, c.retrySourceId);
            } else {
                p.authenticateClientConnectionIds(c.peerInitialSourceId);
            }
            c.versions.onPeerVersionInformation(p.versionInformation());
            applyPeerParameters(p, now);
        } catch (QuicProtocolException e) {
            c.closeWithError(e.errorCode(), e.frameType(), e.reason(), now);
        }
    }

    private void applyPeerParameters(TransportParameters p, long now) throws QuicProtocolException {
        c.peerParameters = p;
        c.peerAckDelayExponent = p.ackDelayExponent();
        c.peerMaxAckDelayNanos = p.maxAckDelay() * 1_000_000L;
        c.builder.greaseQuicBit(p.greaseQuicBit() && c.config.greaseQuicBit());
        c.setMaxDatagramSize((int) Math.min(c.config.maxDatagramSize(), p.maxUdpPayloadSize()));
        int ceiling = (int) Math.min(c.config.pathMtuCeiling(), p.maxUdpPayloadSize());
        if (ceiling > c.maxDatagramSize) {
            c.pathMtu = new PathMtuSearch(c.maxDatagramSize, ceiling, c.pathMtuRaiseIntervalNanos(), now);
        }
        c.recovery.setMaxAckDelay(c.peerMaxAckDelayNanos);
        // RFC 9000 §10.1: the idle timeout is the smaller of both, when both advertise one.
        long local = c.config.maxIdleTimeoutMillis();
        long peer = p.maxIdleTimeout();
        long millis = local == 0 ? peer : peer == 0 ? local : Math.min(local, peer);
        c.idleTimeoutNanos = millis * 1_000_000L;
        c.timeouts.capPtoPeriod();
        c.timeouts.restartIdleTimer(c.lastReceiveTime);
        c.streams.setPeerLimits(p.initialMaxData(), p.initialMaxStreamDataBidiLocal(),
                p.initialMaxStreamDataBidiRemote(), p.initialMaxStreamDataUni(), p.initialMaxStreamsBidi(),
                p.initialMaxStreamsUni());
        c.localIds.setPeerActiveConnectionIdLimit(p.activeConnectionIdLimit());
        if (c.role == Role.CLIENT && p.statelessResetToken() != null) {
            c.peerIds.setInitialStatelessResetToken(p.statelessResetToken());
        }
        if (c.role == Role.CLIENT && p.preferredAddress() != null) {
            // RFC 9000 §5.1.1: the preferred address's ID is the server's sequence number 1, usable at once.
            c.peerIds.onPreferredAddress(p.preferredAddress().connectionId(),
                    p.preferredAddress().statelessResetToken());
        }
    }
}
