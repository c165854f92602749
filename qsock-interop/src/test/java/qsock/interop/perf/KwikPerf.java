package qsock.interop.perf;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import qsock.interop.peer.KwikSender;
import qsock.interop.support.TestPki;
import tech.kwik.core.QuicClientConnection;
import tech.kwik.core.QuicConnection;
import tech.kwik.core.QuicStream;
import tech.kwik.core.log.NullLogger;
import tech.kwik.core.server.ApplicationProtocolConnection;
import tech.kwik.core.server.ApplicationProtocolConnectionFactory;
import tech.kwik.core.server.ServerConnectionConfig;
import tech.kwik.core.server.ServerConnector;

/**
 * Kwik 0.10.8 as both ends of qsock perf: blocking streams, each server stream on a thread of its own, the
 * client's transfers on a virtual thread so that a stall (PEERS.md: Kwik's sender may go idle with data
 * queued) ends at the deadline. Kwik's datagram size is not configurable: 1252 bytes over IPv4. Socket buffers
 * 4 MiB; windows as in the interop tests (16 MiB connection, 4 MiB stream).
 */
final class KwikPerf implements PerfStack {

    private static final int SOCKET_BUFFER = 4 << 20;
    private static final long STREAM_BUFFER = 4L << 20;
    /** How long the server's echoes of one request/response stream may take in all: a benchmark's 10,000 and more. */
    private static final Duration ECHO_TIMEOUT = Duration.ofSeconds(120);
    private static final long CONNECTION_BUFFER = 16L << 20;
    private static final char[] PASSWORD = "qsock".toCharArray();

    private final DatagramSocket socket;
    private final ServerConnector connector;

