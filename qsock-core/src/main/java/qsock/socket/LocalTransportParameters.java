package qsock.socket;

import java.time.Duration;
import java.util.Objects;
import qsock.api.ConnectionConfig;

/**
 * This end's transport parameters (RFC 9000 §18.2), the socket draft's {@code struct quic_transport_param} with
 * {@code remote} unset: the value of {@link QuicSocketOptions#TRANSPORT_PARAM}. Each field is a setting of the
 * socket's {@link ConnectionConfig}, named after it below; reading the option gives them as the next connection
 * would advertise them. Change one with the {@code with} methods of the value read:
 * {@code s.setOption(TRANSPORT_PARAM, s.getOption(TRANSPORT_PARAM).withMaxData(8 << 20))}.
 *
 * <p>The draft's struct cannot say 0 (there it means "leave as it is"); a Java value always carries every field, so
 * 0 means 0 where RFC 9000 gives it a meaning: no idle timeout, no ack delay, no DATAGRAM frames, no streams of that
 * kind for the peer. The draft's {@code disable_1rtt_encryption} is an extension qsock does not implement and has no
 * field.
 *
 * @param maxIdleTimeout max_idle_timeout ({@code maxIdleTimeoutMillis}): zero for none, else 1 s or more (the kernel's
 *     QUIC_MIN_IDLE_TIMEOUT), whole milliseconds; default 30 s
 * @param maxAckDelay max_ack_delay ({@code maxAckDelayMillis}): below 2^14 ms (RFC 9000 §18.2), whole milliseconds;
 *     default 25 ms
 * @param ackDelayExponent ack_delay_exponent: 0 to 20; default 3
 * @param activeConnectionIdLimit active_connection_id_limit: 2 to 8 (the kernel's range); default 7
 * @param maxUdpPayloadSize max_udp_payload_size: 1200 to 65527; default 65527
 * @param maxDatagramFrameSize max_datagram_frame_size (RFC 9221): 0 (no DATAGRAM frames, the default) or 1200 to
 *     65535
 * @param maxData initial_max_data ({@code initialMaxData}): 1200 to 2^31/4 - 1 (the kernel's local cap); default
 *     2 MiB. The window may grow beyond it with the measured bandwidth-delay product ({@code maxConnectionWindow}, raised
 *     to this value if it is lower)
 * @param maxStreamDataBidiLocal initial_max_stream_data_bidi_local ({@code initialMaxStreamDataBidiLocal}): 1200 to
 *     2^31/8 - 1; default 1 MiB
 * @param maxStreamDataBidiRemote initial_max_stream_data_bidi_remote ({@code initialMaxStreamDataBidiRemote}): the
 *     same range; default 1 MiB
 * @param maxStreamDataUni initial_max_stream_data_uni ({@code initialMaxStreamDataUni}): the same range; default
 *     1 MiB ({@code maxStreamWindow} is raised to the largest of the three if it is lower)
 * @param maxStreamsBidi initial_max_streams_bidi ({@code maxStreamsBidi}): 0 to 4096 (the kernel's local cap);
 *     default 100
 * @param maxStreamsUni initial_max_streams_uni ({@code maxStreamsUni}): 0 to 4096; default 100
 * @param disableActiveMigration disable_active_migration; default false
 * @param greaseQuicBit grease_quic_bit (RFC 9287): default true, unlike the kernel module's 0, as RFC 9287 §3 asks
 *     of endpoints so that middleboxes cannot come to depend on the bit
 * @param disableCompatibleVersion disable_compatible_version: no compatible version negotiation (RFC 9368 §2.3;
 *     {@code ConnectionConfig.compatibleVersionNegotiation} off); the same setting as {@link QuicConfig}'s field of the
 *     name; default false
 * @param statelessReset stateless_reset: a server sends the stateless_reset_token of its handshake's connection ID
 *     ({@code ConnectionConfig.statelessReset}); default true, unlike the kernel module's 0 (see there why); a
 *     client's is ignored
 */
