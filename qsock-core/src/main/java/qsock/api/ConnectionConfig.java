package qsock.api;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The transport settings of one connection. Defaults follow the Linux kernel module (see
 * KERNEL-BEHAVIOURS.md) where it has one: 30 s idle timeout, 25 ms max_ack_delay, ack_delay_exponent 3,
 * active_connection_id_limit 7, 2 MiB connection and 1 MiB stream windows, NewReno; 1 MiB send buffers per
 * stream and 4 MiB per connection.
 *
 * @param version the QUIC version a client starts with
 * @param versions the versions this end speaks, in descending preference, {@code version} among them (RFC 9368
 *     §2): a client's Available Versions (it starts over with the first of them a Version Negotiation packet lists,
 *     and a server may move it to any of them by compatible negotiation, RFC 9368 §2.3: a client that starts with
 *     {@code version} but lists another first asks for that move); a server's Acceptable, Offered and Fully Deployed
 *     Versions: it moves a client to the first of them that both rank above the client's Chosen Version. By
 *     default {@code version} followed by every other version qsock speaks
 * @param maxIdleTimeoutMillis max_idle_timeout we advertise; 0 disables ours (the peer's may still apply)
 * @param maxAckDelayMillis max_ack_delay we advertise and keep to
 * @param ackDelayExponent ack_delay_exponent we advertise and encode with
 * @param activeConnectionIdLimit how many of the peer's connection IDs we keep (2..8)
 * @param connectionIdLength the length of the connection IDs we issue (1..20; endpoints need at least 4
 *     to route)
 * @param maxUdpPayloadSize max_udp_payload_size we advertise (the largest datagram we accept)
 * @param maxDatagramSize the largest UDP payload we send, at least 1200; without path MTU discovery it
 *     stays what is configured (and at most what the peer accepts)
 * @param pathMtuCeiling 0 turns path MTU discovery off (the default, as in the kernel module); otherwise the
 *     largest UDP payload it probes for (RFC 9000 §14.3), from {@code maxDatagramSize} up (the kernel probes up
 *     to 9000; loopback carries 65527); the peer's max_udp_payload_size lowers it
 * @param initialMaxData our connection receive window at the start
 * @param initialMaxStreamDataBidiLocal our receive window at the start of each bidirectional stream we open
 *     (initial_max_stream_data_bidi_local, RFC 9000 §18.2)
 * @param initialMaxStreamDataBidiRemote our receive window at the start of each bidirectional stream the peer opens
 *     (initial_max_stream_data_bidi_remote)
 * @param initialMaxStreamDataUni our receive window at the start of each unidirectional stream the peer opens
 *     (initial_max_stream_data_uni)
 * @param maxConnectionWindow the cap to which the connection receive window may grow with the measured
 *     bandwidth-delay product
 * @param maxStreamWindow the cap to which a stream receive window may grow, at least the largest of the three
 *     initial stream windows
 * @param maxStreamsBidi how many bidirectional streams the peer may have open at once
 * @param maxStreamsUni how many unidirectional streams the peer may have open at once
 * @param streamSendBufferSize bytes an application may queue on one stream, acknowledgement pending, before
 *     writes on it are refused (they wait, or take part)
 * @param connectionSendBufferSize bytes an application may queue on all streams of the connection together,
 *     acknowledgement pending, before writes are refused; shared fairly among the streams that wait for room
 *     (see {@code StreamManager}). The default, 4 MiB, is four streams' buffers and the cap Linux puts on a
 *     TCP socket's auto-tuned send buffer (tcp_wmem); the kernel's QUIC module sizes its connection-wide
 *     sk_sndbuf from the congestion window instead (2 or 4 cwnd). A single bulk stream is held back by its
 *     own buffer first
 * @param congestionAlgorithm the congestion controller
 * @param initialRttMillis the RTT assumed before the first sample (RFC 9002 §6.2.2)
 * @param keepAliveMillis send a PING after this long without sending anything ack-eliciting; 0 is off
 * @param greaseQuicBit advertise grease_quic_bit (RFC 9287) and grease the fixed bit when the peer does too
 * @param maxDatagramFrameSize 0 (the default, as in the kernel module) turns RFC 9221 datagrams off; otherwise
 *     the largest DATAGRAM frame we accept, advertised as max_datagram_frame_size (at least 1200 here, so that
 *     a datagram of a minimal packet's size is always possible)
 * @param keyUpdateInterval packets sealed with one 1-RTT write key before this side starts a key update
 *     (RFC 9001 §6.6: AES-GCM's confidentiality limit is 2^23 packets; the default is half that), 1 to 2^23
 * @param maxCryptoBuffer bytes of out-of-order CRYPTO data buffered per level before
 *     CRYPTO_BUFFER_EXCEEDED (RFC 9000 §7.5: at least 4096)
 * @param halfRttData a server's 0.5-RTT data, off by default: with it on, a server may send stream data and
 *     DATAGRAM frames in 1-RTT packets as soon as its Finished is queued, before the client's Finished arrived
 *     (RFC 9001 §4.1.1, §5.7; RFC 9000 §7), so that the answer to a 0-RTT request leaves one round trip sooner.
 *     The risk is the application's to weigh: until the client's Finished arrives the client is not authenticated
 *     (a server asking for a client certificate has not seen it; RFC 9001 §4.1.1, RFC 8446 §4.4.4), and the data
 *     may go to a peer that never completes the handshake. The anti-amplification limit still holds for an
 *     unvalidated client address (RFC 9000 §8.1), as do flow and congestion control; the client's 1-RTT packets
 *     are still not processed before the handshake completes (RFC 9001 §5.7). Ignored by a client
 * @param disableActiveMigration send the disable_active_migration transport parameter (RFC 9000 §18.2): the peer
 *     must then not move the connection to another of its addresses on its own (§9), though NAT rebinding may still
 *     do it. Off by default, as in the kernel module, whose transport parameter defaults to 0
 * @param preferredAddressIpv4 a server's preferred IPv4 address (RFC 9000 §9.6, §18.2), or null: with it or
 *     {@link #preferredAddressIpv6()}, the server sends the preferred_address transport parameter with a connection
 *     ID of its own (sequence number 1), and its owner must receive there too. Ignored by a client; not with
 *     zero-length connection IDs
 * @param preferredAddressIpv6 a server's preferred IPv6 address, or null; as {@code preferredAddressIpv4}
 * @param migrateToPreferredAddress whether a client moves to the server's preferred address of its own address
 *     family once the handshake is confirmed (RFC 9000 §9.6.1), after validating it; the old address serves until
 *     then. On by default: the server asked for it
 * @param ecn whether the connection uses ECN (RFC 9000 §13.4) when its runtime can read and set the ECN codepoint of
 *     datagrams (a runtime says so with {@code QuicEndpoint.setEcnCapable}): it marks ECT(0) and validates the path
 *     (§13.4.2). On by default; a runtime that cannot (the NIO one) leaves ECN off whatever this says. Received
 *     codepoints a runtime passes are counted and reported in ACK frames either way (§13.4.1)
 * @param statelessReset whether a server sends the stateless_reset_token transport parameter for the connection ID
 *     of its handshake (RFC 9000 §10.3, §18.2; the socket draft's {@code stateless_reset}). On by default, unlike the
 *     kernel module's 0: without it a client whose server lost the connection's state learns so only at its idle
 *     timeout, since the reset token of the handshake's connection ID travels only here. Ignored by a client (RFC
 *     9000 §18.2: a client must not send it)
 * @param compatibleVersionNegotiation whether compatible version negotiation (RFC 9368 §2.3) may move the connection
 *     to another of {@code versions}: a client lists them all as its Available Versions and follows a server that
 *     moves it, a server moves a client to the version it prefers. Off (the socket draft's
 *     {@code disable_compatible_version}), a client lists only the version it starts with and follows no move, and a
 *     server lists only the version in use and keeps every client on the version it came with; version_information is
 *     still sent and checked, as RFC
 *     9369 §4 requires of an endpoint that speaks version 2 and as downgrade detection needs (RFC 9368 §4), where the
 *     kernel module leaves the parameter out. On by default
 * @param pathMtuProbeIntervalMillis the socket draft's {@code plpmtud_probe_interval} while path MTU discovery is on
 *     ({@code pathMtuCeiling} not 0): once a search settled below its ceiling, it probes above its result again
 *     30 times this interval later (RFC 8899 §5.1.1 PMTU_RAISE_TIMER; 30 is the kernel module's factor). Within a
 *     search the next probe leaves as soon as the previous one is acknowledged or declared lost, as the kernel module
 *     does. Default 20 s, so that the raise timer is RFC 8899's 600 s; 1 ms to one hour
 */
public record ConnectionConfig(
        QuicVersion version,
        List<QuicVersion> versions,
        long maxIdleTimeoutMillis,
        long maxAckDelayMillis,
        int ackDelayExponent,
        int activeConnectionIdLimit,
        int connectionIdLength,
        int maxUdpPayloadSize,
        int maxDatagramSize,
        int pathMtuCeiling,
        long initialMaxData,
        long initialMaxStreamDataBidiLocal,
        long initialMaxStreamDataBidiRemote,
        long initialMaxStreamDataUni,
        long maxConnectionWindow,
        long maxStreamWindow,
        long maxStreamsBidi,
        long maxStreamsUni,
        int streamSendBufferSize,
        int connectionSendBufferSize,
        CongestionAlgorithm congestionAlgorithm,
        long initialRttMillis,
        long keepAliveMillis,
        boolean greaseQuicBit,
        int maxDatagramFrameSize,
        long keyUpdateInterval,
        int maxCryptoBuffer,
        boolean halfRttData,
        boolean disableActiveMigration,
        InetSocketAddress preferredAddressIpv4,
        InetSocketAddress preferredAddressIpv6,
        boolean migrateToPreferredAddress,
        boolean ecn,
        boolean statelessReset,
        boolean compatibleVersionNegotiation,
        long pathMtuProbeIntervalMillis) {

    /** The smallest datagram every QUIC path carries (RFC 9000 §14). */
    public static final int MIN_DATAGRAM_SIZE = 1200;

    /**
     * Checks the settings.
     *
     * @throws IllegalArgumentException for a value out of its range
     */
    public ConnectionConfig {
        Objects.requireNonNull(version, "version");
        versions = List.copyOf(versions);
        if (preferredAddressIpv4 != null && (preferredAddressIpv4.isUnresolved()
                || !(preferredAddressIpv4.getAddress() instanceof java.net.Inet4Address))) {
            throw new IllegalArgumentException("not a resolved IPv4 address: " + preferredAddressIpv4);
        }
        if (preferredAddressIpv6 != null && (preferredAddressIpv6.isUnresolved()
                || !(preferredAddressIpv6.getAddress() instanceof java.net.Inet6Address))) {
            throw new IllegalArgumentException("not a resolved IPv6 address: " + preferredAddressIpv6);
        }
        if (versions.isEmpty() || !versions.contains(version) || versions.stream().distinct().count() != versions.size()) {
            throw new IllegalArgumentException("versions must list " + version + " and no version twice: " + versions);
        }
        Objects.requireNonNull(congestionAlgorithm, "congestionAlgorithm");
        check(maxIdleTimeoutMillis >= 0, "maxIdleTimeoutMillis", maxIdleTimeoutMillis);
        check(maxAckDelayMillis >= 0 && maxAckDelayMillis < 1 << 14, "maxAckDelayMillis", maxAckDelayMillis);
        check(ackDelayExponent >= 0 && ackDelayExponent <= 20, "ackDelayExponent", ackDelayExponent);
        check(activeConnectionIdLimit >= 2 && activeConnectionIdLimit <= 8, "activeConnectionIdLimit",
                activeConnectionIdLimit);
        check(connectionIdLength >= 1 && connectionIdLength <= 20, "connectionIdLength", connectionIdLength);
        check(maxUdpPayloadSize >= MIN_DATAGRAM_SIZE && maxUdpPayloadSize <= 65527, "maxUdpPayloadSize",
                maxUdpPayloadSize);
        check(maxDatagramSize >= MIN_DATAGRAM_SIZE && maxDatagramSize <= 65527, "maxDatagramSize",
                maxDatagramSize);
        check(pathMtuCeiling == 0 || pathMtuCeiling >= maxDatagramSize && pathMtuCeiling <= 65527,
                "pathMtuCeiling", pathMtuCeiling);
        check(initialMaxData >= 0, "initialMaxData", initialMaxData);
        check(initialMaxStreamDataBidiLocal >= 0, "initialMaxStreamDataBidiLocal", initialMaxStreamDataBidiLocal);
        check(initialMaxStreamDataBidiRemote >= 0, "initialMaxStreamDataBidiRemote", initialMaxStreamDataBidiRemote);
        check(initialMaxStreamDataUni >= 0, "initialMaxStreamDataUni", initialMaxStreamDataUni);
        check(maxConnectionWindow >= initialMaxData, "maxConnectionWindow", maxConnectionWindow);
        check(maxStreamWindow >= Math.max(initialMaxStreamDataUni,
                Math.max(initialMaxStreamDataBidiLocal, initialMaxStreamDataBidiRemote)), "maxStreamWindow",
                maxStreamWindow);
        check(maxStreamsBidi >= 0 && maxStreamsBidi <= 1L << 60, "maxStreamsBidi", maxStreamsBidi);
        check(maxStreamsUni >= 0 && maxStreamsUni <= 1L << 60, "maxStreamsUni", maxStreamsUni);
        check(streamSendBufferSize > 0, "streamSendBufferSize", streamSendBufferSize);
        check(connectionSendBufferSize > 0, "connectionSendBufferSize", connectionSendBufferSize);
        check(initialRttMillis > 0, "initialRttMillis", initialRttMillis);
        check(keepAliveMillis >= 0, "keepAliveMillis", keepAliveMillis);
        check(maxDatagramFrameSize == 0 || maxDatagramFrameSize >= MIN_DATAGRAM_SIZE && maxDatagramFrameSize <= 65535,
                "maxDatagramFrameSize", maxDatagramFrameSize);
        check(keyUpdateInterval >= 1 && keyUpdateInterval <= 1L << 23, "keyUpdateInterval", keyUpdateInterval);
        check(maxCryptoBuffer >= 4096, "maxCryptoBuffer", maxCryptoBuffer);
        check(pathMtuProbeIntervalMillis >= 1 && pathMtuProbeIntervalMillis <= 3_600_000, "pathMtuProbeIntervalMillis",
                pathMtuProbeIntervalMillis);
    }

    private static void check(boolean ok, String name, long value) {
        if (!ok) {
            throw new IllegalArgumentException(name + " out of range: " + value);
        }
    }

    /** {@return {@code version} followed by every other version qsock speaks} */
    private static List<QuicVersion> defaultVersions(QuicVersion version) {
        List<QuicVersion> list = new ArrayList<>(List.of(version));
        for (QuicVersion v : QuicVersion.values()) {
            if (v != version) {
                list.add(v);
            }
        }
        return List.copyOf(list);
    }

    /** {@return the defaults} */
    public static ConnectionConfig defaults() {
        return new Builder().build();
    }

    /** {@return a builder starting from the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from these settings} */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds a {@link ConnectionConfig}; every setter has the meaning of the record component of its name. */
    public static final class Builder {
        private QuicVersion version = QuicVersion.V1;
        /** Null for the default: {@code version} first, then the others. */
        private List<QuicVersion> versions;
        private long maxIdleTimeoutMillis = 30_000;
        private long maxAckDelayMillis = 25;
        private int ackDelayExponent = 3;
        private int activeConnectionIdLimit = 7;
        private int connectionIdLength = 8;
        private int maxUdpPayloadSize = 65527;
        private int maxDatagramSize = MIN_DATAGRAM_SIZE;
        private int pathMtuCeiling;
        private long initialMaxData = 2L << 20;
        private long initialMaxStreamDataBidiLocal = 1L << 20;
        private long initialMaxStreamDataBidiRemote = 1L << 20;
        private long initialMaxStreamDataUni = 1L << 20;
        private long maxConnectionWindow = 24L << 20;
        private long maxStreamWindow = 16L << 20;
        private long maxStreamsBidi = 100;
        private long maxStreamsUni = 100;
        private int streamSendBufferSize = 1 << 20;
        private int connectionSendBufferSize = 4 << 20;
        private CongestionAlgorithm congestionAlgorithm = CongestionAlgorithm.NEW_RENO;
        private long initialRttMillis = 333;
        private long keepAliveMillis;
        private boolean greaseQuicBit = true;
        private int maxDatagramFrameSize;
        private long keyUpdateInterval = 1L << 22;
        private int maxCryptoBuffer = 64 * 1024;
        private boolean halfRttData;
        private boolean disableActiveMigration;
        private InetSocketAddress preferredAddressIpv4;
        private InetSocketAddress preferredAddressIpv6;
        private boolean migrateToPreferredAddress = true;
        private boolean ecn = true;
        private boolean statelessReset = true;
        private boolean compatibleVersionNegotiation = true;
        private long pathMtuProbeIntervalMillis = 20_000;

        Builder() {}

        Builder(ConnectionConfig c) {
            version = c.version;
            // The default list follows the version; only a list of the caller's own stays as it is.
            versions = c.versions.equals(defaultVersions(c.version)) ? null : c.versions;
            maxIdleTimeoutMillis = c.maxIdleTimeoutMillis;
            maxAckDelayMillis = c.maxAckDelayMillis;
            ackDelayExponent = c.ackDelayExponent;
            activeConnectionIdLimit = c.activeConnectionIdLimit;
            connectionIdLength = c.connectionIdLength;
            maxUdpPayloadSize = c.maxUdpPayloadSize;
            maxDatagramSize = c.maxDatagramSize;
            pathMtuCeiling = c.pathMtuCeiling;
            initialMaxData = c.initialMaxData;
            initialMaxStreamDataBidiLocal = c.initialMaxStreamDataBidiLocal;
            initialMaxStreamDataBidiRemote = c.initialMaxStreamDataBidiRemote;
            initialMaxStreamDataUni = c.initialMaxStreamDataUni;
            maxConnectionWindow = c.maxConnectionWindow;
            maxStreamWindow = c.maxStreamWindow;
            maxStreamsBidi = c.maxStreamsBidi;
            maxStreamsUni = c.maxStreamsUni;
            streamSendBufferSize = c.streamSendBufferSize;
            connectionSendBufferSize = c.connectionSendBufferSize;
            congestionAlgorithm = c.congestionAlgorithm;
            initialRttMillis = c.initialRttMillis;
            keepAliveMillis = c.keepAliveMillis;
            greaseQuicBit = c.greaseQuicBit;
            maxDatagramFrameSize = c.maxDatagramFrameSize;
            keyUpdateInterval = c.keyUpdateInterval;
            maxCryptoBuffer = c.maxCryptoBuffer;
            halfRttData = c.halfRttData;
            disableActiveMigration = c.disableActiveMigration;
            preferredAddressIpv4 = c.preferredAddressIpv4;
            preferredAddressIpv6 = c.preferredAddressIpv6;
            migrateToPreferredAddress = c.migrateToPreferredAddress;
            ecn = c.ecn;
            statelessReset = c.statelessReset;
            compatibleVersionNegotiation = c.compatibleVersionNegotiation;
            pathMtuProbeIntervalMillis = c.pathMtuProbeIntervalMillis;
        }

        /** @return this */ public Builder version(QuicVersion v) { version = v; return this; }
        /** @return this, with these versions in descending preference (see {@link ConnectionConfig#versions()}) */
        public Builder versions(QuicVersion... v) { versions = List.of(v); return this; }
        /** @return this */ public Builder maxIdleTimeoutMillis(long v) { maxIdleTimeoutMillis = v; return this; }
        /** @return this */ public Builder maxAckDelayMillis(long v) { maxAckDelayMillis = v; return this; }
        /** @return this */ public Builder ackDelayExponent(int v) { ackDelayExponent = v; return this; }
        /** @return this */ public Builder activeConnectionIdLimit(int v) { activeConnectionIdLimit = v; return this; }
        /** @return this */ public Builder connectionIdLength(int v) { connectionIdLength = v; return this; }
        /** @return this */ public Builder maxUdpPayloadSize(int v) { maxUdpPayloadSize = v; return this; }
        /** @return this */ public Builder maxDatagramSize(int v) { maxDatagramSize = v; return this; }
        /** @return this */ public Builder pathMtuCeiling(int v) { pathMtuCeiling = v; return this; }
        /** @return this */ public Builder initialMaxData(long v) { initialMaxData = v; return this; }
        /** @return this, with all three initial stream windows {@code v} */
        public Builder initialMaxStreamData(long v) {
            initialMaxStreamDataBidiLocal = v;
            initialMaxStreamDataBidiRemote = v;
            initialMaxStreamDataUni = v;
            return this;
        }
        /** @return this */ public Builder initialMaxStreamDataBidiLocal(long v) { initialMaxStreamDataBidiLocal = v; return this; }
        /** @return this */ public Builder initialMaxStreamDataBidiRemote(long v) { initialMaxStreamDataBidiRemote = v; return this; }
        /** @return this */ public Builder initialMaxStreamDataUni(long v) { initialMaxStreamDataUni = v; return this; }
        /** @return this */ public Builder maxConnectionWindow(long v) { maxConnectionWindow = v; return this; }
        /** @return this */ public Builder maxStreamWindow(long v) { maxStreamWindow = v; return this; }
        /** @return this */ public Builder maxStreamsBidi(long v) { maxStreamsBidi = v; return this; }
        /** @return this */ public Builder maxStreamsUni(long v) { maxStreamsUni = v; return this; }
        /** @return this */ public Builder streamSendBufferSize(int v) { streamSendBufferSize = v; return this; }
        /** @return this */ public Builder connectionSendBufferSize(int v) { connectionSendBufferSize = v; return this; }
        /** @return this */ public Builder congestionAlgorithm(CongestionAlgorithm v) { congestionAlgorithm = v; return this; }
        /** @return this */ public Builder initialRttMillis(long v) { initialRttMillis = v; return this; }
        /** @return this */ public Builder keepAliveMillis(long v) { keepAliveMillis = v; return this; }
        /** @return this */ public Builder greaseQuicBit(boolean v) { greaseQuicBit = v; return this; }
        /** @return this */ public Builder maxDatagramFrameSize(int v) { maxDatagramFrameSize = v; return this; }
        /** @return this */ public Builder keyUpdateInterval(long v) { keyUpdateInterval = v; return this; }
        /** @return this */ public Builder maxCryptoBuffer(int v) { maxCryptoBuffer = v; return this; }
        /** @return this, a server sending 0.5-RTT data or not (see {@link ConnectionConfig#halfRttData()}) */
        public Builder halfRttData(boolean v) { halfRttData = v; return this; }
        /** @return this, sending disable_active_migration or not (see {@link ConnectionConfig#disableActiveMigration()}) */
        public Builder disableActiveMigration(boolean v) { disableActiveMigration = v; return this; }
        /**
         * @return this, a server offering these preferred addresses, either may be null (see {@link
         *     ConnectionConfig#preferredAddressIpv4()})
         */
        public Builder preferredAddress(InetSocketAddress ipv4, InetSocketAddress ipv6) {
            preferredAddressIpv4 = ipv4;
            preferredAddressIpv6 = ipv6;
            return this;
        }
        /** @return this, a client moving to a server's preferred address or not (see {@link ConnectionConfig#migrateToPreferredAddress()}) */
        public Builder migrateToPreferredAddress(boolean v) { migrateToPreferredAddress = v; return this; }
        /** @return this, using ECN where the runtime can or not (see {@link ConnectionConfig#ecn()}) */
        public Builder ecn(boolean v) { ecn = v; return this; }
        /** @return this, a server sending stateless_reset_token or not (see {@link ConnectionConfig#statelessReset()}) */
        public Builder statelessReset(boolean v) { statelessReset = v; return this; }
        /**
         * @return this, with compatible version negotiation on or off (see
         *     {@link ConnectionConfig#compatibleVersionNegotiation()})
         */
        public Builder compatibleVersionNegotiation(boolean v) { compatibleVersionNegotiation = v; return this; }
        /** @return this (see {@link ConnectionConfig#pathMtuProbeIntervalMillis()}) */
        public Builder pathMtuProbeIntervalMillis(long v) { pathMtuProbeIntervalMillis = v; return this; }

        /** {@return the settings} @throws IllegalArgumentException for a value out of its range */
        public ConnectionConfig build() {
            return new ConnectionConfig(version, versions == null ? defaultVersions(version) : versions, maxIdleTimeoutMillis, maxAckDelayMillis, ackDelayExponent,
                    activeConnectionIdLimit, connectionIdLength, maxUdpPayloadSize, maxDatagramSize, pathMtuCeiling,
                    initialMaxData, initialMaxStreamDataBidiLocal, initialMaxStreamDataBidiRemote,
                    initialMaxStreamDataUni, maxConnectionWindow, maxStreamWindow, maxStreamsBidi,
                    maxStreamsUni, streamSendBufferSize, connectionSendBufferSize, congestionAlgorithm, initialRttMillis,
                    keepAliveMillis, greaseQuicBit, maxDatagramFrameSize, keyUpdateInterval, maxCryptoBuffer, halfRttData,
                    disableActiveMigration, preferredAddressIpv4, preferredAddressIpv6, migrateToPreferredAddress,
                    ecn, statelessReset, compatibleVersionNegotiation, pathMtuProbeIntervalMillis);
        }
    }
}
