package qsock.tls.interop;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;
import qsock.tls.TlsEngine;
import qsock.tls.TlsEvent;
import qsock.tls.message.ClientHello;
import qsock.tls.message.FramedMessage;
import qsock.tls.message.ServerHello;

/**
 * A minimal TLS 1.3 record layer (RFC 8446 §5) over a TCP socket, driven by a {@link TlsEngine} in its
 * TLS-over-TCP test mode, so that the engine can handshake with TLS stacks that do not speak QUIC. Test
 * code only.
 *
 * <p>The engine's events map onto records as a QUIC transport maps them onto packets: handshake bytes at
 * the Initial level travel in plaintext records, those at the Handshake and Application levels in records
 * protected with keys derived from the engine's secrets; each {@code SecretReady} installs the keys of its
 * direction for the next record that way. Write keys are kept per level and picked by the level of each
 * {@code HandshakeData}, not taken as "the newest": one batch of events mixes levels (a server's
 * Handshake-level flight and its Application write secret), and the level is what says which keys apply.
 * Alerts and close_notify go under the newest write keys, which is what the peer expects to read next.
 *
 * <p>Use: {@link #handshake()}, then {@link #write} and {@link #read}, then {@link #close()} (close_notify).
 * A failure of the engine or of the records is sent to the peer as an alert (plaintext before there are
 * handshake keys, protected after) and thrown as {@link TlsAlertException}; an alert from the peer is
 * thrown as {@link PeerAlertException}. Not thread-safe: one thread drives a record layer.
 */
final class TlsRecordLayer implements Closeable {

    /** More records than any handshake of these tests needs (a few each way, one change_cipher_spec). */
    static final int MAX_HANDSHAKE_RECORDS = 64;

    private static final int CLIENT_HELLO_RECORD_VERSION = 0x0301;
    /** How long {@link #close()} waits for the peer to close after us. */
    private static final int LINGER_MILLIS = 5_000;
    private static final long LINGER_BYTES = 1 << 20;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final TlsEngine engine;
    private final Map<EncryptionLevel, RecordProtection> writeKeys = new EnumMap<>(EncryptionLevel.class);
    private final Map<EncryptionLevel, ByteArrayOutputStream> handshakeSent = new EnumMap<>(EncryptionLevel.class);
    private final Map<EncryptionLevel, ByteArrayOutputStream> handshakeReceived = new EnumMap<>(EncryptionLevel.class);
    private final ArrayDeque<ByteBuffer> applicationData = new ArrayDeque<>();
    private EncryptionLevel writeLevel = EncryptionLevel.INITIAL;
    private RecordProtection readKeys;
    private EncryptionLevel readLevel = EncryptionLevel.INITIAL;
    private boolean firstRecordSent;
    private TlsEvent.HandshakeComplete completion;
    /** The client's 0-RTT attempt, or null. */
    private TlsEvent.EarlyDataAttempt earlyDataAttempt;
    /** Whether the server accepted early data; null until known or when none was offered. */
    private Boolean earlyDataAccepted;
    /** Client: the early data to send under the client early traffic key right after the ClientHello. */
    private byte[] earlyDataToSend;
    /** Server: the client early traffic key while early data may come (until EndOfEarlyData), else null. */
    private RecordProtection earlyReadKeys;
    private final ByteArrayOutputStream earlyDataReceived = new ByteArrayOutputStream();
    /** Server: bytes of undecryptable (rejected) early data skipped so far (RFC 8446 §4.2.10). */
    private long earlyDataSkipped;
    private boolean peerClosed;
    private boolean failed;
    private boolean closeNotifySent;
    private int applicationRecordsSent;
    private int applicationRecordsReceived;
    private int changeCipherSpecsDropped;

    /**
     * Drives {@code engine} over {@code socket}, which is connected and has its read timeout set; the
     * record layer owns the socket from now on.
     */
    TlsRecordLayer(Socket socket, TlsEngine engine) throws IOException {
        this.socket = socket;
        this.engine = engine;
        socket.setTcpNoDelay(true);
        this.in = socket.getInputStream();
        this.out = new BufferedOutputStream(socket.getOutputStream(), 2 * (RecordProtection.HEADER_LENGTH
                + RecordProtection.MAX_CIPHERTEXT));
    }

