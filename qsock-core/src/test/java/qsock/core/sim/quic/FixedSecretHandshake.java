package qsock.core.sim.quic;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import qsock.api.Role;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.CipherSuite;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.core.handshake.HandshakeChannel;

/**
 * A handshake without cryptography (ngtcp2's null-crypto idea): both TLS roles played with canned messages
 * ({@link CannedMessage}) and known secrets ({@link FixedSecrets}), through a connection's {@link HandshakeChannel}
 * as a TLS engine would drive it, so that a connection's rules are tested in qsock-core without qsock-tls.
 *
 * <p>The exchange has TLS 1.3's shape (RFC 9001 §4.1): the client writes a ClientHello at Initial, carrying its
 * cipher suite, ALPN and transport parameters; the server reads it whole (however many CRYPTO frames it came in, in
 * whatever order), hands the client's parameters on, answers with a ServerHello at Initial, installs the Handshake
 * secrets both ways, writes its Handshake flight (ALPN, its transport parameters, a canned certificate of a
 * configurable size) and installs the 1-RTT secrets. The client reads the ServerHello and installs the Handshake
 * secrets; reads the server's flight, hands its parameters on, installs the 1-RTT secrets, answers with a Finished
 * and completes (§4.1.1: the client's handshake is complete once it sent its Finished). The server completes when it
 * has read the client's Finished.
 *
 * <p>It fails as TLS would, with an alert (RFC 9001 §4.8): a suite or ALPN the peer does not share, a message out of
 * place or malformed, or, for tests of the failure path, on the peer's first message when {@link Settings#failAlert}
 * is set.
 */
public final class FixedSecretHandshake implements HandshakeStepper {

    /** The application protocol both sides offer unless configured otherwise. */
    public static final String ALPN = "fixed";
    /** TLS alert unexpected_message (RFC 8446 §6.2). */
    public static final int UNEXPECTED_MESSAGE = 10;
    /** TLS alert handshake_failure. */
    public static final int HANDSHAKE_FAILURE = 40;
    /** TLS alert illegal_parameter. */
    public static final int ILLEGAL_PARAMETER = 47;
    /** TLS alert decode_error. */
    public static final int DECODE_ERROR = 50;
    /** TLS alert decrypt_error: a Finished that is not the canned one. */
    public static final int DECRYPT_ERROR = 51;
    /** TLS alert no_application_protocol (RFC 7301 §3.2). */
    public static final int NO_APPLICATION_PROTOCOL = 120;

    private static final byte[] SERVER_RANDOM = filled(32, 0x5a);
    private static final byte[] FINISHED = filled(32, 0xf1);
    /** Reads per step at most: each moves at least a byte, and a flight is a few kilobytes. */
    private static final int MAX_READS = 4096;

    /**
     * What a fixed-secret handshake does.
     *
     * @param suite the cipher suite it offers (client) or takes (server); the peer must use the same
     * @param alpn the application protocol it offers or takes
     * @param clientHelloPadding bytes of padding in the ClientHello
     * @param certificateBytes bytes of the canned certificate in the server's Handshake flight: a flight larger
     *     than one packet is reassembled from several CRYPTO frames, one above three Initials tests the server's
     *     anti-amplification limit
     * @param failAlert 0 for none; else the alert this side fails with on the peer's first message
     */
    public record Settings(CipherSuite suite, String alpn, int clientHelloPadding, int certificateBytes,
                           int failAlert) {

        /** Checks the settings. */
        public Settings {
            Objects.requireNonNull(suite, "suite");
            Objects.requireNonNull(alpn, "alpn");
            if (clientHelloPadding < 0 || certificateBytes < 0 || certificateBytes > 1 << 20 || failAlert < 0
                    || failAlert > 255) {
                throw new IllegalArgumentException("settings out of range: " + clientHelloPadding + ", "
                        + certificateBytes + ", " + failAlert);
            }
        }

        /** {@return AES-128-GCM, {@link #ALPN}, a 256-byte padding and a 1,500-byte certificate, no failure} */
        public static Settings defaults() {
            return new Settings(CipherSuite.TLS_AES_128_GCM_SHA256, ALPN, 256, 1500, 0);
        }

        /** {@return these settings with {@code s} as cipher suite} */
        public Settings withSuite(CipherSuite s) {
            return new Settings(s, alpn, clientHelloPadding, certificateBytes, failAlert);
        }

        /** {@return these settings with {@code a} as application protocol} */
        public Settings withAlpn(String a) {
            return new Settings(suite, a, clientHelloPadding, certificateBytes, failAlert);
        }

        /** {@return these settings with a canned certificate of {@code n} bytes} */
        public Settings withCertificateBytes(int n) {
            return new Settings(suite, alpn, clientHelloPadding, n, failAlert);
        }

        /** {@return these settings, failing with {@code alert} on the peer's first message} */
        public Settings failingWith(int alert) {
            return new Settings(suite, alpn, clientHelloPadding, certificateBytes, alert);
        }

        /** {@return a factory of handshakes with these settings} */
        public HandshakeFactory factory() {
            return (connection, channel) -> new FixedSecretHandshake(connection, channel, this);
        }
    }

