package qsock.interop.peer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import qsock.interop.support.Pki;

/** The other QUIC stacks qsock is tested against, as servers and clients. */
public enum Peer {
    /** quiche (Rust, BoringSSL) through Netty's native QUIC codec. */
    QUICHE {
        @Override
        public InteropServer server(Path root) throws IOException {
            try {
                return QuicheServer.start(root);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while starting quiche");
            }
        }

        @Override
        public InteropClient client(InetSocketAddress server, String alpn, Duration timeout) throws IOException {
            return QuicheClient.connect(server, alpn, timeout);
        }

        @Override
        public long largestBody() {
            return 50_000_000;
        }

        @Override
        public int maxUdpPayloadSize() {
            return Quiche.UDP_PAYLOAD;
        }
    },
    /** Kwik 0.10.8 (pure Java, agent15 TLS). */
    KWIK {
        @Override
        public InteropServer server(Path root) throws IOException {
            return KwikServer.start(root);
        }

        @Override
        public InteropClient client(InetSocketAddress server, String alpn, Duration timeout) throws IOException {
            return KwikClient.connect(server, alpn, timeout);
        }

        @Override
        public long largestBody() {
            // PEERS.md: Kwik as a bulk sender may stall after a loss until its idle timeout.
            return 2L << 20;
        }

        @Override
        public int maxUdpPayloadSize() {
            return Kwik.MAX_UDP_PAYLOAD;
        }
    };

    /** Starts this peer's hq-interop and echo server. */
    public abstract InteropServer server(Path root) throws IOException;

    /** Connects this peer's client to {@code server} offering {@code alpn}. */
    public abstract InteropClient client(InetSocketAddress server, String alpn, Duration timeout) throws IOException;

    /** The largest body the tests let this peer send. */
    public abstract long largestBody();

    /** The max_udp_payload_size this peer advertises (RFC 9000 §18.2). */
    public abstract int maxUdpPayloadSize();

    /** Starts this peer's hq-interop and echo server presenting {@code pki}'s chain. */
    public InteropServer server(Path root, Pki pki) throws IOException {
        return switch (this) {
            case QUICHE -> {
                try {
                    yield QuicheServer.start(root, pki);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while starting quiche");
                }
            }
            case KWIK -> KwikServer.start(root, pki);
        };
    }

    /** Connects this peer's client to {@code server} offering {@code alpn}, trusting {@code pki}'s CA alone. */
    public InteropClient client(InetSocketAddress server, String alpn, Duration timeout, Pki pki) throws IOException {
        return switch (this) {
            case QUICHE -> QuicheClient.connectTrusting(pki, server, alpn, timeout);
            case KWIK -> KwikClient.connectTrusting(pki, server, alpn, timeout);
        };
    }

    /** The peer's own log, when it keeps one. */
    public static Path logOf(Object peer) {
        return switch (peer) {
            case KwikServer k -> k.log();
            case KwikClient k -> k.log();
            default -> null;
        };
    }
}
