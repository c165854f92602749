package qsock.tls.remote;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.channels.ClosedChannelException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import qsock.core.handshake.CipherSuite;
import qsock.socket.remote.Codes;
import qsock.socket.remote.Deadlines;
import qsock.socket.remote.Frame;
import qsock.socket.remote.FrameChannel;
import qsock.socket.remote.FrameType;
import qsock.socket.remote.Hello;
import qsock.socket.remote.PayloadReader;
import qsock.socket.remote.PayloadWriter;
import qsock.socket.remote.RemoteProtocolException;
import qsock.socket.remote.Verdict;
import qsock.socket.CertificateRequest;
import qsock.socket.HandshakeFailedException;
import qsock.socket.HandshakeFailure;
import qsock.tls.ClientAuth;
import qsock.tls.HandshakeDriver;
import qsock.tls.HandshakeServiceConfig;
import qsock.tls.TlsAlertException;
import qsock.tls.TlsClientConfig;
import qsock.tls.TlsEngine;
import qsock.tls.TlsHandshakeService;
import qsock.tls.TlsServerConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.service.ServiceTlsConfigs;

/**
 * One request to the daemon, on its own (virtual) thread: reads the HELLO, makes the TLS configuration of it and
 * the daemon's file, and steps a {@link HandshakeDriver} over a {@link ProxyHandshakeChannel}, sending each turn's
 * frames when the engine needs input and the verdict at the end; the loop of {@code QuicHandshake}, with the
 * application's socket at the other end of a Unix domain socket. Whatever the application sends, the session ends
 * by itself: a malformed frame fails it with a reason, the request's timeout (plus a grace period) closes it.
 */
final class DaemonSession implements Runnable {