    KwikPerf() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setReceiveBufferSize(SOCKET_BUFFER);
        socket.setSendBufferSize(SOCKET_BUFFER);
        ServerConnectionConfig config = ServerConnectionConfig.builder()
                .maxIdleTimeoutInSeconds(30)
                .maxOpenPeerInitiatedBidirectionalStreams(100)
                .maxOpenPeerInitiatedUnidirectionalStreams(0)
                .maxConnectionBufferSize(CONNECTION_BUFFER)
                .maxBidirectionalStreamBufferSize(STREAM_BUFFER)
                .build();
        try {
            connector = ServerConnector.builder()
                    .withSocket(socket)
                    .withKeyStore(TestPki.keyStore("server", PASSWORD), "server", PASSWORD, "secp256r1")
                    .withConfiguration(config)
                    .withLogger(new NullLogger())
                    .build();
        } catch (CertificateException e) {
            socket.close();
            throw new IOException("Kwik refused the test certificate", e);
        }
        connector.registerApplicationProtocol(ALPN, new ApplicationProtocolConnectionFactory() {
            @Override
            public ApplicationProtocolConnection createConnection(String protocol, QuicConnection connection) {
                return new ApplicationProtocolConnection() {
                    @Override
                    public void acceptPeerInitiatedStream(QuicStream stream) {
                        Thread.ofPlatform().daemon().name("kwik-perf-" + stream.getStreamId())
                                .start(() -> serve(stream));
                    }
                };
            }

            @Override
            public int maxConcurrentPeerInitiatedBidirectionalStreams() {
                return 100;
            }
        });
        connector.start();
    }

    private static void serve(QuicStream stream) {
        try (InputStream in = stream.getInputStream(); OutputStream out = stream.getOutputStream()) {
            int mode = in.read();
            if (mode == THROUGHPUT) {
                long count = in.transferTo(OutputStream.nullOutputStream());
                out.write(ByteBuffer.allocate(Long.BYTES).putLong(count).array());
            } else if (mode == REQUEST_RESPONSE) {
                // Each echo through KwikSender, which revives the send request Kwik's race loses (the stall): an
                // echo left in Kwik's buffer would wait for a next write that the client never causes.
                KwikSender sender = KwikSender.of(stream, ECHO_TIMEOUT);
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    sender.write(buffer, 0, n);
                    sender.flush();
                }
            }
        } catch (IOException e) {
            // The connection went away under the stream; the client sees that on its side.
        }
    }

    @Override
    public String datagramSize() {
        return "1252 (fixed)";
    }

    @Override
    public Connection connect() throws IOException {
        return new Client(socket.getLocalPort());
    }

    @Override
    public void close() {
        connector.close();
        socket.close();
    }

    private static final class Client implements Connection {
        private final QuicClientConnection connection;
        private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

        Client(int port) throws IOException {
            connection = QuicClientConnection.newBuilder()
                    .uri(URI.create("https://localhost:" + port))
                    .preferIPv4()
                    .applicationProtocol(ALPN)
                    .customTrustManager(TestPki.trustManager())
                    .connectTimeout(Duration.ofSeconds(10))
                    .maxIdleTimeout(Duration.ofSeconds(30))
                    .defaultStreamReceiveBufferSize(STREAM_BUFFER)
                    .socketFactory(address -> {
                        DatagramSocket s = new DatagramSocket();
                        s.setReceiveBufferSize(SOCKET_BUFFER);
                        s.setSendBufferSize(SOCKET_BUFFER);
                        return s;
                    })
                    .logger(new NullLogger())
                    .build();
            connection.connect();
        }

        @Override
        public long throughput(long total, int messageSize, long deadlineNanos) throws IOException,
                StalledException {
            AtomicLong sent = new AtomicLong();
            return within(deadlineNanos, () -> "Kwik sent " + sent.get() + " of " + total + " bytes", () -> {
                byte[] message = new byte[messageSize];
                for (int i = 0; i < messageSize; i++) {
                    message[i] = (byte) i;
                }
                long start = System.nanoTime();
                QuicStream stream = connection.createStream(true);
                // Through KwikSender, which keeps Kwik's sender from losing its send request (the stall).
                KwikSender out = KwikSender.of(stream, Duration.ofNanos(Math.max(0, deadlineNanos - start)));
                out.write(new byte[] {THROUGHPUT}, 0, 1);
                for (long s = 0; s < total; ) {
                    int n = (int) Math.min(messageSize, total - s);
                    out.write(message, 0, n);
                    s += n;
                    sent.set(s);
                }
                out.finish();
                long counted = new DataInputStream(stream.getInputStream()).readLong();
                long nanos = System.nanoTime() - start;
                if (counted != total) {
                    throw new IOException("the server counted " + counted + " bytes of " + total);
                }
                return nanos;
            });
        }

        @Override
        public long requestResponse(int count, int size, long[] samples, long deadlineNanos) throws IOException,
                StalledException {
            AtomicLong done = new AtomicLong();
            return within(deadlineNanos, () -> "Kwik finished " + done.get() + " round trips of " + count, () -> {
                byte[] request = new byte[size];
                byte[] response = new byte[size];
                QuicStream stream = connection.createStream(true);
                OutputStream out = stream.getOutputStream();
                // Every request through KwikSender, as the echoes: Kwik's stall would keep one in its buffer.
                KwikSender sender = KwikSender.of(stream,
                        Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())));
                DataInputStream in = new DataInputStream(stream.getInputStream());
                sender.write(new byte[] {REQUEST_RESPONSE}, 0, 1);
                long start = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    long t0 = System.nanoTime();
                    request[0] = (byte) i;
                    sender.write(request, 0, request.length);
                    sender.flush();
                    in.readFully(response);
                    samples[i] = System.nanoTime() - t0;
                    if (response[0] != (byte) i) {
                        throw new IOException("response " + i + " does not echo its request");
                    }
                    done.set(i + 1);
                }
                long nanos = System.nanoTime() - start;
                out.close();
                return nanos;
            });
        }

        private long within(long deadlineNanos, java.util.function.Supplier<String> progress, Callable<Long> work)
                throws IOException, StalledException {
            Future<Long> f = executor.submit(work);
            try {
                return f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                f.cancel(true);
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            } catch (ExecutionException e) {
                throw new IOException("Kwik client: stream failed", e.getCause());
            } catch (TimeoutException e) {
                f.cancel(true);
                throw new StalledException(progress.get());
            }
        }

        @Override
        public void close() {
            connection.closeAndWait(Duration.ofSeconds(2));
            executor.shutdownNow();
        }
    }
}
