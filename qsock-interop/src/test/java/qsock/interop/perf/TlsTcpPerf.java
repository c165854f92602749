package qsock.interop.perf;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.security.GeneralSecurityException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import qsock.interop.support.TestPki;

/**
 * The ceiling the QUIC stacks are measured against: the JDK's own TLS 1.3 over TCP on loopback (SSLSocket and
 * SSLServerSocket), both ends in this process, with the interop tests' ECDSA P-256 certificate and
 * TLS_AES_128_GCM_SHA256, the suite the QUIC stacks use. TCP carries one byte stream per connection, so the perf
 * protocol's streams become requests on the connection, one after another:
 * <ul>
 * <li>{@code 'T'}, the byte count as an 8-byte integer, then the bytes in 64 KiB writes; the server reads them all
 *     and answers the count (8 bytes), as the QUIC server answers at a stream's FIN.</li>
 * <li>{@code 'R'}, the round trips and the size as 4-byte integers; the server echoes each request as it arrives.</li>
 * </ul>
 * TCP_NODELAY on both ends (the request/response would otherwise wait on Nagle's algorithm); the kernel sizes the
 * socket buffers. The server runs a virtual thread per connection. The server sends no session tickets
 * ({@code jdk.tls.server.newSessionTicketCount=0}, set before the first TLS context is made), so every handshake is
 * a full one, as the QUIC stacks' are here. A deadline closes the client's socket, which ends a blocked call.
 */
final class TlsTcpPerf implements PerfStack {

    private static final char[] PASSWORD = "qsock".toCharArray();
    private static final String[] PROTOCOLS = {"TLSv1.3"};
    private static final String[] SUITES = {"TLS_AES_128_GCM_SHA256"};
    private static final int BUFFER = 64 * 1024;

