package qsock.socket;

import java.time.Duration;
import qsock.core.params.TransportParameters;

/**
 * The peer's transport parameters of a connection (RFC 9000 §18.2), as the socket draft's
 * {@code QUIC_SOCKOPT_TRANSPORT_PARAM} reads them with {@code remote} set: the fields of its
 * {@code struct quic_transport_param}, read with {@link QuicSocketOptions#REMOTE_TRANSPORT_PARAMETERS} once the
 * handshake delivered them. The draft's {@code disable_1rtt_encryption} is an extension qsock does not implement and
 * has no field.
 *
 * @param disableActiveMigration disable_active_migration
 * @param greaseQuicBit grease_quic_bit (RFC 9287)
 * @param statelessReset whether the peer gave a stateless_reset_token
 * @param disableCompatibleVersion whether the peer sent no version_information (RFC 9368)
 * @param activeConnectionIdLimit active_connection_id_limit
 * @param ackDelayExponent ack_delay_exponent
 * @param maxDatagramFrameSize max_datagram_frame_size (RFC 9221); 0: no DATAGRAM frames
 * @param maxUdpPayloadSize max_udp_payload_size, bytes
 * @param maxIdleTimeout max_idle_timeout; zero: none
 * @param maxAckDelay max_ack_delay
 * @param maxStreamsBidi initial_max_streams_bidi
 * @param maxStreamsUni initial_max_streams_uni
 * @param maxData initial_max_data, bytes
 * @param maxStreamDataBidiLocal initial_max_stream_data_bidi_local, bytes
 * @param maxStreamDataBidiRemote initial_max_stream_data_bidi_remote, bytes
 * @param maxStreamDataUni initial_max_stream_data_uni, bytes
 */
public record PeerTransportParameters(boolean disableActiveMigration, boolean greaseQuicBit, boolean statelessReset,
                                      boolean disableCompatibleVersion, long activeConnectionIdLimit,
                                      long ackDelayExponent, long maxDatagramFrameSize, long maxUdpPayloadSize,
                                      Duration maxIdleTimeout, Duration maxAckDelay, long maxStreamsBidi,
                                      long maxStreamsUni, long maxData, long maxStreamDataBidiLocal,
                                      long maxStreamDataBidiRemote, long maxStreamDataUni) {

    /** {@return the draft's view of decoded parameters; null for null} */
    static PeerTransportParameters of(TransportParameters p) {
        if (p == null) {
            return null;
        }
        return new PeerTransportParameters(p.disableActiveMigration(), p.greaseQuicBit(),
                p.statelessResetToken() != null, p.versionInformation() == null, p.activeConnectionIdLimit(),
                p.ackDelayExponent(), p.maxDatagramFrameSize(), p.maxUdpPayloadSize(),
                Duration.ofMillis(p.maxIdleTimeout()), Duration.ofMillis(p.maxAckDelay()), p.initialMaxStreamsBidi(),
                p.initialMaxStreamsUni(), p.initialMaxData(), p.initialMaxStreamDataBidiLocal(),
                p.initialMaxStreamDataBidiRemote(), p.initialMaxStreamDataUni());
    }
}
