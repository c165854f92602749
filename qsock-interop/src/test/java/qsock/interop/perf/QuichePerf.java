package qsock.interop.perf;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.SegmentedDatagramPacket;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelBootstrap;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.codec.quic.QuicTokenHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import qsock.interop.support.TestPki;

/**
 * quiche through Netty's native QUIC codec as both ends of qsock perf. Settings from shared/PEERS.md: 1452-byte
 * UDP payloads both ways, 4 MiB socket buffers, the FIN sent with the last data; windows as in the interop tests
 * (64 MiB connection, 16 MiB stream). The client is written as Netty applications are, on its event loop: each
 * write or request goes out from the handler that saw the previous step complete.
 *
 * <p>Threads: the server is one UDP channel on one event loop thread; the clients share an event loop group of
 * two threads (this machine's cores), each client a UDP channel of its own on one of them.
 *
 * <p>Transport: Netty's NIO ({@code DatagramChannel}, one system call per datagram) unless the system property
 * {@code qsock.perf.quicheTransport} is {@code epoll}: then Netty's native epoll transport, with UDP GSO on send
 * (Netty QUIC's segmented datagram allocator, {@value #GSO_SEGMENTS} datagrams per send at most) and UDP GRO on
 * receive (with a 64 KiB receive buffer, which GRO needs: PEERS.md). On a loaded 2-core machine 10 segments, or
 * GRO off, measured slower than this.
 */
final class QuichePerf implements PerfStack {

    /**
     * UDP payload both ways: 1452 as PEERS.md advises, or what the system property {@code qsock.perf.quicheDatagram}
     * says (up to 65527, for comparing with qsock's path MTU discovery on loopback; quiche through Netty has none).
     */
    private static final int UDP_PAYLOAD = Integer.getInteger("qsock.perf.quicheDatagram", 1452);
    /** The transport {@link #QuichePerf()} takes: NIO unless the system property says epoll. */
    private static final boolean EPOLL_BY_DEFAULT =
            "epoll".equals(System.getProperty("qsock.perf.quicheTransport", "nio"));
    /** Datagrams per GSO send: 40 x 1452 bytes stay under the 64 KiB a UDP send may carry. */
    private static final int GSO_SEGMENTS = 40;
    private static final int GRO_BUFFER = 64 * 1024;
    private static final int SOCKET_BUFFER = 4 << 20;
    private static final long CONNECTION_WINDOW = 64L << 20;
    private static final long STREAM_WINDOW = 16L << 20;

    /** Every connection's handler on the server, where no connection-level event needs handling. */
    private static final ChannelHandler NOTHING = new Nothing();

    /** Netty's epoll transport with GSO and GRO instead of NIO. */
    private final boolean epoll;
    private final EventLoopGroup serverGroup;
    private final EventLoopGroup clientGroup;
    private final Channel serverChannel;
    /** Where a client's QUIC channel connects to: the server's port. */
    private final int serverPort;
    /** Every client engine's own port number for the session cache's key: see {@link Client}. */
    private final AtomicInteger sessionKeys = new AtomicInteger();
    /** The one client TLS context (its session cache never hit: see {@link Client}). */
    private final QuicSslContext clientSsl = QuicSslContextBuilder.forClient()
            .trustManager(TestPki.ca())
            .applicationProtocols(ALPN)
            .build();

    /** quiche on the transport the system property {@code qsock.perf.quicheTransport} names (default NIO). */
    QuichePerf() throws InterruptedException {
        this(EPOLL_BY_DEFAULT);
    }