    private static final System.Logger LOG = System.getLogger("qsock.handshaked");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How long an application may take to send its HELLO. */
    static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);
    /** How long past the request's timeout the daemon keeps the session: the application ends it by then. */
    static final Duration GRACE = Duration.ofSeconds(5);
    /** Driver steps at most: far more than a handshake takes; bounds the loop whatever the application does. */
    private static final int MAX_STEPS = 100_000;
    /** Frames in one application turn at most: it sends at most 32 CRYPTO frames and a STATE. */
    private static final int MAX_FRAMES_PER_TURN = 256;
    /** How long before the request's deadline a wait for a session ticket ends. */
    private static final long TICKET_WAIT_MARGIN_MILLIS = 200;
    /** AWAIT's max wait meaning "as long as the request's timeout allows". */
    private static final long WAIT_UNBOUNDED = 0xFFFF_FFFFL;

    private final HandshakeDaemon daemon;
    private final FrameChannel frames;
    private volatile boolean expired;
    /** Whether the request's outcome was counted. */
    private boolean counted;
    /** When the request's timeout ends, by {@link System#nanoTime()}: the application gives up then. */
    private long requestDeadline;

    DaemonSession(HandshakeDaemon daemon, FrameChannel frames) {
        this.daemon = daemon;
        this.frames = frames;
    }

    @Override
    public void run() {
        ScheduledFuture<?> watchdog = Deadlines.after(HELLO_TIMEOUT, this::expire);
        try {
            Hello hello = Hello.decode(frames.read());
            requestDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(hello.timeoutMillis());
            watchdog.cancel(false);
            watchdog = Deadlines.after(Duration.ofMillis(hello.timeoutMillis()).plus(GRACE), this::expire);
            Verdict verdict = serve(hello);
            // Counted before it leaves, so that an application that has its answer sees it counted.
            count(verdict instanceof Verdict.Established);
            send(verdict);
        } catch (RemoteProtocolException e) {
            LOG.log(Level.WARNING, "handshake request refused: {0}", e.getMessage());
            daemon.broken();
            sendQuietly(new Verdict.Failed(HandshakeFailure.LOCAL_CONFIGURATION, -1,
                    "the handshake daemon refused the request: " + e.getMessage()));
            try {
                frames.drainAfterRefusal();
            } catch (IOException ignored) {
                // Gone already: the refusal was all there was to say.
            }
        } catch (EOFException | ClosedChannelException e) {
            // The application left (its timeout, its close) or the session expired: nothing to answer.
            LOG.log(Level.DEBUG, "handshake request ended by the application{0}", expired ? " (expired)" : "");
            count(false);
        } catch (IOException | UncheckedIOException e) {
            LOG.log(Level.DEBUG, "handshake request ended: {0}", e.toString());
            count(false);
        } catch (RuntimeException e) {
            // An engine's bug must not end the daemon: this request fails, the others go on.
            LOG.log(Level.WARNING, "handshake request failed", e);
            count(false);
            sendQuietly(new Verdict.Failed(HandshakeFailure.LOCAL_CONFIGURATION, -1,
                    "the handshake daemon failed: " + e));
        } finally {
            watchdog.cancel(false);
            try {
                frames.close();
            } catch (IOException ignored) {
                // Closed either way.
            }
        }
    }

    /** Counts the request's outcome once, whichever way it ends. */
    private void count(boolean established) {
        if (!counted) {
            counted = true;
            daemon.ended(established);
        }
    }

    private void expire() {
        expired = true;
        try {
            frames.close();
        } catch (IOException ignored) {
            // Closed either way.
        }
    }

    /** {@return the request's verdict} */
    private Verdict serve(Hello hello) throws IOException {
        HandshakeServiceConfig config;
        try {
            config = daemon.config();
        } catch (HandshakeFailedException e) {
            return new Verdict.Failed(e.reason(), -1, e.getMessage());
        }
        ProxyHandshakeChannel proxy = new ProxyHandshakeChannel(hello, frames);
        CipherSuite preferred = null;
        if (hello.preferredCipherSuite() != 0) {
            preferred = CipherSuite.fromCode(hello.preferredCipherSuite());
            if (preferred == null) {
                throw new RemoteProtocolException("HELLO names cipher suite 0x"
                        + Integer.toHexString(hello.preferredCipherSuite()) + ", which QUIC cannot use");
            }
        }
        ServiceTlsConfigs.ClientPlan plan = null;
        HandshakeDriver driver;
        try {
            if (hello.client()) {
                plan = ServiceTlsConfigs.client(config, hello.request(), daemon.tickets(),
                        hello.socketApplicationProtocols());
                TlsClientConfig tls = plan.config();
                if (preferred != null) {
                    // As QuicHandshake: the server chooses (RFC 8446 §4.1.1), so a client's preference is all it
                    // offers.
                    tls = tls.withCipherSuites(List.of(preferred));
                }
                driver = HandshakeDriver.client(proxy, tls, RANDOM);
            } else {
                TlsServerConfig tls = ServiceTlsConfigs.server(config, hello.request(), daemon.serverTickets(),
                        hello.socketApplicationProtocols());
                driver = HandshakeDriver.server(proxy, serverOptions(tls, preferred, hello.certificateRequest()),
                        RANDOM);
            }
        } catch (HandshakeFailedException e) {
            return new Verdict.Failed(e.reason(), -1, e.getMessage());
        } catch (IllegalArgumentException | IllegalStateException e) {
            return new Verdict.Failed(HandshakeFailure.LOCAL_CONFIGURATION, -1, e.getMessage());
        }
        for (int i = 0; i < MAX_STEPS; i++) {
            switch (driver.step()) {
                case TASK_PENDING -> {
                    Runnable task = driver.delegatedTask();
                    if (task != null) {
                        task.run();
                    }
                }
                case NEEDS_INPUT -> {
                    if (!proxy.hasInput()) {
                        await(proxy, WAIT_UNBOUNDED);
                    }
                }
                case FAILED -> {
                    TlsAlertException alert = driver.failure();
                    if (alert != null) {
                        return new Verdict.Failed(HandshakeFailure.AUTHENTICATION_FAILED, -1, side(hello)
                                + " handshake failed: sent TLS alert " + alert.alert() + ": " + alert.getMessage());
                    }
                    // Closed under the handshake: the application tells a peer's alert from a close.
                    return new Verdict.Failed(null, -1, side(hello) + " handshake: the connection closed");
                }
                case COMPLETE -> {
                    return complete(hello, config, plan, driver, proxy);
                }
            }
        }
        throw new RemoteProtocolException("the handshake took more than " + MAX_STEPS + " steps");
    }

    private Verdict complete(Hello hello, HandshakeServiceConfig config, ServiceTlsConfigs.ClientPlan plan,
                             HandshakeDriver driver, ProxyHandshakeChannel proxy) throws IOException {
        TlsEngine engine = driver.engine();
        if (!hello.client()) {
            String refusal = ServiceTlsConfigs.refusal(engine, hello.request());
            if (refusal != null) {
                return new Verdict.Failed(HandshakeFailure.AUTHENTICATION_FAILED,
                        TlsHandshakeService.REFUSED_ERROR_CODE, refusal);
            }
        }
        Duration ticketWait = config.sessionTicketWait();
        if (plan != null && plan.ticketWait() != null && !ticketWait.isZero()) {
            // As the in-process service: the server's first ticket before the consumer goes on; one that does not
            // come is no failure. The ticket stays here, in the daemon's store, with the session's secret. Unlike in
            // process, the wait ends with the request's timeout (less a margin for the verdict to travel): the
            // application gives up then, and a handshake that succeeded must not be reported as timed out.
            long until = Math.min(System.nanoTime() + ticketWait.toNanos(),
                    requestDeadline - TimeUnit.MILLISECONDS.toNanos(TICKET_WAIT_MARGIN_MILLIS));
            for (int i = 0; i < MAX_STEPS && plan.ticketWait().arrived().getCount() > 0 && !proxy.closed(); i++) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                await(proxy, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                driver.step();
            }
        }
        if (engine.resumed()) {
            daemon.resumed();
        }
        String group = engine.keyExchangeGroup() == null ? null : engine.keyExchangeGroup().toString();
        return new Verdict.Established(engine.applicationProtocol(), engine.cipherSuite().code(), group);
    }

    /** {@return the server's configuration with the socket's options applied, as QuicHandshake applies them} */
    private static TlsServerConfig serverOptions(TlsServerConfig config, CipherSuite preferred,
                                                 CertificateRequest request) {
        if (preferred != null) {
            List<CipherSuite> suites = new ArrayList<>(List.of(preferred));
            for (CipherSuite suite : config.cipherSuites()) {
                if (suite != preferred) {
                    suites.add(suite);
                }
            }
            config = config.withCipherSuites(suites);
        }
        if (config.clientAuthentication() == ClientAuth.NONE && request != CertificateRequest.NONE) {
            ClientAuth policy = request == CertificateRequest.REQUIRE ? ClientAuth.REQUIRE : ClientAuth.REQUEST;
            CertificateValidator validator = config.clientCertificateValidator() != null
                    ? config.clientCertificateValidator() : CertificateValidator.system();
            config = config.withClientAuthentication(policy, validator);
        }
        return config;
    }

    /** Sends the turn's frames and AWAIT, then takes the application's answer: handshake bytes and its state. */
    private void await(ProxyHandshakeChannel proxy, long maxWaitMillis) throws IOException {
        frames.write(FrameType.AWAIT, new PayloadWriter().u32(Math.min(maxWaitMillis, WAIT_UNBOUNDED)));
        frames.flush();
        for (int i = 0; i < MAX_FRAMES_PER_TURN; i++) {
            Frame frame = frames.read();
            PayloadReader r = frame.reader();
            switch (frame.type()) {
                case CRYPTO -> proxy.offer(Codes.level(r.u8("level")), r.rest());
                case STATE -> {
                    int flags = r.u8("flags");
                    int attempt = (int) r.u32("attempt");
                    int version = (int) r.u32("QUIC version");
                    proxy.state(flags, attempt, version, r.rest());
                    return;
                }
                default -> throw new RemoteProtocolException(frame.type() + " frame where CRYPTO or STATE was due");
            }
        }
        throw new RemoteProtocolException("more than " + MAX_FRAMES_PER_TURN + " frames in one turn");
    }

    private void send(Verdict verdict) throws IOException {
        frames.write(verdict.frameType(), verdict.encode());
        frames.flush();
    }

    private void sendQuietly(Verdict verdict) {
        try {
            send(verdict);
        } catch (IOException | RuntimeException ignored) {
            // The application is gone or cannot read: the close that follows tells it enough.
        }
    }

    private static String side(Hello hello) {
        return hello.client() ? "client" : "server";
    }
}
