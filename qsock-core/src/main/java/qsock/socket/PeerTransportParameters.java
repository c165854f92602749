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
 * <p>Set on a client before its handshake, they are the server's parameters remembered from an earlier connection,
 * which 0-RTT data keeps within (RFC 9000 §7.4.1); see the option. Of them 0-RTT uses the flow-control and stream
 * limits; {@code statelessReset} and {@code disableCompatibleVersion} are not remembered (§7.4.1) and are ignored
 * there.
 *
 * @param disableActiveMigration disable_active_migration
 * @param greaseQuicBit grease_quic_bit (RFC 9287)
 * @param statelessReset whether the peer gave a stateless_reset_token
 * @param disableCompatibleVersion whether the peer takes part in no compatible version negotiation (RFC 9368 §2.3):
 *     it sent no version_information, or one listing no version but the one in use (as qsock does with the draft's
 *     {@code disable_compatible_version}, see {@link LocalTransportParameters})
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

    /**
     * Checks the fields as the kernel module's quic_param_check_and_copy checks remote parameters: max_udp_payload_size
     * 1200 to 65527, ack_delay_exponent at most 20, max_ack_delay below 2^14 ms, active_connection_id_limit 2 to 8,
     * max_idle_timeout zero or at least 1 s, max_datagram_frame_size 0 or 1200 to 65535, initial_max_data and each
     * initial_max_stream_data 0 or at least 1200, stream counts at most 2^60 (RFC 9000 §19.11, where the kernel
     * lowers a larger count to 4096); durations in whole milliseconds, as they travel.
     *
     * @throws IllegalArgumentException naming the first field out of its range (the kernel's EINVAL)
     */
    void checkRemembered() {
        java.util.Objects.requireNonNull(maxIdleTimeout, "maxIdleTimeout");
        java.util.Objects.requireNonNull(maxAckDelay, "maxAckDelay");
        OptionRanges.range("max_udp_payload_size", maxUdpPayloadSize, OptionRanges.MIN_PMTU,
                OptionRanges.MAX_UDP_PAYLOAD);
        OptionRanges.range("ack_delay_exponent", ackDelayExponent, 0, OptionRanges.MAX_ACK_DELAY_EXPONENT);
        OptionRanges.wholeMillis("max_ack_delay", maxAckDelay);
        if (maxAckDelay.compareTo(OptionRanges.MAX_ACK_DELAY_EXCLUSIVE) >= 0) {
            throw new IllegalArgumentException("max_ack_delay " + maxAckDelay + " is not below "
                    + OptionRanges.MAX_ACK_DELAY_EXCLUSIVE + " (RFC 9000 §18.2)");
        }
        OptionRanges.range("active_connection_id_limit", activeConnectionIdLimit,
                OptionRanges.MIN_ACTIVE_CONNECTION_IDS, OptionRanges.MAX_ACTIVE_CONNECTION_IDS);
        OptionRanges.wholeMillis("max_idle_timeout", maxIdleTimeout);
        if (!maxIdleTimeout.isZero() && maxIdleTimeout.compareTo(OptionRanges.MIN_IDLE_TIMEOUT) < 0) {
            throw new IllegalArgumentException("max_idle_timeout " + maxIdleTimeout + " is neither zero nor at least "
                    + OptionRanges.MIN_IDLE_TIMEOUT);
        }
        OptionRanges.zeroOrRange("max_datagram_frame_size", maxDatagramFrameSize, OptionRanges.MIN_PMTU, 65535);
        OptionRanges.zeroOrRange("max_data", maxData, OptionRanges.MIN_PMTU, OptionRanges.MAX_VARINT);
        OptionRanges.zeroOrRange("max_stream_data_bidi_local", maxStreamDataBidiLocal, OptionRanges.MIN_PMTU,
                OptionRanges.MAX_VARINT);
        OptionRanges.zeroOrRange("max_stream_data_bidi_remote", maxStreamDataBidiRemote, OptionRanges.MIN_PMTU,
                OptionRanges.MAX_VARINT);
        OptionRanges.zeroOrRange("max_stream_data_uni", maxStreamDataUni, OptionRanges.MIN_PMTU,
                OptionRanges.MAX_VARINT);
        OptionRanges.range("max_streams_bidi", maxStreamsBidi, 0, OptionRanges.MAX_STREAMS);
        OptionRanges.range("max_streams_uni", maxStreamsUni, 0, OptionRanges.MAX_STREAMS);
    }

    /**
     * {@return these parameters encoded as a server's quic_transport_parameters (RFC 9000 §18), what a session
     * ticket remembers for 0-RTT} The connection IDs every server's set names (§7.3), which 0-RTT does not use, are
     * empty. Call {@link #checkRemembered()} first.
     */
    byte[] encodeRemembered() {
        return TransportParameters.builder()
                .originalDestinationConnectionId(qsock.core.wire.ConnectionId.EMPTY)
                .initialSourceConnectionId(qsock.core.wire.ConnectionId.EMPTY)
                .maxIdleTimeout(maxIdleTimeout.toMillis())
                .maxUdpPayloadSize(maxUdpPayloadSize)
                .initialMaxData(maxData)
                .initialMaxStreamDataBidiLocal(maxStreamDataBidiLocal)
                .initialMaxStreamDataBidiRemote(maxStreamDataBidiRemote)
                .initialMaxStreamDataUni(maxStreamDataUni)
                .initialMaxStreamsBidi(maxStreamsBidi)
                .initialMaxStreamsUni(maxStreamsUni)
                .ackDelayExponent(ackDelayExponent)
                .maxAckDelay(maxAckDelay.toMillis())
                .disableActiveMigration(disableActiveMigration)
                .activeConnectionIdLimit(activeConnectionIdLimit)
                .maxDatagramFrameSize(maxDatagramFrameSize)
                .greaseQuicBit(greaseQuicBit)
                .build().toBytes();
    }

    /** {@return the draft's view of decoded parameters; null for null} */
    static PeerTransportParameters of(TransportParameters p) {
        if (p == null) {
            return null;
        }
        return new PeerTransportParameters(p.disableActiveMigration(), p.greaseQuicBit(),
                p.statelessResetToken() != null, p.versionInformation() == null
                        || p.versionInformation().availableVersions().stream()
                                .allMatch(v -> v == p.versionInformation().chosenVersion()),
                p.activeConnectionIdLimit(),
                p.ackDelayExponent(), p.maxDatagramFrameSize(), p.maxUdpPayloadSize(),
                Duration.ofMillis(p.maxIdleTimeout()), Duration.ofMillis(p.maxAckDelay()), p.initialMaxStreamsBidi(),
                p.initialMaxStreamsUni(), p.initialMaxData(), p.initialMaxStreamDataBidiLocal(),
                p.initialMaxStreamDataBidiRemote(), p.initialMaxStreamDataUni());
    }
}
