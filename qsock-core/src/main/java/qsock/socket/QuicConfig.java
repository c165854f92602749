package qsock.socket;

import java.time.Duration;
import java.util.Objects;
import qsock.api.CongestionAlgorithm;
import qsock.api.ConnectionConfig;
import qsock.api.QuicVersion;

/**
 * The socket draft's {@code struct quic_config} ({@code QUIC_SOCKOPT_CONFIG}): the value of
 * {@link QuicSocketOptions#CONFIG}. Some fields are settings of the socket's {@link ConnectionConfig}, named below;
 * the others are the socket's own, for the TLS handshake helper (qsock-tls's {@code QuicHandshake}), which reads them
 * from the option as the kernel's userspace handshake reads the kernel consumer's config. Change one with the
 * {@code with} methods of the value read: {@code s.setOption(CONFIG, s.getOption(CONFIG).withCongestionControl(CUBIC))}.
 *
 * <p>The defaults are the kernel module's: qsock's own defaults are the same for every field here. (qsock's
 * command-line tools turn path MTU discovery on; the library, like the kernel, leaves it off.)
 *
 * @param version the QUIC version a client starts with ({@code ConnectionConfig.version}); V1 by default
 * @param plpmtudProbeInterval path MTU discovery (RFC 8899 as RFC 9000 §14.3 applies it): zero turns it off (the
 *     default, {@code pathMtuCeiling} 0); otherwise 5 s (the kernel's QUIC_MIN_PROBE_TIMEOUT) to about 143 s (30 of
 *     them must fit the kernel's u32 of microseconds), whole milliseconds. It turns discovery on up to the configured
 *     {@code pathMtuCeiling}, or up to 9000 bytes (the kernel module's QUIC_MAX_PLPMTU) if none was configured, and a
 *     settled search probes above its result again 30 intervals later ({@code pathMtuProbeIntervalMillis}). Within a
 *     search each probe follows the previous one's acknowledgement or loss at once, as the kernel module does
 * @param initialSmoothedRtt the RTT assumed before the first sample (RFC 9002 §6.2.2; {@code initialRttMillis}):
 *     100 ms to 6 s (the draft's QUIC_RTO_MIN and QUIC_RTO_MAX), whole milliseconds; default 333 ms
 * @param payloadCipher the preferred payload cipher; default {@link PayloadCipher#ANY}. {@code QuicHandshake} applies
 *     it: a client offers that cipher suite alone (a server picks among what the client offers by its own order,
 *     RFC 8446 §4.1.1, so a preference would rarely decide; a server that does not speak it fails the handshake with
 *     handshake_failure), a server puts it first among its own (it picks it whenever the client offers it, and still
 *     serves clients that do not). {@link PayloadCipher#AES_128_CCM} is refused: the JDK has no AES-CCM
 * @param congestionControl the congestion controller ({@code congestionAlgorithm}); NewReno by default, as in the
 *     kernel module
 * @param validatePeerAddress a listener answers every new client without a valid token with a Retry (RFC 9000
 *     §8.1.2): the same setting as {@link QuicSocketOptions#VALIDATE_PEER_ADDRESS}, each reads what the other set;
 *     default false
 * @param streamDataNodelay send stream data at once rather than wait to fill packets (the draft's
 *     {@code stream_data_nodelay}, Nagle's algorithm off). Default true, where the kernel's is false (Nagle on): with
 *     Nagle, a send smaller than a packet waits while data is in flight for its acknowledgement, which the peer may
 *     delay by up to its max_ack_delay; measured on loopback ({@code scripts/bench-nagle}, this machine), a request
 *     written in two sends then answered made 36-39 round trips/s with Nagle against 13,500-14,300 without (the peer's
 *     25 ms delayed ACK per round trip), a request in one send the same 11,800-13,600 either way, and 100-byte sends
 *     streamed 128-142 MiB/s with Nagle against 40-41 without (6x fewer packets). The stall costs more than the
 *     packets save, and a sender of many small writes gets the packets back with {@link StreamFlags#MORE} (the cork)
 *     or by turning Nagle on here
 * @param receiveSessionTicket how long a client's {@code QuicHandshake.clientHandshake} waits after the handshake for
 *     the server's NewSessionTicket (then readable as {@link QuicSocketOptions#SESSION_TICKET}): zero (the default)
 *     does not wait; at most 255 s (the kernel's u8 of seconds). The wait ends early when a ticket comes, and a server
 *     that sends none only delays the return, never fails it
 * @param certificateRequest whether a server's handshake asks for a client certificate; default
 *     {@link CertificateRequest#NONE}. {@code QuicHandshake.serverHandshake} applies it when its TLS configuration asks
 *     for none, checking the client's chain with the configuration's client certificate validator, else the system's
 *     trust store
 * @param keepAliveInterval send a PING after this long without sending anything ack-eliciting, so that an idle
 *     connection does not time out ({@code keepAliveMillis}): zero is off (the default); otherwise 1.5 s (the
 *     kernel's QUIC_MIN_PATH_TIMEOUT) to 2^32 - 1 microseconds, whole milliseconds
 * @param disableCompatibleVersion no compatible version negotiation (RFC 9368 §2.3;
 *     {@code compatibleVersionNegotiation} off): the same setting as {@link LocalTransportParameters}'s field of the
 *     name, where the draft has it; default false
 */