    /** quiche on Netty's epoll transport with GSO and GRO, or on NIO. */
    QuichePerf(boolean epoll) throws InterruptedException {
        this.epoll = epoll;
        serverGroup = new MultiThreadIoEventLoopGroup(1, ioHandler());
        clientGroup = new MultiThreadIoEventLoopGroup(2, ioHandler());
        if (epoll && UDP_PAYLOAD * GSO_SEGMENTS > 65507) {
            throw new IllegalArgumentException("GSO sends of " + GSO_SEGMENTS + " x " + UDP_PAYLOAD
                    + " bytes exceed a UDP send");
        }
        QuicSslContext ssl = QuicSslContextBuilder.forServer(TestPki.key(), null, TestPki.chain())
                .applicationProtocols(ALPN)
                .build();
        QuicServerCodecBuilder server = configure(new QuicServerCodecBuilder());
        if (epoll) {
            server.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR,
                    EpollQuicUtils.newSegmentedAllocator(GSO_SEGMENTS));
        }
        ChannelHandler codec = server
                .sslContext(ssl)
                .tokenHandler(NoToken.INSTANCE)
                .handler(NOTHING)
                .streamOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .streamHandler(new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel ch) {
                        ch.pipeline().addLast(new ServerStream());
                    }
                })
                .build();
        serverChannel = bind(serverGroup, codec);
        serverPort = ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    private IoHandlerFactory ioHandler() {
        return epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    private static <B extends QuicCodecBuilder<B>> B configure(B builder) {
        return builder
                .maxIdleTimeout(30, TimeUnit.SECONDS)
                .maxSendUdpPayloadSize(UDP_PAYLOAD)
                .maxRecvUdpPayloadSize(UDP_PAYLOAD)
                .initialMaxData(CONNECTION_WINDOW)
                .initialMaxStreamDataBidirectionalLocal(STREAM_WINDOW)
                .initialMaxStreamDataBidirectionalRemote(STREAM_WINDOW)
                .initialMaxStreamDataUnidirectional(STREAM_WINDOW)
                .initialMaxStreamsBidirectional(100)
                .initialMaxStreamsUnidirectional(100);
    }

    private Channel bind(EventLoopGroup group, ChannelHandler codec) throws InterruptedException {
        Bootstrap b = new Bootstrap();
        if (epoll) {
            // PEERS.md: with GRO a receive returns up to 64 KiB of coalesced datagrams; a smaller buffer loses them.
            b.option(EpollChannelOption.UDP_GRO, true);
            b.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(GRO_BUFFER));
        } else if (UDP_PAYLOAD > 2048) {
            // Room for the largest datagram: Netty's default 2048-byte receive buffer would cut it short.
            b.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(UDP_PAYLOAD));
        }
        Class<? extends DatagramChannel> type = epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
        return b
                .group(group)
                .channel(type)
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER)
                .handler(codec)
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .sync()
                .channel();
    }

    @Override
    public String datagramSize() {
        // Netty falls back to plain sends without saying so when the kernel or the native library lacks GSO.
        return UDP_PAYLOAD + (epoll ? " (epoll, GSO " + GSO_SEGMENTS + " segments "
                + (SegmentedDatagramPacket.isSupported() ? "supported" : "NOT SUPPORTED") + ", GRO)" : "");
    }

    @Override
    public Connection connect() throws IOException {
        return new Client(this);
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The server's side of one stream: the mode byte, then counting or echoing. */
    private static final class ServerStream extends ChannelInboundHandlerAdapter {
        private int mode = -1;
        private long count;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            if (mode < 0 && in.isReadable()) {
                mode = in.readByte();
            }
            if (mode == REQUEST_RESPONSE && in.isReadable()) {
                ctx.writeAndFlush(in);
                return;
            }
            count += in.readableBytes();
            in.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownReadComplete) {
                if (mode == THROUGHPUT) {
                    // PEERS.md: quiche may never send a FIN that follows the data in a call of its own.
                    ctx.writeAndFlush(new DefaultQuicStreamFrame(Unpooled.buffer(Long.BYTES).writeLong(count), true));
                } else {
                    ctx.writeAndFlush(QuicStreamFrame.EMPTY_FIN);
                }
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * One client connection on a UDP channel of its own, on the shared client event loop group. Its TLS engine is
     * made for "localhost" (the certificate's name, checked) and a port number of its own: Netty's client session
     * cache is keyed by host and port (the port is used for nothing else, the datagrams go to the QUIC channel's
     * remote address), so no connection finds an earlier one's ticket and every handshake is a full one, as
     * qsock's and the others' are here.
     */
    private static final class Client implements Connection {
        private final Channel udp;
        private final QuicChannel quic;

        Client(QuichePerf stack) throws IOException {
            ChannelHandler codec = configure(new QuicClientCodecBuilder())
                    .sslEngineProvider(q -> stack.clientSsl.newEngine(q.alloc(), "localhost",
                            stack.sessionKeys.incrementAndGet()))
                    .build();
            Channel channel = null;
            try {
                channel = stack.bind(stack.clientGroup, codec);
                QuicChannelBootstrap bootstrap = QuicChannel.newBootstrap(channel)
                        .handler(NOTHING)
                        .streamHandler(NOTHING)
                        .remoteAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), stack.serverPort));
                if (stack.epoll) {
                    bootstrap.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR,
                            EpollQuicUtils.newSegmentedAllocator(GSO_SEGMENTS));
                }
                quic = bootstrap.connect().get(10, TimeUnit.SECONDS);
                udp = channel;
            } catch (InterruptedException e) {
                if (channel != null) {
                    channel.close();
                }
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while connecting");
            } catch (ExecutionException | TimeoutException e) {
                if (channel != null) {
                    channel.close();
                }
                throw new IOException("quiche client: handshake failed", e);
            }
        }

        private QuicStreamChannel open(ChannelHandler handler) throws IOException {
            try {
                return quic.newStreamBootstrap()
                        .type(QuicStreamType.BIDIRECTIONAL)
                        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                        .handler(handler)
                        .create()
                        .get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            } catch (ExecutionException | TimeoutException e) {
                throw new IOException("quiche client: cannot open a stream", e);
            }
        }

        @Override
        public long throughput(long total, int messageSize, long deadlineNanos) throws IOException,
                StalledException {
            ByteBuf message = Unpooled.directBuffer(messageSize);
            for (int i = 0; i < messageSize; i++) {
                message.writeByte(i);
            }
            Sender sender = new Sender(total, message);
            long start = System.nanoTime();
            QuicStreamChannel stream = open(sender);
            stream.eventLoop().execute(() -> {
                stream.write(Unpooled.wrappedBuffer(new byte[] {THROUGHPUT}));
                sender.pump(stream);
            });
            long counted = await(sender.done, deadlineNanos,
                    () -> "quiche sent " + sender.sent.get() + " of " + total + " bytes");
            long nanos = System.nanoTime() - start;
            stream.close();
            message.release();
            if (counted != total) {
                throw new IOException("the server counted " + counted + " bytes of " + total);
            }
            return nanos;
        }

        @Override
        public long requestResponse(int count, int size, long[] samples, long deadlineNanos) throws IOException,
                StalledException {
            Requester requester = new Requester(count, size, samples);
            QuicStreamChannel stream = open(requester);
            long start = System.nanoTime();
            stream.eventLoop().execute(() -> {
                stream.write(Unpooled.wrappedBuffer(new byte[] {REQUEST_RESPONSE}));
                requester.next(stream);
            });
            await(requester.done, deadlineNanos, () -> "quiche finished " + requester.completed
                    + " round trips of " + count);
            long nanos = System.nanoTime() - start;
            stream.close();
            return nanos;
        }

        private static long await(CompletableFuture<Long> done, long deadlineNanos,
                                  java.util.function.Supplier<String> progress) throws IOException, StalledException {
            try {
                return done.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            } catch (ExecutionException e) {
                throw new IOException("quiche client: stream failed", e.getCause());
            } catch (TimeoutException e) {
                throw new StalledException(progress.get());
            }
        }

        @Override
        public void close() {
            quic.close(true, 0, Unpooled.EMPTY_BUFFER).awaitUninterruptibly(2, TimeUnit.SECONDS);
            udp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    /** Writes while the stream is writable, the FIN with the last bytes; completes with the server's count. */
    private static final class Sender extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        final AtomicLong sent = new AtomicLong();
        private final long total;
        private final ByteBuf message;
        private final ByteBuf answer = Unpooled.buffer(Long.BYTES);
        private boolean finished;

        Sender(long total, ByteBuf message) {
            this.total = total;
            this.message = message;
        }

        void pump(QuicStreamChannel ch) {
            long s = sent.get();
            while (!finished && ch.isWritable()) {
                int n = (int) Math.min(message.capacity(), total - s);
                // quiche copies what it takes into its own buffers: every write may share the one message.
                ByteBuf b = message.retainedSlice(0, n);
                s += n;
                if (s == total) {
                    finished = true;
                    ch.writeAndFlush(new DefaultQuicStreamFrame(b, true));
                } else {
                    ch.write(b);
                }
            }
            sent.set(s);
            ch.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            pump((QuicStreamChannel) ctx.channel());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            answer.writeBytes(in, Math.min(in.readableBytes(), answer.writableBytes()));
            in.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownReadComplete) {
                if (answer.readableBytes() == Long.BYTES) {
                    done.complete(answer.getLong(0));
                } else {
                    done.completeExceptionally(new IOException("the count came with " + answer.readableBytes()
                            + " bytes"));
                }
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    /** Sends a request, and the next one when the whole response arrived; times each round trip. */
    private static final class Requester extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        private final int count;
        private final int size;
        private final long[] samples;
        private final ByteBuf request;
        // Read by the waiting thread only to report progress after a deadline passed.
        private volatile int completed;
        private int pending;
        private long sentAt;

        Requester(int count, int size, long[] samples) {
            this.count = count;
            this.size = size;
            this.samples = samples;
            this.request = Unpooled.directBuffer(size).writeZero(size);
        }

        void next(QuicStreamChannel ch) {
            pending = size;
            request.setByte(0, completed);
            sentAt = System.nanoTime();
            ch.writeAndFlush(request.retainedDuplicate());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            int n = in.readableBytes();
            if (n > 0 && pending == size && in.getByte(in.readerIndex()) != (byte) completed) {
                done.completeExceptionally(new IOException("response " + completed + " does not echo its request"));
            }
            in.release();
            pending -= n;
            if (pending < 0) {
                done.completeExceptionally(new IOException("more bytes back than requested"));
                return;
            }
            if (pending == 0) {
                samples[completed] = System.nanoTime() - sentAt;
                completed++;
                if (completed == count) {
                    request.release();
                    done.complete((long) completed);
                } else {
                    next((QuicStreamChannel) ctx.channel());
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    /** Shared by every connection: one instance serves them all. */
    @ChannelHandler.Sharable
    private static final class Nothing extends ChannelInboundHandlerAdapter {}

    /** Issues no Retry tokens: every Initial is accepted as it comes. */
    private enum NoToken implements QuicTokenHandler {
        INSTANCE;

        @Override
        public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
            return false;
        }

        @Override
        public int validateToken(ByteBuf token, InetSocketAddress address) {
            return 0;
        }

        @Override
        public int maxTokenLength() {
            return 0;
        }
    }
}
