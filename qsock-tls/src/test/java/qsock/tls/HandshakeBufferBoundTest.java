package qsock.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static qsock.tls.EngineAssertions.assertAlert;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import qsock.core.handshake.EncryptionLevel;
import qsock.tls.cert.TestPki;
import qsock.tls.codec.Opaque;
import qsock.tls.extension.Unknown;
import qsock.tls.message.HandshakeType;
import qsock.tls.message.NewSessionTicket;

/**
 * A peer cannot make an engine hold more than a bounded amount of handshake data: a message may declare at
 * most 64 KiB of body, a declaration above that is refused as soon as its header is whole, and a partial
 * message at the bound is refused no later than its last byte. While a delegated task runs, what waits for
 * it is bounded too.
 *
 * <p>The bound is observed through behaviour: a stream of 1 MiB is fed in pieces, and the alert must come
 * by the time the bound's bytes are in.
 */
@Timeout(60)
class HandshakeBufferBoundTest {

    /** The engine's bound on a message body (RFC 9001 §4 lets endpoints limit what they buffer). */
    private static final int MAX_BODY = 64 * 1024;
    private static final int HEADER = 4;
    private static final int MEBIBYTE = 1 << 20;

    /** An engine in a state, and the level it reads there. */
    record Reader(String name, Supplier<TlsEngine> engine, EncryptionLevel level) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Reader> readers() {
        return Stream.of(
                new Reader("server waiting for ClientHello", () -> TlsEngine.server(
                        ServerFlight.server("ecdsa-p256").build(), TestPki.seeded(1), ServerFlight.SERVER_PARAMS),
                        EncryptionLevel.INITIAL),
                new Reader("server waiting for Finished", () -> ServerFlight.of("ecdsa-p256", 2).server(),
                        EncryptionLevel.HANDSHAKE),
                new Reader("server after completion", () -> ServerFlight.of("ecdsa-p256", 3).completed().server(),
                        EncryptionLevel.APPLICATION),
                new Reader("client waiting for ServerHello", () -> ServerFlight.of("ecdsa-p256", 4).client(),
                        EncryptionLevel.INITIAL),
                new Reader("client waiting for EncryptedExtensions",
                        () -> ServerFlight.of("ecdsa-p256", 5).helloDelivered().client(), EncryptionLevel.HANDSHAKE),
                new Reader("client after completion", () -> ServerFlight.of("ecdsa-p256", 6).completed().client(),
                        EncryptionLevel.APPLICATION));
    }

    /** {@return a 1 MiB stream starting with a header of this type that declares {@code length} body bytes} */
    private static byte[] stream(int type, int length) {
        byte[] s = new byte[MEBIBYTE];
        s[0] = (byte) type;
        s[1] = (byte) (length >>> 16);
        s[2] = (byte) (length >>> 8);
        s[3] = (byte) length;
        return s;
    }

    /**
     * Feeds {@code stream} in pieces of {@code piece} bytes until the engine refuses it.
     *
     * @return how many bytes had been fed when the alert came
     */
    private static long bytesUntilAlert(TlsEngine engine, EncryptionLevel level, byte[] stream, int piece,
                                        List<TlsAlertException> alert) {
        long fed = 0;
        for (int at = 0; at < stream.length; at += piece) {
            int n = Math.min(piece, stream.length - at);
            try {
                engine.receive(level, ByteBuffer.wrap(stream, at, n));
            } catch (TlsAlertException e) {
                alert.add(e);
                EngineAssertions.assertFailedFor(engine, e);
                return fed + n;
            }
            fed += n;
        }
        return fail("1 MiB fed without an alert");
    }

    static Stream<Arguments> readersAndTypes() {
        return readers().flatMap(r -> Stream.of(HandshakeType.CLIENT_HELLO, HandshakeType.FINISHED,
                HandshakeType.CERTIFICATE, HandshakeType.NEW_SESSION_TICKET).map(t -> Arguments.of(r, t)));
    }

    @ParameterizedTest
    @MethodSource("readersAndTypes")
    void aDeclaredLengthOverTheBoundIsRefusedWithItsHeader(Reader reader, HandshakeType type) {
        for (int declared : new int[] {MAX_BODY + 1, 0x10_0000, 0xFF_FFFF}) {
            TlsEngine engine = reader.engine().get();
            List<TlsAlertException> alert = new ArrayList<>();
            // Byte by byte: the fourth byte completes the header and brings the alert.
            assertEquals(HEADER, bytesUntilAlert(engine, reader.level(), stream(type.code(), declared), 1, alert));
            // RFC 8446 has no alert for "too big for me"; like OpenSSL, the length field is a value this
            // endpoint does not accept: illegal_parameter. (The transport has CRYPTO_BUFFER_EXCEEDED for its
            // own buffer, RFC 9000 §7.5.)
            assertAlert(TlsAlert.ILLEGAL_PARAMETER, alert.get(0));
        }
    }