public record LocalTransportParameters(Duration maxIdleTimeout, Duration maxAckDelay, int ackDelayExponent,
                                       int activeConnectionIdLimit, int maxUdpPayloadSize, int maxDatagramFrameSize,
                                       long maxData, long maxStreamDataBidiLocal, long maxStreamDataBidiRemote,
                                       long maxStreamDataUni, long maxStreamsBidi, long maxStreamsUni,
                                       boolean disableActiveMigration, boolean greaseQuicBit,
                                       boolean disableCompatibleVersion, boolean statelessReset) {

    /** @throws NullPointerException for a null duration */
    public LocalTransportParameters {
        Objects.requireNonNull(maxIdleTimeout, "maxIdleTimeout");
        Objects.requireNonNull(maxAckDelay, "maxAckDelay");
    }

    /** {@return the parameters {@code config} advertises} */
    public static LocalTransportParameters of(ConnectionConfig config) {
        return new LocalTransportParameters(Duration.ofMillis(config.maxIdleTimeoutMillis()),
                Duration.ofMillis(config.maxAckDelayMillis()), config.ackDelayExponent(),
                config.activeConnectionIdLimit(), config.maxUdpPayloadSize(), config.maxDatagramFrameSize(),
                config.initialMaxData(), config.initialMaxStreamDataBidiLocal(), config.initialMaxStreamDataBidiRemote(),
                config.initialMaxStreamDataUni(), config.maxStreamsBidi(), config.maxStreamsUni(),
                config.disableActiveMigration(), config.greaseQuicBit(), !config.compatibleVersionNegotiation(),
                config.statelessReset());
    }

    /**
     * Checks every field against the range the kernel module's quic_param_check_and_copy allows for local parameters
     * (see the fields).
     *
     * @throws IllegalArgumentException naming the first field out of its range (the kernel's EINVAL)
     */
    void check() {
        OptionRanges.wholeMillis("max_idle_timeout", maxIdleTimeout);
        if (!maxIdleTimeout.isZero() && maxIdleTimeout.compareTo(OptionRanges.MIN_IDLE_TIMEOUT) < 0) {
            throw new IllegalArgumentException("max_idle_timeout " + maxIdleTimeout + " is neither zero nor at least "
                    + OptionRanges.MIN_IDLE_TIMEOUT);
        }
        OptionRanges.wholeMillis("max_ack_delay", maxAckDelay);
        if (maxAckDelay.compareTo(OptionRanges.MAX_ACK_DELAY_EXCLUSIVE) >= 0) {
            throw new IllegalArgumentException("max_ack_delay " + maxAckDelay + " is not below "
                    + OptionRanges.MAX_ACK_DELAY_EXCLUSIVE + " (RFC 9000 §18.2)");
        }
        OptionRanges.range("ack_delay_exponent", ackDelayExponent, 0, OptionRanges.MAX_ACK_DELAY_EXPONENT);
        OptionRanges.range("active_connection_id_limit", activeConnectionIdLimit,
                OptionRanges.MIN_ACTIVE_CONNECTION_IDS, OptionRanges.MAX_ACTIVE_CONNECTION_IDS);
        OptionRanges.range("max_udp_payload_size", maxUdpPayloadSize, OptionRanges.MIN_PMTU,
                OptionRanges.MAX_UDP_PAYLOAD);
        OptionRanges.zeroOrRange("max_datagram_frame_size", maxDatagramFrameSize, OptionRanges.MIN_PMTU, 65535);
        OptionRanges.range("max_data", maxData, OptionRanges.MIN_PMTU, OptionRanges.MAX_LOCAL_DATA);
        OptionRanges.range("max_stream_data_bidi_local", maxStreamDataBidiLocal, OptionRanges.MIN_PMTU,
                OptionRanges.MAX_LOCAL_STREAM_DATA);
        OptionRanges.range("max_stream_data_bidi_remote", maxStreamDataBidiRemote, OptionRanges.MIN_PMTU,
                OptionRanges.MAX_LOCAL_STREAM_DATA);
        OptionRanges.range("max_stream_data_uni", maxStreamDataUni, OptionRanges.MIN_PMTU,
                OptionRanges.MAX_LOCAL_STREAM_DATA);
        OptionRanges.range("max_streams_bidi", maxStreamsBidi, 0, OptionRanges.MAX_LOCAL_STREAMS);
        OptionRanges.range("max_streams_uni", maxStreamsUni, 0, OptionRanges.MAX_LOCAL_STREAMS);
    }

    /** {@return {@code config} advertising these parameters} Call {@link #check()} first. */
    ConnectionConfig applyTo(ConnectionConfig config) {
        long streamData = Math.max(maxStreamDataUni, Math.max(maxStreamDataBidiLocal, maxStreamDataBidiRemote));
        return config.toBuilder()
                .maxIdleTimeoutMillis(maxIdleTimeout.toMillis())
                .maxAckDelayMillis(maxAckDelay.toMillis())
                .ackDelayExponent(ackDelayExponent)
                .activeConnectionIdLimit(activeConnectionIdLimit)
                .maxUdpPayloadSize(maxUdpPayloadSize)
                .maxDatagramFrameSize(maxDatagramFrameSize)
                .initialMaxData(maxData)
                .maxConnectionWindow(Math.max(config.maxConnectionWindow(), maxData))
                .initialMaxStreamDataBidiLocal(maxStreamDataBidiLocal)
                .initialMaxStreamDataBidiRemote(maxStreamDataBidiRemote)
                .initialMaxStreamDataUni(maxStreamDataUni)
                .maxStreamWindow(Math.max(config.maxStreamWindow(), streamData))
                .maxStreamsBidi(maxStreamsBidi)
                .maxStreamsUni(maxStreamsUni)
                .disableActiveMigration(disableActiveMigration)
                .greaseQuicBit(greaseQuicBit)
                .compatibleVersionNegotiation(!disableCompatibleVersion)
                .statelessReset(statelessReset)
                .build();
    }

    /** {@return these parameters with max_idle_timeout {@code v}} */
    public LocalTransportParameters withMaxIdleTimeout(Duration v) {
        return new LocalTransportParameters(v, maxAckDelay, ackDelayExponent, activeConnectionIdLimit,
                maxUdpPayloadSize, maxDatagramFrameSize, maxData, maxStreamDataBidiLocal, maxStreamDataBidiRemote,
                maxStreamDataUni, maxStreamsBidi, maxStreamsUni, disableActiveMigration, greaseQuicBit,
                disableCompatibleVersion, statelessReset);
    }

    /** {@return these parameters with max_ack_delay {@code v}} */
    public LocalTransportParameters withMaxAckDelay(Duration v) {
        return new LocalTransportParameters(maxIdleTimeout, v, ackDelayExponent, activeConnectionIdLimit,
                maxUdpPayloadSize, maxDatagramFrameSize, maxData, maxStreamDataBidiLocal, maxStreamDataBidiRemote,
                maxStreamDataUni, maxStreamsBidi, maxStreamsUni, disableActiveMigration, greaseQuicBit,
                disableCompatibleVersion, statelessReset);
    }

    /** {@return these parameters with ack_delay_exponent {@code v}} */
    public LocalTransportParameters withAckDelayExponent(int v) {
        return new LocalTransportParameters(maxIdleTimeout, maxAckDelay, v, activeConnectionIdLimit,
                maxUdpPayloadSize, maxDatagramFrameSize, maxData, maxStreamDataBidiLocal, maxStreamDataBidiRemote,
                maxStreamDataUni, maxStreamsBidi, maxStreamsUni, disableActiveMigration, greaseQuicBit,
                disableCompatibleVersion, statelessReset);
    }

    /** {@return these parameters with active_connection_id_limit {@code v}} */
    public LocalTransportParameters withActiveConnectionIdLimit(int v) {
        return new LocalTransportParameters(maxIdleTimeout, maxAckDelay, ackDelayExponent, v,
                maxUdpPayloadSize, maxDatagramFrameSize, maxData, maxStreamDataBidiLocal, maxStreamDataBidiRemote,
                maxStreamDataUni, maxStreamsBidi, maxStreamsUni, disableActiveMigration, greaseQuicBit,
                disableCompatibleVersion, statelessReset);
    }

    /** {@return these parameters with max_udp_payload_size {@code v}} */
    public LocalTransportParameters withMaxUdpPayloadSize(int v) {
        return new LocalTransportParameters(maxIdleTimeout, maxAckDelay, ackDelayExponent, activeConnectionIdLimit,
                v, maxDatagramFrameSize, maxData, maxStreamDataBidiLocal, maxStreamDataBidiRemote,
                maxStreamDataUni, maxStreamsBidi, maxStreamsUni, disableActiveMigration, greaseQuicBit,
                disableCompatibleVersion, statelessReset);
    }

    /** {@return these parameters with max_datagram_frame_size {@code v}} */
    public LocalTransportParameters withMaxDatagramFrameSize(int v) {
        return new LocalTransportParameters(maxIdleTimeout, maxAckDelay, ackDelayExponent, activeConnectionIdLimit,
                maxUdpPayloadSize, v, maxData, maxStreamDataBidiLocal, maxStreamDataBidiRemote,
                maxStreamDataUni, maxStreamsBidi, maxStreamsUni, disableActiveMigration, greaseQuicBit,
                disableCompatibleVersion, statelessReset);
    }

    /** {@return these parameters with initial_max_data {@code v}} */
    public LocalTransportParameters withMaxData(long v) {
        return new LocalTransportParameters(maxIdleTimeout, maxAckDelay, ackDelayExponent, activeConnectionIdLimit,
                maxUdpPayloadSize, maxDatagramFrameSize, v, maxStreamDataBidiLocal, maxStreamDataBidiRemote,
                maxStreamDataUni, maxStreamsBidi, maxStreamsUni, disableActiveMigration, greaseQuicBit,
                disableCompatibleVersion, statelessReset);
    }

    /** {@return these parameters with the three initial_max_stream_data windows {@code local}, {@code remote} and {@code uni}} */
    public LocalTransportParameters withMaxStreamData(long local, long remote, long uni) {
        return new LocalTransportParameters(maxIdleTimeout, maxAckDelay, ackDelayExponent, activeConnectionIdLimit,
                maxUdpPayloadSize, maxDatagramFrameSize, maxData, local, remote, uni, maxStreamsBidi, maxStreamsUni,
                disableActiveMigration, greaseQuicBit, disableCompatibleVersion, statelessReset);
    }

    /** {@return these parameters with initial_max_streams_bidi {@code bidi} and initial_max_streams_uni {@code uni}} */
    public LocalTransportParameters withMaxStreams(long bidi, long uni) {
        return new LocalTransportParameters(maxIdleTimeout, maxAckDelay, ackDelayExponent, activeConnectionIdLimit,
                maxUdpPayloadSize, maxDatagramFrameSize, maxData, maxStreamDataBidiLocal, maxStreamDataBidiRemote,
                maxStreamDataUni, bidi, uni, disableActiveMigration, greaseQuicBit, disableCompatibleVersion,
                statelessReset);
    }

    /**
     * {@return these parameters with the four flags: disable_active_migration, grease_quic_bit,
     * disable_compatible_version and stateless_reset}
     */
    public LocalTransportParameters withFlags(boolean disableActiveMigration, boolean greaseQuicBit,
                                              boolean disableCompatibleVersion, boolean statelessReset) {
        return new LocalTransportParameters(maxIdleTimeout, maxAckDelay, ackDelayExponent, activeConnectionIdLimit,
                maxUdpPayloadSize, maxDatagramFrameSize, maxData, maxStreamDataBidiLocal, maxStreamDataBidiRemote,
                maxStreamDataUni, maxStreamsBidi, maxStreamsUni, disableActiveMigration, greaseQuicBit,
                disableCompatibleVersion, statelessReset);
    }
}