    private enum Stage { START, WAIT_CLIENT_HELLO, WAIT_SERVER_HELLO, WAIT_SERVER_FLIGHT, WAIT_FINISHED, COMPLETE,
        FAILED }

    private final QuicConnection connection;
    private final HandshakeChannel channel;
    private final Settings settings;
    private final Role role;
    private final ByteBuffer scratch = ByteBuffer.allocate(2048);
    /** Handshake bytes read per level, waiting to make a whole message. */
    private final byte[][] received = new byte[EncryptionLevel.values().length][];
    private final int[] receivedLength = new int[EncryptionLevel.values().length];
    private Stage stage;
    private int alert = -1;
    /** The connection attempt this handshake belongs to: a client starts over when it changes (RFC 9368 §2.1). */
    private int attempt;

    private FixedSecretHandshake(QuicConnection connection, HandshakeChannel channel, Settings settings) {
        this.connection = connection;
        this.channel = channel;
        this.settings = settings;
        this.role = channel.isClient() ? Role.CLIENT : Role.SERVER;
        this.stage = role == Role.CLIENT ? Stage.START : Stage.WAIT_CLIENT_HELLO;
    }

    /** {@return a factory of handshakes with the {@link Settings#defaults() defaults}} */
    public static HandshakeFactory factory() {
        return Settings.defaults().factory();
    }

    /** {@return a factory of handshakes with the defaults but {@code suite}} */
    public static HandshakeFactory factory(CipherSuite suite) {
        return Settings.defaults().withSuite(suite).factory();
    }

    /** {@return whether this side completed its handshake} */
    public boolean isComplete() {
        return stage == Stage.COMPLETE;
    }

    /** {@return the alert this side failed with, or -1} */
    public int alert() {
        return alert;
    }

    @Override
    public void step() {
        if (role == Role.CLIENT && channel.handshakeAttempt() != attempt && stage != Stage.COMPLETE) {
            // A new connection attempt after Version Negotiation: a new ClientHello, nothing of the old one kept.
            attempt = channel.handshakeAttempt();
            stage = Stage.START;
            java.util.Arrays.fill(receivedLength, 0);
        }
        if (stage == Stage.START) {
            stage = Stage.WAIT_SERVER_HELLO;
            write(CannedMessage.Type.CLIENT_HELLO, clientHello());
        }
        if (stage == Stage.COMPLETE || stage == Stage.FAILED || !channel.isHandshaking()) {
            return;
        }
        for (int i = 0; i < MAX_READS; i++) {
            EncryptionLevel level = channel.readHandshake(scratch.clear());
            if (level == null) {
                break;
            }
            append(level, scratch.flip());
        }
        // Each message moves the stage on; four is more than one step can take.
        for (int i = 0; i < 4 && stage != Stage.COMPLETE && stage != Stage.FAILED && channel.isHandshaking(); i++) {
            CannedMessage m = nextMessage();
            if (m == null) {
                return;
            }
            try {
                onMessage(m);
            } catch (BufferUnderflowException e) {
                fail(DECODE_ERROR, m.type() + " too short");
            }
        }
    }

