package qsock.interop.peer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamFrame;
import io.netty.handler.codec.quic.QuicTokenHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import qsock.interop.support.HqInterop;
import qsock.interop.support.Pki;

/**
 * quiche (through Netty's native QUIC codec, NIO transport) as an hq-interop and echo server on loopback, with the
 * test PKI's localhost certificate.
 */
public final class QuicheServer implements InteropServer {
    private static final int CHUNK = 64 * 1024;
    private static final int DATAGRAM_QUEUE = 64;

    private final Path root;
    private final EventLoopGroup group;
    private final Channel channel;

    private QuicheServer(Path root, Pki pki, QuicTokenHandler tokens) throws InterruptedException {
        this(root, pki, tokens, null);
    }

    private QuicheServer(Path root, Pki pki, QuicTokenHandler tokens, String[] groups) throws InterruptedException {
        this(root, pki, tokens, groups, false);
    }

    private QuicheServer(Path root, Pki pki, QuicTokenHandler tokens, String[] groups, boolean earlyData)
            throws InterruptedException {
        this.root = root;
        // BoringSSL issues session tickets under its own random keys either way; earlyData lets them carry 0-RTT.
        QuicSslContextBuilder builder = QuicSslContextBuilder.forServer(pki.key(), null, pki.chainArray())
                .applicationProtocols(HqInterop.ALPN, HqInterop.ECHO_ALPN)
                .earlyData(earlyData);
        if (groups != null) {
            // BoringSSL's groups, in preference order.
            builder.option(io.netty.handler.codec.quic.BoringSSLContextOption.GROUPS, groups);
        }
        QuicSslContext ssl = builder.build();
        var codec = Quiche.configure(new QuicServerCodecBuilder())
                .sslContext(ssl)
                .tokenHandler(tokens)
                // RFC 9221 datagrams on: each one that arrives goes back as it came.
                .datagram(DATAGRAM_QUEUE, DATAGRAM_QUEUE)
                .handler(DatagramEcho.INSTANCE)
                .streamOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .streamHandler(new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel ch) {
                        String alpn = ((QuicChannel) ch.parent()).sslEngine().getApplicationProtocol();
                        ch.pipeline().addLast(HqInterop.ECHO_ALPN.equals(alpn) ? new Echo() : new HqHandler());
                    }
                })
                .build();
        this.group = Quiche.group();
        this.channel = Quiche.bind(group, codec);
    }

    /** Starts a server that serves files under {@code root} (and generated bodies). */
    public static QuicheServer start(Path root) throws InterruptedException {
        return new QuicheServer(root, Pki.standard(), NoToken.INSTANCE);
    }

    /**
     * Starts a server like {@link #start(Path)} that accepts BoringSSL's {@code groups} (such as "X25519MLKEM768",
     * "x25519") instead of Netty's default list, which has no post-quantum group.
     */
    public static QuicheServer startAcceptingGroups(Path root, String... groups) throws InterruptedException {
        return new QuicheServer(root, Pki.standard(), NoToken.INSTANCE, groups.clone());
    }

    /**
     * Starts a server like {@link #start(Path)} whose session tickets allow 0-RTT and which accepts it (BoringSSL's
     * early data on, RFC 9001 §4.6).
     */
    public static QuicheServer startWithEarlyData(Path root) throws InterruptedException {
        return new QuicheServer(root, Pki.standard(), NoToken.INSTANCE, null, true);
    }

    /** Starts a server like {@link #start(Path)} that presents {@code pki}'s chain instead. */
    public static QuicheServer start(Path root, Pki pki) throws InterruptedException {
        return new QuicheServer(root, pki, NoToken.INSTANCE);
    }

    /**
     * Starts a server that answers every Initial without a token with a Retry (RFC 9000 §8.1.2), through Netty's
     * InsecureQuicTokenHandler: a client gets in only by following the Retry.
     */
    public static QuicheServer startRequiringRetry(Path root) throws InterruptedException {
        return new QuicheServer(root, Pki.standard(), io.netty.handler.codec.quic.InsecureQuicTokenHandler.INSTANCE);
    }

    @Override
    public InetSocketAddress address() {
        InetSocketAddress local = (InetSocketAddress) channel.localAddress();
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), local.getPort());
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Answers one request; holds the request bytes until the line ends. */
    private final class HqHandler extends ChannelInboundHandlerAdapter {
        private final byte[] request = new byte[HqInterop.MAX_REQUEST];
        private int requestLength;
        private boolean answered;
        private long generated = -1;
        private long sent;
        private boolean finished;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws IOException {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (answered) {
                    return;
                }
                int n = Math.min(in.readableBytes(), request.length - requestLength);
                in.readBytes(request, requestLength, n);
                requestLength += n;
                String path = HqInterop.parseRequest(request, requestLength);
                if (path == null) {
                    if (requestLength == request.length) {
                        throw new IOException("request line longer than " + request.length);
                    }
                    return;
                }
                answered = true;
                answer(ctx, path);
            } finally {
                ReferenceCountUtil.release(in);
            }
        }

        private void answer(ChannelHandlerContext ctx, String path) {
            QuicStreamChannel ch = (QuicStreamChannel) ctx.channel();
            generated = HqInterop.generatedLength(path);
            if (generated < 0) {
                Path f = HqInterop.file(root, path);
                if (f == null) {
                    // hq-interop has no status line: a missing file is a reset stream.
                    ch.shutdownOutput(0x10);
                    return;
                }
                ByteBuf body;
                try {
                    body = Unpooled.wrappedBuffer(Files.readAllBytes(f));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                ch.writeAndFlush(new DefaultQuicStreamFrame(body, true));
                return;
            }
            pump(ch);
        }

        private void pump(QuicStreamChannel ch) {
            if (generated < 0 || finished) {
                return;
            }
            if (generated == 0) {
                finished = true;
                ch.writeAndFlush(QuicStreamFrame.EMPTY_FIN);
                return;
            }
            byte[] chunk = new byte[CHUNK];
            while (ch.isWritable() && !finished) {
                int n = (int) Math.min(CHUNK, generated - sent);
                HqInterop.fill(sent, chunk, 0, n);
                ByteBuf b = ch.alloc().directBuffer(n).writeBytes(chunk, 0, n);
                sent += n;
                if (sent == generated) {
                    finished = true;
                    // PEERS.md: quiche may never send a FIN that follows the data in a call of its own.
                    ch.writeAndFlush(new DefaultQuicStreamFrame(b, true));
                } else {
                    ch.write(b);
                }
            }
            ch.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            pump((QuicStreamChannel) ctx.channel());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * Echoes each read at once but keeps the latest one back until the next read or the peer's FIN, so the FIN
     * leaves in the same quiche call as the last data (PEERS.md).
     */
    static final class Echo extends ChannelInboundHandlerAdapter {
        private ByteBuf held;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (held != null) {
                ctx.writeAndFlush(held);
            }
            held = (ByteBuf) msg;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownReadComplete) {
                if (held != null) {
                    ctx.writeAndFlush(new DefaultQuicStreamFrame(held, true));
                    held = null;
                } else {
                    ctx.writeAndFlush(QuicStreamFrame.EMPTY_FIN);
                }
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (held != null) {
                held.release();
                held = null;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Sends every datagram a connection receives back to it; new streams pass on. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class DatagramEcho extends ChannelInboundHandlerAdapter {
        static final DatagramEcho INSTANCE = new DatagramEcho();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf datagram) {
                ctx.writeAndFlush(datagram);
            } else {
                ctx.fireChannelRead(msg); // a new stream: on to where Netty registers it
            }
        }
    }

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