    @ParameterizedTest
    @MethodSource("readers")
    void aMessageAtTheBoundIsTakenWholeThenJudged(Reader reader) {
        // 64 KiB of zeros is no valid message of any type the state reads: the alert comes with its last
        // byte, not before (the engine waits for the whole message) and not after (it holds no more).
        TlsEngine engine = reader.engine().get();
        int type = switch (reader.level()) {
            case INITIAL -> engine.isClient() ? 2 : 1;
            case HANDSHAKE -> engine.isClient() ? 8 : 20;
            default -> 4;
        };
        List<TlsAlertException> alert = new ArrayList<>();
        assertEquals(HEADER + MAX_BODY, bytesUntilAlert(engine, reader.level(), stream(type, MAX_BODY), 1, alert));
        assertNotSame(TlsAlert.INTERNAL_ERROR, alert.get(0).alert(), alert.get(0).toString());
    }

    @Test
    void aNewSessionTicketAtTheBoundIsAccepted() throws TlsAlertException {
        // A large ticket is legitimate; the bound is about the message, and this one fits it exactly.
        TlsEngine client = ServerFlight.of("ecdsa-p256", 7).completed().client();
        // lifetime, age_add, nonce length, ticket length, extensions length: 13 bytes; one extension header: 4.
        int ticketLength = 60_000;
        byte[] ticket = Raw.encode(new NewSessionTicket(60, 0, Opaque.EMPTY, Opaque.of(new byte[ticketLength]),
                List.of(new Unknown(0x1a1a, Opaque.of(new byte[MAX_BODY - 13 - ticketLength - 4])))));
        assertEquals(HEADER + MAX_BODY, ticket.length);
        for (int at = 0; at < ticket.length; at += 1000) {
            client.receive(EncryptionLevel.APPLICATION, ByteBuffer.wrap(ticket, at, Math.min(1000, ticket.length - at)));
        }
        assertEquals(TlsEngine.Status.COMPLETE, client.status());
        assertNull(client.poll());
    }

    // ---- what waits for a delegated task ------------------------------------------------------------------

    /** A flood of whole, tiny messages: each is a 4-byte header of a Finished with an empty body. */
    private static byte[] flood() {
        byte[] s = new byte[MEBIBYTE];
        for (int i = 0; i < s.length; i += 4) {
            s[i] = (byte) HandshakeType.FINISHED.code();
        }
        return s;
    }

    @Test
    void whatArrivesWhileTheClientValidatesIsBounded() {
        // A legitimate server has at most its CertificateVerify and Finished to send meanwhile.
        ServerFlight f = ServerFlight.of(ServerFlight.client("ecdsa-p256").delegateTasks(true).build(),
                ServerFlight.server("ecdsa-p256").build(), 8);
        f.helloDelivered().deliver(EncryptionLevel.HANDSHAKE, f.encryptedExtensions())
                .deliver(EncryptionLevel.HANDSHAKE, f.certificate());
        assertEquals(TlsEngine.Status.TASK_PENDING, f.client().status());
        List<TlsAlertException> alert = new ArrayList<>();
        long fed = bytesUntilAlert(f.client(), EncryptionLevel.HANDSHAKE, flood(), 4096, alert);
        assertTrue(fed <= 2 * (HEADER + MAX_BODY) + 4096, "refused only after " + fed + " bytes");
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, alert.get(0));
    }

    @Test
    void whatArrivesWhileTheServerSignsIsBounded() throws TlsAlertException {
        // A legitimate client sends nothing before the server's Finished.
        TlsEngine server = TlsEngine.server(ServerFlight.server("rsa").delegateTasks(true).build(), TestPki.seeded(9),
                ServerFlight.SERVER_PARAMS);
        server.receive(EncryptionLevel.INITIAL, ByteBuffer.wrap(RawClientHello.valid(9).encode()));
        assertEquals(TlsEngine.Status.TASK_PENDING, server.status());
        List<TlsAlertException> alert = new ArrayList<>();
        long fed = bytesUntilAlert(server, EncryptionLevel.HANDSHAKE, flood(), 4096, alert);
        assertTrue(fed <= 2 * (HEADER + MAX_BODY) + 4096, "refused only after " + fed + " bytes");
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, alert.get(0));
    }

    @Test
    void aWholeServerFlightInOneChunkWaitsForTheTaskAndCompletes() throws TlsAlertException {
        // The bound leaves room for what is legitimate: the whole Handshake-level flight in one piece.
        ServerFlight f = ServerFlight.of(ServerFlight.client("rsa").delegateTasks(true).build(),
                ServerFlight.server("rsa").build(), 10);
        f.helloDelivered().deliver(EncryptionLevel.HANDSHAKE, Raw.concat(f.encryptedExtensions(), f.certificate(),
                f.certificateVerify(), f.finished()));
        assertEquals(TlsEngine.Status.TASK_PENDING, f.client().status());
        f.client().delegatedTask().run();
        f.client().resume();
        assertEquals(TlsEngine.Status.COMPLETE, f.client().status());
    }

    @Test
    void aHugeChunkOfWholeMessagesCannotHideBehindATask() {
        // Everything arrives in one receive(): the Certificate starts the task, and the flood after it must
        // not be kept in full for resume().
        ServerFlight f = ServerFlight.of(ServerFlight.client("ecdsa-p256").delegateTasks(true).build(),
                ServerFlight.server("ecdsa-p256").build(), 11);
        f.helloDelivered();
        byte[] chunk = Raw.concat(f.encryptedExtensions(), f.certificate(), flood());
        TlsAlertException e = f.clientAlert(EncryptionLevel.HANDSHAKE, chunk);
        assertAlert(TlsAlert.UNEXPECTED_MESSAGE, e);
    }
}
