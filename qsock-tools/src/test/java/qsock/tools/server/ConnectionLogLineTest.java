package qsock.tools.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import qsock.core.handshake.CipherSuite;

class ConnectionLogLineTest {

    @Test
    void formatsPeerProtocolDurationBytesRateAndOutcome() {
        ConnectionLogLine line = new ConnectionLogLine(new InetSocketAddress("127.0.0.1", 54321), "hq-interop",
                CipherSuite.TLS_AES_128_GCM_SHA256,
                2_000_000_000L, 36, 64L << 20, "closed: peer application close 0");
        assertEquals("127.0.0.1:54321 alpn=hq-interop suite=TLS_AES_128_GCM_SHA256 2.000 s in=36 B out=64.0 MiB (32.0 MiB/s) "
                + "closed: peer application close 0", line.format());
    }

    @Test
    void aHandshakeThatFailedHasNoProtocol() {
        ConnectionLogLine line = new ConnectionLogLine(new InetSocketAddress("::1", 1), null, null, 5_000_000L, 0, 0,
                "failed: java.net.SocketTimeoutException: QUIC server handshake timed out");
        assertEquals("[::1]:1 alpn=- suite=- 5.0 ms in=0 B out=0 B (0 B/s) failed: java.net.SocketTimeoutException: "
                + "QUIC server handshake timed out", line.format());
    }

    @Test
    void aClientCertificateIsNamedAfterTheSuite() {
        ConnectionLogLine line = new ConnectionLogLine(new InetSocketAddress("127.0.0.1", 2), "echo",
                CipherSuite.TLS_AES_128_GCM_SHA256, 1_000_000L, 1, 1, "closed", "CN=alice,O=qsock");
        assertEquals("127.0.0.1:2 alpn=echo suite=TLS_AES_128_GCM_SHA256 client=\"CN=alice,O=qsock\" 1.0 ms in=1 B "
                + "out=1 B (2.0 KiB/s) closed", line.format());
    }

    @Test
    void aPreSharedKeyIsNamedByItsIdentityAndMode() {
        ConnectionLogLine line = new ConnectionLogLine(new InetSocketAddress("127.0.0.1", 2), "echo",
                CipherSuite.TLS_AES_128_GCM_SHA256, 1_000_000L, 1, 1, "closed", null, "alice",
                qsock.tls.PskMode.PSK_KE);
        assertEquals("127.0.0.1:2 alpn=echo suite=TLS_AES_128_GCM_SHA256 psk=\"alice\" psk_mode=psk_ke 1.0 ms in=1 B "
                + "out=1 B (2.0 KiB/s) closed", line.format());
    }
}