    private void onMessage(CannedMessage m) {
        ByteBuffer body = ByteBuffer.wrap(m.body());
        switch (stage) {
            case WAIT_CLIENT_HELLO -> onClientHello(expect(m, CannedMessage.Type.CLIENT_HELLO), body);
            case WAIT_SERVER_HELLO -> onServerHello(expect(m, CannedMessage.Type.SERVER_HELLO), body);
            case WAIT_SERVER_FLIGHT -> onServerFlight(expect(m, CannedMessage.Type.SERVER_FLIGHT), body);
            case WAIT_FINISHED -> onFinished(expect(m, CannedMessage.Type.FINISHED), body);
            case START, COMPLETE, FAILED -> throw new IllegalStateException("no message expected in " + stage);
        }
    }

    private boolean expect(CannedMessage m, CannedMessage.Type type) {
        if (m.type() != type) {
            fail(UNEXPECTED_MESSAGE, m.type() + " where " + type + " was expected");
            return false;
        }
        return true;
    }

    private void onClientHello(boolean expected, ByteBuffer body) {
        if (!expected || refuseByConfiguration()) {
            return;
        }
        int suite = body.getShort() & 0xffff;
        String alpn = string(body, body.get() & 0xff);
        byte[] parameters = bytes(body, body.getShort() & 0xffff);
        if (suite != settings.suite().code()) {
            fail(HANDSHAKE_FAILURE, "no common cipher suite: offered 0x" + Integer.toHexString(suite));
            return;
        }
        if (!alpn.equals(settings.alpn())) {
            fail(NO_APPLICATION_PROTOCOL, "offered " + alpn);
            return;
        }
        channel.peerTransportParameters(parameters);
        if (!channel.isHandshaking()) {
            return; // the parameters were refused: the connection is closing
        }
        ByteBuffer hello = ByteBuffer.allocate(2 + SERVER_RANDOM.length);
        hello.putShort((short) settings.suite().code()).put(SERVER_RANDOM);
        write(CannedMessage.Type.SERVER_HELLO, hello.array());
        install(EncryptionLevel.HANDSHAKE);
        byte[] alpnBytes = settings.alpn().getBytes(StandardCharsets.US_ASCII);
        byte[] local = channel.localTransportParameters();
        ByteBuffer flight = ByteBuffer.allocate(1 + alpnBytes.length + 2 + local.length + 3
                + settings.certificateBytes());
        flight.put((byte) alpnBytes.length).put(alpnBytes).putShort((short) local.length).put(local);
        int n = settings.certificateBytes();
        flight.put((byte) (n >>> 16)).put((byte) (n >>> 8)).put((byte) n);
        for (int i = 0; i < n; i++) {
            flight.put((byte) (i * 7));
        }
        write(CannedMessage.Type.SERVER_FLIGHT, flight.array());
        install(EncryptionLevel.APPLICATION);
        stage = Stage.WAIT_FINISHED;
    }

    private void onServerHello(boolean expected, ByteBuffer body) {
        if (!expected || refuseByConfiguration()) {
            return;
        }
        int suite = body.getShort() & 0xffff;
        if (suite != settings.suite().code()) {
            fail(ILLEGAL_PARAMETER, "the server took suite 0x" + Integer.toHexString(suite) + ", not offered");
            return;
        }
        install(EncryptionLevel.HANDSHAKE);
        stage = Stage.WAIT_SERVER_FLIGHT;
    }

    private void onServerFlight(boolean expected, ByteBuffer body) {
        if (!expected) {
            return;
        }
        String alpn = string(body, body.get() & 0xff);
        byte[] parameters = bytes(body, body.getShort() & 0xffff);
        int certificate = (body.get() & 0xff) << 16 | (body.get() & 0xff) << 8 | (body.get() & 0xff);
        if (body.remaining() != certificate) {
            fail(DECODE_ERROR, "certificate of " + body.remaining() + " bytes announced as " + certificate);
            return;
        }
        if (!alpn.equals(settings.alpn())) {
            fail(NO_APPLICATION_PROTOCOL, "the server took " + alpn);
            return;
        }
        channel.peerTransportParameters(parameters);
        if (!channel.isHandshaking()) {
            return;
        }
        install(EncryptionLevel.APPLICATION);
        write(CannedMessage.Type.FINISHED, FINISHED);
        stage = Stage.COMPLETE;
        channel.handshakeComplete(settings.alpn());
    }

