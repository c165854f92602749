package qsock.interop.peer;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** Settings both quiche peers share (see shared/PEERS.md for why each one is there). */
final class Quiche {
    /** The largest UDP payload quiche sends and accepts; its default 1200 caps throughput. */
    static final int UDP_PAYLOAD = 1452;
    /** UDP socket buffers: loopback drops datagrams when a 2-core machine's receive buffer overflows. */
    static final int SOCKET_BUFFER = 4 << 20;
    static final long CONNECTION_WINDOW = 64L << 20;
    static final long STREAM_WINDOW = 16L << 20;
    /**
     * Every peer's idle timeout in the interop tests: 120 s, not the usual 30 s. On the lossy runs (30% loss each
     * way) a peer's RTT estimate gets inflated by ACKs it had to repeat for seconds, and its retransmissions back off
     * for tens of seconds; the QUIC interop runner gives 300 s to its 50 connections and no limit to one.
     */
    static final long IDLE_TIMEOUT_SECONDS = 120;

    /** A handler for channels whose events nobody needs; shared, as one instance serves every connection. */
    static final ChannelHandler NOTHING = new Nothing();

    @ChannelHandler.Sharable
    private static final class Nothing extends ChannelInboundHandlerAdapter {}

    private Quiche() {}

    static <B extends QuicCodecBuilder<B>> B configure(B builder) {
        return builder
                .maxIdleTimeout(IDLE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .maxSendUdpPayloadSize(UDP_PAYLOAD)
                .maxRecvUdpPayloadSize(UDP_PAYLOAD)
                .initialMaxData(CONNECTION_WINDOW)
                .initialMaxStreamDataBidirectionalLocal(STREAM_WINDOW)
                .initialMaxStreamDataBidirectionalRemote(STREAM_WINDOW)
                .initialMaxStreamDataUnidirectional(STREAM_WINDOW)
                .initialMaxStreamsBidirectional(100)
                .initialMaxStreamsUnidirectional(100);
    }

    static EventLoopGroup group() {
        return new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    /** A UDP channel on an ephemeral loopback port running {@code codec}. */
    static Channel bind(EventLoopGroup group, ChannelHandler codec) throws InterruptedException {
        return new Bootstrap()
                .group(group)
                .channel(NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER)
                .handler(codec)
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .sync()
                .channel();
    }
}
