package qsock.interop.peer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import qsock.interop.support.HqInterop;
import qsock.interop.support.Pki;
import qsock.interop.support.Received;

/**
 * quiche (through Netty's native QUIC codec) as a client of one connection to "localhost" at a loopback port,
 * trusting the test PKI's CA.
 */
public final class QuicheClient implements InteropClient {
    private final EventLoopGroup group;
    private final Channel udp;
    private final QuicChannel quic;
    private final Duration timeout;
    /**
     * Set when BoringSSL said 0-RTT could go (Netty's SslEarlyDataReadyEvent, fired before the handshake completes,
     * so before the connect returns); the request is written on a stream opened then.
     */
    private volatile boolean sentEarly;
    /** The answer to the request sent as 0-RTT, complete at its FIN. */
    private final CompletableFuture<byte[]> earlyAnswer = new CompletableFuture<>();

    private QuicheClient(InetSocketAddress server, String alpn, Duration timeout, Pki pki) throws IOException {
        this(server, alpn, timeout, pki, null);
    }

    private QuicheClient(InetSocketAddress server, String alpn, Duration timeout, Pki pki, String[] groups)
            throws IOException {
        this(server, timeout, context(alpn, pki, groups, false), null);
    }

    private static QuicSslContext context(String alpn, Pki pki, String[] groups, boolean earlyData) {
        QuicSslContextBuilder builder = QuicSslContextBuilder.forClient()
                .trustManager(pki.ca())
                .applicationProtocols(alpn)
                .earlyData(earlyData);
        if (groups != null) {
            // BoringSSL's groups, in preference order; its first gets a key share.
            builder.option(io.netty.handler.codec.quic.BoringSSLContextOption.GROUPS, groups);
        }
        return builder.build();
    }

    /**
     * A quiche client TLS context whose connections share one session cache: Netty keeps the session a connection's
     * ticket gives under the server's host and port, and the next connection to them resumes it (BoringSSL).
     */
    public static final class Sessions {
        private final QuicSslContext ssl;

        private Sessions(QuicSslContext ssl) {
            this.ssl = ssl;
        }

        /** A context offering {@code alpn}, trusting the test PKI's CA, with BoringSSL's early data on or off. */
        public static Sessions of(String alpn, boolean earlyData) {
            return new Sessions(context(alpn, Pki.standard(), null, earlyData));
        }
    }

    /** Connects like {@link #connect}, keeping and resuming sessions in {@code sessions}. */
    public static QuicheClient connectWith(Sessions sessions, InetSocketAddress server, String alpn,
                                           Duration timeout) throws IOException {
        return new QuicheClient(server, timeout, sessions.ssl, null);
    }

    /**
     * Connects like {@link #connectWith}, and when BoringSSL can send early data (a resumed session that allows it)
     * writes {@code request} with FIN on a new stream then, as 0-RTT (RFC 9001 §4.6.1); {@link #earlyAnswer()}
     * reads what comes back. Without such a session nothing is sent.
     */
    public static QuicheClient connectSendingEarly(Sessions sessions, InetSocketAddress server, Duration timeout,
                                                   byte[] request) throws IOException {
        return new QuicheClient(server, timeout, sessions.ssl, request);
    }

    private QuicheClient(InetSocketAddress server, Duration timeout, QuicSslContext ssl, byte[] earlyRequest)
            throws IOException {
        this.timeout = timeout;
        var codec = Quiche.configure(new QuicClientCodecBuilder())
                // The certificate names localhost: that is the server name quiche sends and checks.
                .sslEngineProvider(q -> ssl.newEngine(q.alloc(), "localhost", server.getPort()))
                .build();
        this.group = Quiche.group();
        try {
            this.udp = Quiche.bind(group, codec);
            this.quic = QuicChannel.newBootstrap(udp)
                    .handler(earlyRequest == null ? Quiche.NOTHING : new EarlySender(earlyRequest))
                    .streamHandler(Quiche.NOTHING)
                    .remoteAddress(server)
                    .connect()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while connecting");
        } catch (ExecutionException | TimeoutException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("quiche client: handshake with " + server + " failed", e);
        }
    }

