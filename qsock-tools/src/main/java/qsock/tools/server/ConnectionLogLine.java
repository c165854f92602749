package qsock.tools.server;

import java.net.SocketAddress;
import qsock.api.QuicVersion;
import qsock.core.handshake.CipherSuite;
import qsock.tls.PskMode;
import qsock.tools.term.Units;

/**
 * The one line a server logs per connection, when it ends.
 *
 * @param peer the client's address
 * @param applicationProtocol the ALPN protocol negotiated, or null when the handshake did not get that far
 * @param cipherSuite the TLS cipher suite of the 1-RTT keys, or null when the handshake did not get that far
 * @param durationNanos from accept to close
 * @param bytesReceived stream bytes from the client
 * @param bytesSent stream bytes to the client
 * @param outcome how it ended: the close reason, or the failure
 * @param clientCertificate the subject of the certificate the client authenticated with (RFC 2253 form, peer
 *     text escaped), or null when it showed none
 * @param pskIdentity the identity of the external pre-shared key the client authenticated with (RFC 8446
 *     §4.2.11; escaped, as the client chose it), or null when it used none; never the key
 * @param pskMode how that key established the connection's keys (RFC 8446 §4.2.9), or null without one
 * @param version the QUIC version the connection ended up speaking, or null when unknown
 * @param resumed true when the handshake resumed a session with a ticket (RFC 8446 §2.2)
 * @param earlyDataAccepted whether the server took the client's 0-RTT data (RFC 9001 §4.6): null when none was
 *     offered
 */
public record ConnectionLogLine(SocketAddress peer, String applicationProtocol, CipherSuite cipherSuite,
                                long durationNanos, long bytesReceived, long bytesSent, String outcome,
                                String clientCertificate, String pskIdentity, PskMode pskMode, QuicVersion version,
                                boolean resumed, Boolean earlyDataAccepted) {

    /** A line for a connection that did not resume, sent no early data and spoke the first version. */
    public ConnectionLogLine(SocketAddress peer, String applicationProtocol, CipherSuite cipherSuite,
                             long durationNanos, long bytesReceived, long bytesSent, String outcome,
                             String clientCertificate, String pskIdentity, PskMode pskMode) {
        this(peer, applicationProtocol, cipherSuite, durationNanos, bytesReceived, bytesSent, outcome,
                clientCertificate, pskIdentity, pskMode, null, false, null);
    }

    /** A line for a client that used no pre-shared key. */
    public ConnectionLogLine(SocketAddress peer, String applicationProtocol, CipherSuite cipherSuite,
                             long durationNanos, long bytesReceived, long bytesSent, String outcome,
                             String clientCertificate) {
        this(peer, applicationProtocol, cipherSuite, durationNanos, bytesReceived, bytesSent, outcome,
                clientCertificate, null, null);
    }

    /** A line for a client that showed no certificate. */
    public ConnectionLogLine(SocketAddress peer, String applicationProtocol, CipherSuite cipherSuite,
                             long durationNanos, long bytesReceived, long bytesSent, String outcome) {
        this(peer, applicationProtocol, cipherSuite, durationNanos, bytesReceived, bytesSent, outcome, null);
    }

    /**
     * {@return the line, e.g. {@code 127.0.0.1:54321 alpn=hq-interop suite=TLS_AES_128_GCM_SHA256 1.204 s in=52 B
     * out=64.0 MiB (53.2 MiB/s) closed: application 0 by peer}}, with {@code client="CN=..."} after the suite when
     * the client showed a certificate, {@code psk="alice" psk_mode=psk_dhe_ke} when it used a pre-shared key,
     * {@code version=v2} when the connection spoke another version than 1, {@code resumed} when it resumed a session
     * and {@code 0rtt=accepted} or {@code 0rtt=rejected} when the client sent early data
     */
    public String format() {
        return Units.address(peer) + " alpn=" + (applicationProtocol == null ? "-" : applicationProtocol)
                + " suite=" + (cipherSuite == null ? "-" : cipherSuite.name()) + " "
                + (clientCertificate == null ? "" : "client=\"" + clientCertificate + "\" ")
                + (pskIdentity == null ? "" : "psk=\"" + pskIdentity + "\" psk_mode="
                        + (pskMode == null ? "-" : pskMode.name().toLowerCase(java.util.Locale.ROOT)) + " ")
                + (version == null || version == QuicVersion.V1 ? ""
                        : "version=" + version.name().toLowerCase(java.util.Locale.ROOT) + " ")
                + (resumed ? "resumed " : "")
                + (earlyDataAccepted == null ? "" : earlyDataAccepted ? "0rtt=accepted " : "0rtt=rejected ")
                + Units.duration(durationNanos) + " in="
                + Units.bytes(bytesReceived) + " out=" + Units.bytes(bytesSent) + " ("
                + Units.rate(bytesReceived + bytesSent, durationNanos) + ") " + outcome;
    }
}