    /**
     * Runs the handshake to completion: sends what the engine has (a client's ClientHello), then reads
     * records and feeds the engine until it completes, at most {@link #MAX_HANDSHAKE_RECORDS} records.
     *
     * @throws TlsAlertException if the engine or the record layer failed; the alert was sent
     * @throws PeerAlertException if the peer sent an alert
     * @throws IOException if the socket failed, timed out, or the peer closed it
     */
    void handshake() throws IOException, TlsAlertException {
        checkOpen();
        pump();
        for (int records = 0; engine.status() != TlsEngine.Status.COMPLETE; records++) {
            if (records == MAX_HANDSHAKE_RECORDS) {
                throw new IOException("no complete handshake after " + records + " records; engine "
                        + engine.status());
            }
            readRecord();
            if (peerClosed) {
                throw new EOFException("the peer sent close_notify during the handshake");
            }
        }
        if (completion == null) {
            throw new IllegalStateException("the engine completed without a HandshakeComplete event");
        }
    }

    /** Client: sends {@code data} as 0-RTT application data if the ClientHello offers early data; call first. */
    void sendEarlyData(byte[] data) {
        earlyDataToSend = data.clone();
    }

    /** {@return the early data the server received under the client early traffic key} */
    byte[] earlyDataReceived() {
        return earlyDataReceived.toByteArray();
    }

    /** {@return how many bytes of rejected early data records the server skipped (RFC 8446 §4.2.10)} */
    long earlyDataSkipped() {
        return earlyDataSkipped;
    }

    /** {@return the engine's EarlyDataStatus, or null when none came} */
    Boolean earlyDataAccepted() {
        return earlyDataAccepted;
    }

    /** {@return the client's EarlyDataAttempt, or null when it made none} */
    TlsEvent.EarlyDataAttempt earlyDataAttempt() {
        return earlyDataAttempt;
    }

    /** Sends {@code data} as application data, in records of at most 2^14 bytes. */
    void write(byte[] data) throws IOException {
        checkOpen();
        RecordProtection keys = writeKeys.get(EncryptionLevel.APPLICATION);
        if (completion == null || keys == null) {
            throw new IllegalStateException("application data before the handshake completed");
        }
        for (int offset = 0; offset < data.length; offset += RecordProtection.MAX_PLAINTEXT) {
            int n = Math.min(RecordProtection.MAX_PLAINTEXT, data.length - offset);
            out.write(keys.seal(ContentType.APPLICATION_DATA, data, offset, n));
            applicationRecordsSent++;
        }
        out.flush();
    }

    /**
     * {@return exactly {@code length} bytes of application data}, reading records as needed (handshake
     * messages after the handshake, such as NewSessionTicket, go to the engine)
     *
     * @throws EOFException if the peer closes first
     */
    byte[] read(int length) throws IOException, TlsAlertException {
        checkOpen();
        byte[] result = new byte[length];
        int filled = 0;
        while (filled < length) {
            ByteBuffer chunk = applicationData.peek();
            if (chunk == null) {
                if (peerClosed) {
                    throw new EOFException("the peer closed after " + filled + " of " + length + " bytes");
                }
                readRecord();
                continue;
            }
            int n = Math.min(chunk.remaining(), length - filled);
            chunk.get(result, filled, n);
            filled += n;
            if (!chunk.hasRemaining()) {
                applicationData.poll();
            }
        }
        return result;
    }

    /**
     * Reads until the peer's close_notify.
     *
     * @throws IOException if application data comes first, or the connection ends without close_notify
     */
    void awaitCloseNotify() throws IOException, TlsAlertException {
        for (int records = 0; !peerClosed; records++) {
            if (!applicationData.isEmpty() || records == MAX_HANDSHAKE_RECORDS) {
                throw new IOException("the peer sent more data instead of close_notify");
            }
            readRecord();
        }
    }

    /**
     * Sends close_notify, unless the connection failed or it was sent already, then closes the socket once
     * the peer has closed too (see {@link #lingerUntilPeerCloses}). A peer that closed first may have reset
     * the connection; close_notify is then lost, which is no error.
     */
    @Override
    public void close() throws IOException {
        if (socket.isClosed()) {
            return;
        }
        try {
            if (!failed && !closeNotifySent) {
                closeNotifySent = true;
                try {
                    sendAlert(TlsAlert.CLOSE_NOTIFY);
                } catch (IOException e) {
                    if (!peerClosed) {
                        throw e;
                    }
                }
            }
            lingerUntilPeerCloses();
        } finally {
            socket.close();
        }
    }