    /** Writes the request as early data on the event BoringSSL fires when 0-RTT can go; passes other events on. */
    private final class EarlySender extends ChannelInboundHandlerAdapter {
        private final byte[] request;

        EarlySender(byte[] request) {
            this.request = request;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.handler.codec.quic.SslEarlyDataReadyEvent) {
                sentEarly = true;
                ByteArrayOutputStream out = new ByteArrayOutputStream(request.length);
                ((QuicChannel) ctx.channel()).newStreamBootstrap()
                        .type(QuicStreamType.BIDIRECTIONAL)
                        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                        .handler(answerHandler(b -> b.readBytes(out, b.readableBytes()), earlyAnswer, out))
                        .create()
                        .addListener(f -> {
                            if (f.isSuccess()) {
                                QuicStreamChannel stream = (QuicStreamChannel) f.getNow();
                                // The stream is made after the connection's first flight went out: unless the
                                // connection flushes again now, quiche sends the request only when the server's
                                // Initial comes in, as 1-RTT (seen in CI: the early-data event fired, no 0-RTT).
                                stream.writeAndFlush(new DefaultQuicStreamFrame(Unpooled.wrappedBuffer(request), true))
                                        .addListener(w -> ctx.channel().flush());
                            } else {
                                earlyAnswer.completeExceptionally(f.cause());
                            }
                        });
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    /**
     * {@return whether the request {@link #connectSendingEarly} was given went out as 0-RTT}; false when BoringSSL
     * never said early data could go (the connect completes after that event, when it comes)
     */
    public boolean sentEarly() {
        return sentEarly;
    }

    /** {@return the answer to the request sent as 0-RTT, up to its FIN} */
    public byte[] earlyAnswer() throws IOException {
        if (!sentEarly()) {
            throw new IllegalStateException("no request was sent as 0-RTT");
        }
        try {
            return earlyAnswer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } catch (ExecutionException e) {
            throw new IOException("quiche client: early stream failed", e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("quiche client: no FIN on the early stream within " + timeout, e);
        }
    }

    /** Connects to {@code server} offering {@code alpn}; fails when the handshake does not finish in {@code timeout}. */
    public static QuicheClient connect(InetSocketAddress server, String alpn, Duration timeout) throws IOException {
        return new QuicheClient(server, alpn, timeout, Pki.standard());
    }

    /**
     * Connects like {@link #connect}, offering BoringSSL's {@code groups} (such as "X25519MLKEM768", "x25519")
     * instead of Netty's default list, which has no post-quantum group.
     */
    public static QuicheClient connectOfferingGroups(InetSocketAddress server, String alpn, Duration timeout,
                                                     String... groups) throws IOException {
        return new QuicheClient(server, alpn, timeout, Pki.standard(), groups.clone());
    }

    /** Connects like {@link #connect}, trusting {@code pki}'s CA alone. */
    public static QuicheClient connectTrusting(Pki pki, InetSocketAddress server, String alpn, Duration timeout)
            throws IOException {
        return new QuicheClient(server, alpn, timeout, pki);
    }

    @Override
    public String applicationProtocol() {
        return quic.sslEngine().getApplicationProtocol();
    }

    /** The underlying connection, for tests that look at its state. */
    public QuicChannel channel() {
        return quic;
    }

    @Override
    public Received get(String path) throws IOException {
        Received.Accumulator acc = new Received.Accumulator();
        exchange(Unpooled.wrappedBuffer(HqInterop.request(path)), b -> {
            for (java.nio.ByteBuffer nio : b.nioBuffers()) {
                acc.update(nio);
            }
        });
        return acc.finish();
    }

    @Override
    public byte[] echo(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length);
        exchange(Unpooled.wrappedBuffer(data), b -> b.readBytes(out, b.readableBytes()));
        return out.toByteArray();
    }

    // Sends `request` with FIN on a new stream, hands each read to `sink` on the event loop, returns at the FIN.
    private void exchange(ByteBuf request, IoConsumer sink) throws IOException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        ChannelInboundHandlerAdapter handler = answerHandler(sink, done, null);
        try {
            QuicStreamChannel stream = quic.newStreamBootstrap()
                    .type(QuicStreamType.BIDIRECTIONAL)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .handler(handler)
                    .create()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            stream.writeAndFlush(new DefaultQuicStreamFrame(request, true));
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            stream.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } catch (ExecutionException e) {
            throw new IOException("quiche client: stream failed", e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("quiche client: no FIN within " + timeout, e);
        }
    }

    /**
     * A stream handler that hands each read to {@code sink} on the event loop and completes {@code done} with
     * {@code result} at the FIN.
     */
    private static <T> ChannelInboundHandlerAdapter answerHandler(IoConsumer sink, CompletableFuture<T> done,
                                                                 ByteArrayOutputStream result) {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                try {
                    sink.accept(b);
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(e);
                } finally {
                    b.release();
                }
            }

            @Override
            @SuppressWarnings("unchecked")
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownReadComplete) {
                    done.complete(result == null ? null : (T) result.toByteArray());
                }
                ReferenceCountUtil.release(evt);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                done.completeExceptionally(cause);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                done.completeExceptionally(new IOException("stream closed before its FIN"));
            }
        };
    }

    @FunctionalInterface
    private interface IoConsumer {
        void accept(ByteBuf b) throws IOException;
    }

    /**
     * Closes the connection with application error 0, then the UDP channel and the event loop. When the event loop
     * does not stop in time, closes the UDP socket under it, so that a quiche connection spinning in its send loop
     * can no longer reach the network.
     *
     * <p>Why: quiche 0.29.3 (the revision in netty-codec-native-quic 4.2.18.Final) has a client closed with an
     * application error before its handshake is confirmed (no HANDSHAKE_DONE yet, Handshake keys still in use) build
     * Handshake packets in which nothing but an ACK frame goes: {@code Connection::send_single} puts no PING and no
     * CRYPTO frame in a packet of a closing connection, and the APPLICATION_CLOSE only in a 1-RTT one. A Handshake
     * PTO probe owed then never counts as sent ({@code ping_sent} is not called, {@code loss_probes} stays above 0),
     * {@code write_pkt_type} keeps choosing the Handshake space ahead of the 1-RTT one, and {@code send} never
     * returns {@code Done}: Netty's send loop sent 4.6 million 62-64-byte Handshake packets over 75 s after one
     * connection of LossyHandshakeInteropTest (seed 9002; the qsock server's ACK of the client's Finished and its
     * HANDSHAKE_DONE were lost, the client's Handshake keys outlived the exchange), and the close below timed out
     * without stopping it. The relay no longer forwards a finished connection's datagrams
     * ({@code UdpRelay#finishNewestClient}); this stops the sending itself.
     */
    @Override
    public void close() {
        quic.close(true, 0, Unpooled.EMPTY_BUFFER).awaitUninterruptibly(2, TimeUnit.SECONDS);
        udp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        boolean stopped = group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (!stopped) {
            closeSocketUnder(udp);
        }
    }

    /**
     * {@return whether the socket under {@code udp} was closed} Netty's event loop thread cannot be stopped from
     * outside while quiche keeps it busy, but the {@link java.nio.channels.DatagramChannel} it writes to can be
     * closed from here: every later write then fails instead of sending.
     */
    static boolean closeSocketUnder(Channel udp) {
        try {
            java.lang.reflect.Method javaChannel =
                    io.netty.channel.nio.AbstractNioChannel.class.getDeclaredMethod("javaChannel");
            javaChannel.setAccessible(true);
            ((java.nio.channels.Channel) javaChannel.invoke(udp)).close();
            System.err.println("quiche client: its event loop did not stop within 5 s of the close (quiche's send"
                    + " loop on a closing connection?); closed its UDP socket under it");
            return true;
        } catch (ReflectiveOperationException | IOException | RuntimeException e) {
            System.err.println("quiche client: its event loop did not stop, and its socket could not be closed: " + e);
            return false;
        }
    }
}