    private void onFinished(boolean expected, ByteBuffer body) {
        if (!expected) {
            return;
        }
        if (!Arrays.equals(bytes(body, body.remaining()), FINISHED)) {
            fail(DECRYPT_ERROR, "Finished does not verify");
            return;
        }
        stage = Stage.COMPLETE;
        // RFC 9001 §4.1.1: the server's handshake is complete once it has verified the client's Finished.
        channel.handshakeComplete(settings.alpn());
    }

    private boolean refuseByConfiguration() {
        if (settings.failAlert() == 0) {
            return false;
        }
        fail(settings.failAlert(), "refused by the test's settings");
        return true;
    }

    private byte[] clientHello() {
        byte[] alpn = settings.alpn().getBytes(StandardCharsets.US_ASCII);
        byte[] parameters = channel.localTransportParameters();
        ByteBuffer b = ByteBuffer.allocate(2 + 1 + alpn.length + 2 + parameters.length + 2
                + settings.clientHelloPadding());
        b.putShort((short) settings.suite().code()).put((byte) alpn.length).put(alpn)
                .putShort((short) parameters.length).put(parameters).putShort((short) settings.clientHelloPadding());
        return b.array();
    }

    /** Installs both secrets of {@code level}: the one we write with, then the one we read with. */
    private void install(EncryptionLevel level) {
        channel.installSecret(level, KeyDirection.WRITE, settings.suite(),
                FixedSecrets.secret(level, role, settings.suite()));
        channel.installSecret(level, KeyDirection.READ, settings.suite(),
                FixedSecrets.secret(level, role.peer(), settings.suite()));
    }

    private void write(CannedMessage.Type type, byte[] body) {
        channel.writeHandshake(type.level(), new CannedMessage(type, body).encode());
    }

    private void fail(int alert, String reason) {
        this.alert = alert;
        stage = Stage.FAILED;
        channel.handshakeFailed(alert, reason);
    }

    private void append(EncryptionLevel level, ByteBuffer data) {
        int i = level.ordinal();
        byte[] b = received[i] == null ? new byte[Math.max(256, data.remaining())] : received[i];
        if (receivedLength[i] + data.remaining() > b.length) {
            b = Arrays.copyOf(b, Math.max(2 * b.length, receivedLength[i] + data.remaining()));
        }
        int n = data.remaining();
        data.get(b, receivedLength[i], n);
        receivedLength[i] += n;
        received[i] = b;
    }

    /**
     * {@return the next whole message, or null while none is} A whole message at a level other than the one the
     * stage waits for fails the handshake with unexpected_message, as TLS fails data at the wrong level.
     */
    private CannedMessage nextMessage() {
        EncryptionLevel waited = switch (stage) {
            case WAIT_CLIENT_HELLO, WAIT_SERVER_HELLO -> EncryptionLevel.INITIAL;
            default -> EncryptionLevel.HANDSHAKE;
        };
        for (EncryptionLevel level : EncryptionLevel.values()) {
            int i = level.ordinal();
            int n = received[i] == null ? -1 : CannedMessage.framedLength(received[i], receivedLength[i]);
            if (n < 0) {
                continue;
            }
            byte[] b = received[i];
            int code = b[0] & 0xff;
            CannedMessage.Type type = CannedMessage.Type.of(code);
            byte[] body = Arrays.copyOfRange(b, CannedMessage.HEADER, n);
            System.arraycopy(b, n, b, 0, receivedLength[i] - n);
            receivedLength[i] -= n;
            if (type == null || level != waited) {
                fail(UNEXPECTED_MESSAGE, "message " + code + " at " + level + " while in " + stage);
                return null;
            }
            return new CannedMessage(type, body);
        }
        return null;
    }

    private static String string(ByteBuffer b, int length) {
        return new String(bytes(b, length), StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(ByteBuffer b, int length) {
        byte[] out = new byte[length];
        b.get(out);
        return out;
    }

    private static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Override
    public String toString() {
        return "FixedSecretHandshake[" + role + ", " + stage + ", " + connection + "]";
    }
}