    /**
     * Half-closes the connection and reads (and drops) what the peer still sends until it closes too. A
     * socket closed with unread input answers with a TCP reset, and a reset makes the peer's kernel drop
     * what it has not yet handed to the peer, such as the alert just sent: a client that fails on the
     * server's Certificate would otherwise race the server's CertificateVerify and Finished. Bounded by a
     * short read timeout and a byte count; giving up then only risks that race.
     */
    private void lingerUntilPeerCloses() {
        try {
            if (!socket.isOutputShutdown()) {
                socket.shutdownOutput();
            }
            socket.setSoTimeout(LINGER_MILLIS);
            byte[] sink = new byte[8192];
            for (long total = 0; total < LINGER_BYTES; ) {
                int n = in.read(sink);
                if (n < 0) {
                    return;
                }
                total += n;
            }
        } catch (IOException e) {
            // The peer reset the connection or stays open: nothing more to protect.
        }
    }

    /** {@return the engine} */
    TlsEngine engine() {
        return engine;
    }

    /** {@return the engine's completion event, or null before the handshake completed} */
    TlsEvent.HandshakeComplete completion() {
        return completion;
    }

    /** {@return the ClientHello on the wire: the one sent by a client engine, or received by a server engine} */
    ClientHello clientHello() throws TlsAlertException {
        return Hellos.clientHello(handshakeBytes(engine.isClient() ? handshakeSent : handshakeReceived,
                EncryptionLevel.INITIAL));
    }

    /** {@return the ServerHello on the wire: the one received by a client engine, or sent by a server engine} */
    ServerHello serverHello() throws TlsAlertException {
        return Hellos.serverHello(handshakeBytes(engine.isClient() ? handshakeReceived : handshakeSent,
                EncryptionLevel.INITIAL));
    }

    /** {@return the handshake messages sent at {@code level}, in order} */
    List<FramedMessage> handshakeMessagesSent(EncryptionLevel level) throws TlsAlertException {
        return Hellos.messages(handshakeBytes(handshakeSent, level));
    }

    /** {@return the handshake messages received at {@code level}, in order} */
    List<FramedMessage> handshakeMessagesReceived(EncryptionLevel level) throws TlsAlertException {
        return Hellos.messages(handshakeBytes(handshakeReceived, level));
    }

    private static byte[] handshakeBytes(Map<EncryptionLevel, ByteArrayOutputStream> log, EncryptionLevel level) {
        ByteArrayOutputStream bytes = log.get(level);
        return bytes == null ? new byte[0] : bytes.toByteArray();
    }

    /** {@return how many application_data records {@link #write} sent} */
    int applicationRecordsSent() {
        return applicationRecordsSent;
    }

    /** {@return how many application_data records were received} */
    int applicationRecordsReceived() {
        return applicationRecordsReceived;
    }

    /** {@return how many change_cipher_spec records the peer sent, all dropped} */
    int changeCipherSpecsDropped() {
        return changeCipherSpecsDropped;
    }

    // ---- reading ----------------------------------------------------------------------------------