public record QuicConfig(QuicVersion version, Duration plpmtudProbeInterval, Duration initialSmoothedRtt,
                         PayloadCipher payloadCipher, CongestionAlgorithm congestionControl,
                         boolean validatePeerAddress, boolean streamDataNodelay, Duration receiveSessionTicket,
                         CertificateRequest certificateRequest, Duration keepAliveInterval,
                         boolean disableCompatibleVersion) {

    /** The largest datagram path MTU discovery probes for when the CONFIG option turns it on: QUIC_MAX_PLPMTU. */
    static final int PLPMTUD_CEILING = 9000;

    /** @throws NullPointerException for a null field */
    public QuicConfig {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(plpmtudProbeInterval, "plpmtudProbeInterval");
        Objects.requireNonNull(initialSmoothedRtt, "initialSmoothedRtt");
        Objects.requireNonNull(payloadCipher, "payloadCipher");
        Objects.requireNonNull(congestionControl, "congestionControl");
        Objects.requireNonNull(receiveSessionTicket, "receiveSessionTicket");
        Objects.requireNonNull(certificateRequest, "certificateRequest");
        Objects.requireNonNull(keepAliveInterval, "keepAliveInterval");
    }

    /** {@return the configuration of {@code config} and of the socket's own fields in {@code table}} */
    static QuicConfig of(ConnectionConfig config, SocketOptionTable table) {
        return new QuicConfig(config.version(),
                config.pathMtuCeiling() == 0 ? Duration.ZERO : Duration.ofMillis(config.pathMtuProbeIntervalMillis()),
                Duration.ofMillis(config.initialRttMillis()), table.payloadCipher(), config.congestionAlgorithm(),
                table.addressValidation().alwaysRetry(), table.streamDataNodelay(), table.receiveSessionTicket(),
                table.certificateRequest(), Duration.ofMillis(config.keepAliveMillis()),
                !config.compatibleVersionNegotiation());
    }

    /**
     * Checks every field against the range of the kernel module's quic_config_check_and_copy (see the fields).
     *
     * @throws IllegalArgumentException naming the first field out of its range (the kernel's EINVAL)
     */
    void check() {
        OptionRanges.zeroOrRange("plpmtud_probe_interval", plpmtudProbeInterval, OptionRanges.MIN_PLPMTUD_INTERVAL,
                OptionRanges.MAX_PLPMTUD_INTERVAL);
        OptionRanges.wholeMillis("plpmtud_probe_interval", plpmtudProbeInterval);
        OptionRanges.range("initial_smoothed_rtt", initialSmoothedRtt, OptionRanges.MIN_INITIAL_RTT,
                OptionRanges.MAX_INITIAL_RTT);
        OptionRanges.wholeMillis("initial_smoothed_rtt", initialSmoothedRtt);
        if (payloadCipher == PayloadCipher.AES_128_CCM) {
            throw new IllegalArgumentException("payload_cipher_type AES_128_CCM: the JDK has no AES-CCM cipher, so "
                    + "qsock cannot protect packets with TLS_AES_128_CCM_SHA256");
        }
        OptionRanges.range("receive_session_ticket", receiveSessionTicket, Duration.ZERO,
                OptionRanges.MAX_RECEIVE_SESSION_TICKET);
        OptionRanges.zeroOrRange("keepalive_probe_interval", keepAliveInterval, OptionRanges.MIN_KEEPALIVE,
                OptionRanges.MAX_KEEPALIVE);
        OptionRanges.wholeMillis("keepalive_probe_interval", keepAliveInterval);
    }

    /** {@return {@code config} with this configuration's connection settings} Call {@link #check()} first. */
    ConnectionConfig applyTo(ConnectionConfig config) {
        ConnectionConfig.Builder b = config.toBuilder()
                .version(version)
                .initialRttMillis(initialSmoothedRtt.toMillis())
                .congestionAlgorithm(congestionControl)
                .keepAliveMillis(keepAliveInterval.toMillis())
                .compatibleVersionNegotiation(!disableCompatibleVersion);
        if (plpmtudProbeInterval.isZero()) {
            b.pathMtuCeiling(0);
        } else {
            b.pathMtuProbeIntervalMillis(plpmtudProbeInterval.toMillis());
            if (config.pathMtuCeiling() == 0) {
                b.pathMtuCeiling(Math.max(PLPMTUD_CEILING, config.maxDatagramSize()));
            }
        }
        return b.build();
    }

    /** {@return this configuration with {@code v} as the version} */
    public QuicConfig withVersion(QuicVersion v) {
        return new QuicConfig(v, plpmtudProbeInterval, initialSmoothedRtt, payloadCipher, congestionControl,
                validatePeerAddress, streamDataNodelay, receiveSessionTicket, certificateRequest, keepAliveInterval,
                disableCompatibleVersion);
    }

    /** {@return this configuration with {@code v} as the path MTU probe interval} */
    public QuicConfig withPlpmtudProbeInterval(Duration v) {
        return new QuicConfig(version, v, initialSmoothedRtt, payloadCipher, congestionControl,
                validatePeerAddress, streamDataNodelay, receiveSessionTicket, certificateRequest, keepAliveInterval,
                disableCompatibleVersion);
    }

    /** {@return this configuration with {@code v} as the initial smoothed RTT} */
    public QuicConfig withInitialSmoothedRtt(Duration v) {
        return new QuicConfig(version, plpmtudProbeInterval, v, payloadCipher, congestionControl,
                validatePeerAddress, streamDataNodelay, receiveSessionTicket, certificateRequest, keepAliveInterval,
                disableCompatibleVersion);
    }

    /** {@return this configuration with {@code v} as the payload cipher} */
    public QuicConfig withPayloadCipher(PayloadCipher v) {
        return new QuicConfig(version, plpmtudProbeInterval, initialSmoothedRtt, v, congestionControl,
                validatePeerAddress, streamDataNodelay, receiveSessionTicket, certificateRequest, keepAliveInterval,
                disableCompatibleVersion);
    }

    /** {@return this configuration with {@code v} as the congestion controller} */
    public QuicConfig withCongestionControl(CongestionAlgorithm v) {
        return new QuicConfig(version, plpmtudProbeInterval, initialSmoothedRtt, payloadCipher, v,
                validatePeerAddress, streamDataNodelay, receiveSessionTicket, certificateRequest, keepAliveInterval,
                disableCompatibleVersion);
    }

    /** {@return this configuration validating peer addresses or not} */
    public QuicConfig withValidatePeerAddress(boolean v) {
        return new QuicConfig(version, plpmtudProbeInterval, initialSmoothedRtt, payloadCipher, congestionControl,
                v, streamDataNodelay, receiveSessionTicket, certificateRequest, keepAliveInterval,
                disableCompatibleVersion);
    }

    /** {@return this configuration with stream data no-delay on or off} */
    public QuicConfig withStreamDataNodelay(boolean v) {
        return new QuicConfig(version, plpmtudProbeInterval, initialSmoothedRtt, payloadCipher, congestionControl,
                validatePeerAddress, v, receiveSessionTicket, certificateRequest, keepAliveInterval,
                disableCompatibleVersion);
    }

    /** {@return this configuration waiting {@code v} for a session ticket} */
    public QuicConfig withReceiveSessionTicket(Duration v) {
        return new QuicConfig(version, plpmtudProbeInterval, initialSmoothedRtt, payloadCipher, congestionControl,
                validatePeerAddress, streamDataNodelay, v, certificateRequest, keepAliveInterval,
                disableCompatibleVersion);
    }

    /** {@return this configuration with {@code v} as the certificate request} */
    public QuicConfig withCertificateRequest(CertificateRequest v) {
        return new QuicConfig(version, plpmtudProbeInterval, initialSmoothedRtt, payloadCipher, congestionControl,
                validatePeerAddress, streamDataNodelay, receiveSessionTicket, v, keepAliveInterval,
                disableCompatibleVersion);
    }

    /** {@return this configuration with {@code v} as the keep-alive interval} */
    public QuicConfig withKeepAliveInterval(Duration v) {
        return new QuicConfig(version, plpmtudProbeInterval, initialSmoothedRtt, payloadCipher, congestionControl,
                validatePeerAddress, streamDataNodelay, receiveSessionTicket, certificateRequest, v,
                disableCompatibleVersion);
    }

    /** {@return this configuration with compatible version negotiation disabled or not} */
    public QuicConfig withDisableCompatibleVersion(boolean v) {
        return new QuicConfig(version, plpmtudProbeInterval, initialSmoothedRtt, payloadCipher, congestionControl,
                validatePeerAddress, streamDataNodelay, receiveSessionTicket, certificateRequest, keepAliveInterval, v);
    }
}