    private final SSLContext serverContext;
    private final SSLContext clientContext;
    private final SSLServerSocket server;
    private final Thread acceptor;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("tls-perf-deadline").factory());

    TlsTcpPerf() throws IOException {
        // Read once, when the JDK's TLS configuration is first loaded: this process runs this stack alone.
        System.setProperty("jdk.tls.server.newSessionTicketCount", "0");
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(TestPki.keyStore("server", PASSWORD), PASSWORD);
            serverContext = SSLContext.getInstance("TLSv1.3");
            serverContext.init(kmf.getKeyManagers(), null, null);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(TestPki.trustStore());
            clientContext = SSLContext.getInstance("TLSv1.3");
            clientContext.init(null, tmf.getTrustManagers(), null);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS", e);
        }
        server = (SSLServerSocket) serverContext.getServerSocketFactory().createServerSocket(0, 1024,
                InetAddress.getLoopbackAddress());
        server.setEnabledProtocols(PROTOCOLS);
        server.setEnabledCipherSuites(SUITES);
        acceptor = Thread.ofPlatform().daemon().name("tls-perf-accept").start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread.ofVirtual().name("tls-perf-conn").start(() -> serve(s));
        }
    }

    private static void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), BUFFER));
            OutputStream raw = socket.getOutputStream();
            DataOutputStream out = new DataOutputStream(raw);
            byte[] buffer = new byte[BUFFER];
            while (true) {
                int mode = in.read();
                if (mode < 0) {
                    return;
                }
                if (mode == THROUGHPUT) {
                    long total = in.readLong();
                    long counted = 0;
                    while (counted < total) {
                        int n = in.read(buffer, 0, (int) Math.min(buffer.length, total - counted));
                        if (n < 0) {
                            throw new EOFException("the client stopped at " + counted + " of " + total);
                        }
                        counted += n;
                    }
                    out.writeLong(counted);
                    out.flush();
                } else if (mode == REQUEST_RESPONSE) {
                    int count = in.readInt();
                    int size = in.readInt();
                    if (size <= 0 || size > buffer.length) {
                        return;
                    }
                    for (int i = 0; i < count; i++) {
                        in.readFully(buffer, 0, size);
                        raw.write(buffer, 0, size);
                        raw.flush();
                    }
                } else {
                    return;
                }
            }
        } catch (IOException e) {
            // The client went away; its side reports what it saw.
        }
    }

    @Override
    public Connection connect() throws IOException {
        return new Client(this);
    }

    @Override
    public String datagramSize() {
        return "TCP (loopback MTU 65536), TLS 1.3 AES-128-GCM";
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // Closing; nothing left to do.
        }
        watchdog.shutdownNow();
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One TLS connection, its handshake done in the constructor. */
    private static final class Client implements Connection {
        private final TlsTcpPerf stack;
        private final SSLSocket socket;
        private final DataInputStream in;
        private final OutputStream raw;
        private final DataOutputStream out;

        Client(TlsTcpPerf stack) throws IOException {
            this.stack = stack;
            socket = (SSLSocket) stack.clientContext.getSocketFactory().createSocket();
            try {
                socket.setEnabledProtocols(PROTOCOLS);
                socket.setEnabledCipherSuites(SUITES);
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(10_000); // the handshake's deadline
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                        stack.server.getLocalPort()), 10_000);
                socket.startHandshake();
                socket.setSoTimeout(0);
            } catch (IOException e) {
                socket.close();
                throw e;
            }
            in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), BUFFER));
            raw = socket.getOutputStream();
            out = new DataOutputStream(raw);
        }

        /** Closes the socket at the deadline, which ends a read or write blocked on it. */
        private ScheduledFuture<?> arm(long deadlineNanos) {
            return stack.watchdog.schedule(() -> {
                try {
                    socket.close();
                } catch (IOException e) {
                    // Closing anyway.
                }
            }, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        }

        @Override
        public long throughput(long total, int messageSize, long deadlineNanos) throws IOException,
                StalledException {
            byte[] message = new byte[messageSize];
            for (int i = 0; i < messageSize; i++) {
                message[i] = (byte) i;
            }
            AtomicLong sent = new AtomicLong();
            ScheduledFuture<?> alarm = arm(deadlineNanos);
            try {
                long start = System.nanoTime();
                out.write(THROUGHPUT);
                out.writeLong(total);
                out.flush();
                for (long s = 0; s < total; ) {
                    int n = (int) Math.min(messageSize, total - s);
                    raw.write(message, 0, n);
                    s += n;
                    sent.set(s);
                }
                raw.flush();
                long counted = in.readLong();
                long nanos = System.nanoTime() - start;
                if (counted != total) {
                    throw new IOException("the server counted " + counted + " bytes of " + total);
                }
                return nanos;
            } catch (SocketException e) {
                if (System.nanoTime() - deadlineNanos >= 0) {
                    throw new StalledException("TLS sent " + sent.get() + " of " + total + " bytes");
                }
                throw e;
            } finally {
                alarm.cancel(false);
            }
        }

        @Override
        public long requestResponse(int count, int size, long[] samples, long deadlineNanos) throws IOException,
                StalledException {
            byte[] request = new byte[size];
            byte[] response = new byte[size];
            ScheduledFuture<?> alarm = arm(deadlineNanos);
            int done = 0;
            try {
                out.write(REQUEST_RESPONSE);
                out.writeInt(count);
                out.writeInt(size);
                out.flush();
                long start = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    long t0 = System.nanoTime();
                    request[0] = (byte) i;
                    raw.write(request);
                    raw.flush();
                    in.readFully(response);
                    samples[i] = System.nanoTime() - t0;
                    if (response[0] != (byte) i) {
                        throw new IOException("response " + i + " does not echo its request");
                    }
                    done = i + 1;
                }
                return System.nanoTime() - start;
            } catch (SocketException e) {
                if (System.nanoTime() - deadlineNanos >= 0) {
                    throw new StalledException("TLS finished " + done + " round trips of " + count);
                }
                throw e;
            } finally {
                alarm.cancel(false);
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // Closing anyway.
            }
        }
    }
}