    /** Reads one record and acts on it; the engine's events are handled before this returns. */
    private void readRecord() throws IOException, TlsAlertException {
        byte[] header = in.readNBytes(RecordProtection.HEADER_LENGTH);
        if (header.length < RecordProtection.HEADER_LENGTH) {
            peerClosed = true;
            throw new EOFException(header.length == 0
                    ? "the peer closed the connection without close_notify (engine " + engine.status() + ")"
                    : "the connection ended inside a record header");
        }
        int type = header[0] & 0xFF;
        int length = (header[3] & 0xFF) << 8 | header[4] & 0xFF;
        boolean protectedRecord = type == ContentType.APPLICATION_DATA.code()
                && (readKeys != null || earlyReadKeys != null);
        // RFC 8446 §5.1, §5.2: plaintext fragments are at most 2^14 bytes, protected records 2^14 + 256.
        if (length > (protectedRecord ? RecordProtection.MAX_CIPHERTEXT : RecordProtection.MAX_PLAINTEXT)) {
            throw fail(new TlsAlertException(TlsAlert.RECORD_OVERFLOW, "record of " + length + " bytes"));
        }
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            peerClosed = true;
            throw new EOFException("the connection ended inside a record of " + length + " bytes");
        }
        ContentType contentType = ContentType.fromCode(type);
        if (protectedRecord && earlyReadKeys != null) {
            // RFC 8446 §4.2.10, §4.5: accepted early data, under the client early traffic key, up to and
            // including EndOfEarlyData.
            RecordProtection.Opened opened;
            try {
                opened = earlyReadKeys.open(header, body);
            } catch (TlsAlertException e) {
                throw fail(e);
            }
            ContentType inner = ContentType.fromCode(opened.type());
            if (inner == ContentType.APPLICATION_DATA) {
                earlyDataReceived.writeBytes(opened.content());
            } else {
                earlyReadKeys = null; // the only handshake message under this key is EndOfEarlyData
                onContent(inner, opened.type(), opened.content(), EncryptionLevel.EARLY_DATA);
            }
        } else if (protectedRecord) {
            RecordProtection.Opened opened;
            try {
                opened = readKeys.open(header, body);
            } catch (TlsAlertException e) {
                // RFC 8446 §4.2.10: a server that rejected early data skips records that do not decrypt,
                // up to max_early_data_size (ours: 16384, plus each record's overhead).
                if (!engine.isClient() && Boolean.FALSE.equals(earlyDataAccepted) && completion == null
                        && earlyDataSkipped + length <= 16_384 + 256L * 64) {
                    earlyDataSkipped += length;
                    return;
                }
                throw fail(e);
            }
            onContent(ContentType.fromCode(opened.type()), opened.type(), opened.content(), readLevel);
        } else if (contentType == ContentType.CHANGE_CIPHER_SPEC) {
            // RFC 8446 §5: a change_cipher_spec of the single byte 0x01 between the first ClientHello and
            // the peer's Finished is dropped; any other is unexpected_message.
            if (length != 1 || body[0] != 1 || engine.status() == TlsEngine.Status.COMPLETE) {
                throw fail(new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE, "change_cipher_spec record out of place"));
            }
            changeCipherSpecsDropped++;
        } else if (contentType == ContentType.ALERT) {
            // Plaintext alerts are accepted at any time: a peer that fails before it has keys sends one, and
            // reporting it is more useful than a decryption error.
            onAlert(body, false);
        } else if (contentType == ContentType.HANDSHAKE && readKeys == null) {
            onContent(contentType, type, body, EncryptionLevel.INITIAL);
        } else {
            throw fail(new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE, "record of type " + type
                    + (readKeys == null ? " before handshake keys" : " in plaintext after handshake keys")));
        }
    }

    private void onContent(ContentType contentType, int code, byte[] content, EncryptionLevel level)
            throws IOException, TlsAlertException {
        if (contentType == null) {
            throw fail(new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE, "record content type " + code));
        }
        switch (contentType) {
            case HANDSHAKE -> {
                if (content.length == 0) {
                    // RFC 8446 §5.1: zero-length fragments of handshake type MUST NOT be sent.
                    throw fail(new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE, "empty handshake record"));
                }
                handshakeReceived.computeIfAbsent(level, l -> new ByteArrayOutputStream()).writeBytes(content);
                try {
                    engine.receive(level, ByteBuffer.wrap(content));
                } catch (TlsAlertException e) {
                    throw fail(e);
                }
                pump();
            }
            case APPLICATION_DATA -> {
                if (level != EncryptionLevel.APPLICATION) {
                    throw fail(new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE, "application data at " + level));
                }
                applicationRecordsReceived++;
                if (content.length > 0) {
                    applicationData.add(ByteBuffer.wrap(content));
                }
            }
            case ALERT -> onAlert(content, true);
            case CHANGE_CIPHER_SPEC ->
                    throw fail(new TlsAlertException(TlsAlert.UNEXPECTED_MESSAGE, "protected change_cipher_spec"));
        }
    }

    private void onAlert(byte[] alert, boolean protectedRecord) throws IOException, TlsAlertException {
        if (alert.length != 2) {
            throw fail(new TlsAlertException(TlsAlert.DECODE_ERROR, "alert of " + alert.length + " bytes"));
        }
        int description = alert[1] & 0xFF;
        peerClosed = true;
        if (description == TlsAlert.CLOSE_NOTIFY.code()) {
            return;
        }
        failed = true;
        throw new PeerAlertException(description, protectedRecord, engine.status() == TlsEngine.Status.COMPLETE
                ? "after the handshake" : "during the handshake (engine " + engine.status() + ")");
    }

    // ---- the engine's events ----------------------------------------------------------------------

    /** Acts on every event the engine has, running delegated tasks inline, then flushes what was written. */
    private void pump() throws IOException, TlsAlertException {
        while (true) {
            TlsEvent event = engine.poll();
            if (event != null) {
                switch (event) {
                    case TlsEvent.HandshakeData d -> writeHandshake(d.level(), d.data());
                    case TlsEvent.SecretReady s -> install(s);
                    case TlsEvent.PeerTransportParameters p -> throw new IllegalStateException(
                            "transport parameters from a TLS-over-TCP peer: " + p);
                    case TlsEvent.HandshakeComplete c -> completion = c;
                    case TlsEvent.EarlyDataAttempt a -> earlyDataAttempt = a;
                    case TlsEvent.EarlyDataStatus st -> earlyDataAccepted = st.accepted();
                }
            } else if (engine.status() == TlsEngine.Status.TASK_PENDING) {
                engine.delegatedTask().run();
                try {
                    engine.resume();
                } catch (TlsAlertException e) {
                    throw fail(e);
                }
            } else {
                break;
            }
        }
        out.flush();
    }

    private void install(TlsEvent.SecretReady secret) throws IOException {
        RecordProtection keys = RecordProtection.fromSecret(secret.cipherSuite(), secret.secret());
        if (secret.level() == EncryptionLevel.EARLY_DATA) {
            if (secret.direction() == KeyDirection.READ) {
                earlyReadKeys = keys;
                return;
            }
            writeKeys.put(EncryptionLevel.EARLY_DATA, keys);
            // RFC 8446 §2.3: 0-RTT application data follows the ClientHello under the early traffic key.
            byte[] data = earlyDataToSend == null ? new byte[0] : earlyDataToSend;
            for (int offset = 0; offset < data.length; offset += RecordProtection.MAX_PLAINTEXT) {
                int n = Math.min(RecordProtection.MAX_PLAINTEXT, data.length - offset);
                out.write(keys.seal(ContentType.APPLICATION_DATA, data, offset, n));
            }
            return;
        }
        if (secret.direction() == KeyDirection.READ) {
            readKeys = keys;
            readLevel = secret.level();
        } else {
            writeKeys.put(secret.level(), keys);
            writeLevel = secret.level();
        }
    }

    private void writeHandshake(EncryptionLevel level, byte[] data) throws IOException {
        handshakeSent.computeIfAbsent(level, l -> new ByteArrayOutputStream()).writeBytes(data);
        RecordProtection keys = null;
        if (level != EncryptionLevel.INITIAL) {
            keys = writeKeys.get(level);
            if (keys == null) {
                throw new IllegalStateException("handshake data at " + level + " before its write secret");
            }
        }
        // RFC 8446 §5.1: a message may span records; records carry at most 2^14 bytes.
        for (int offset = 0; offset < data.length; offset += RecordProtection.MAX_PLAINTEXT) {
            int n = Math.min(RecordProtection.MAX_PLAINTEXT, data.length - offset);
            if (keys == null) {
                writePlaintext(ContentType.HANDSHAKE, data, offset, n);
            } else {
                out.write(keys.seal(ContentType.HANDSHAKE, data, offset, n));
            }
        }
    }

    private void writePlaintext(ContentType type, byte[] data, int offset, int length) throws IOException {
        // RFC 8446 §5.1: legacy_record_version 0x0303, except that an initial ClientHello MAY use 0x0301.
        int version = firstRecordSent || !engine.isClient() ? RecordProtection.LEGACY_RECORD_VERSION
                : CLIENT_HELLO_RECORD_VERSION;
        firstRecordSent = true;
        out.write(type.code());
        out.write(version >>> 8);
        out.write(version & 0xFF);
        out.write(length >>> 8);
        out.write(length & 0xFF);
        out.write(data, offset, length);
    }

    // ---- alerts -----------------------------------------------------------------------------------

    /**
     * Sends the alert of a local failure, marks the connection failed and returns the failure to throw. A
     * failure to send the alert is attached to it.
     */
    private TlsAlertException fail(TlsAlertException failure) {
        if (!failed) {
            failed = true;
            try {
                sendAlert(failure.alert());
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
        return failure;
    }

    /**
     * Sends one alert under the newest write keys: plaintext before there are any (RFC 8446 §5: alerts
     * are protected under the current keys), fatal except for close_notify.
     */
    private void sendAlert(TlsAlert alert) throws IOException {
        byte[] body = {(byte) (alert == TlsAlert.CLOSE_NOTIFY ? 1 : 2), (byte) alert.code()};
        RecordProtection keys = writeKeys.get(writeLevel);
        if (keys == null) {
            writePlaintext(ContentType.ALERT, body, 0, body.length);
        } else {
            out.write(keys.seal(ContentType.ALERT, body, 0, body.length));
        }
        out.flush();
    }

    private void checkOpen() {
        if (failed) {
            throw new IllegalStateException("the connection failed");
        }
    }
}
