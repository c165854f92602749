package qsock.tls.message;

import java.nio.ByteBuffer;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * Encodes handshake messages to their wire form ({@code Handshake}: msg_type, a 24-bit length, the body;
 * RFC 8446 §4) and decodes one from its type and body.
 *
 * <p>Decoding throws {@link TlsAlertException} and nothing else for any input: unexpected_message for a
 * type TLS 1.3 does not define or that is never sent (message_hash), decode_error for broken syntax, and
 * illegal_parameter for the semantic rules of the message's fields and extensions (RFC 8446 §6).
 */
public final class HandshakeCodec {

    private HandshakeCodec() {}

    /** {@return the message's wire form: type, length, body} */
    public static byte[] encode(HandshakeMessage message) {
        TlsWriter w = new TlsWriter();
        encode(w, message);
        return w.toByteArray();
    }

    /**
     * Appends the message's wire form: type, length, body.
     *
     * @throws IllegalArgumentException if the body, or a vector in it, is longer than its length field can count
     */
    public static void encode(TlsWriter w, HandshakeMessage message) {
        w.u8(message.type().code());
        int body = w.startVector24();
        switch (message) {
            case ClientHello m -> m.encodeBody(w);
            case ServerHello m -> m.encodeBody(w);
            case EncryptedExtensions m -> m.encodeBody(w);
            case CertificateRequest m -> m.encodeBody(w);
            case Certificate m -> m.encodeBody(w);
            case CertificateVerify m -> m.encodeBody(w);
            case Finished m -> m.encodeBody(w);
            case NewSessionTicket m -> m.encodeBody(w);
            case EndOfEarlyData m -> { }
            case KeyUpdate m -> m.encodeBody(w);
        }
        w.endVector24(body);
    }

    /**
     * Decodes a framed message.
     *
     * @see #decode(int, ByteBuffer, int)
     */
    public static HandshakeMessage decode(FramedMessage message, int verifyDataLength) throws TlsAlertException {
        return decode(message.type(), message.body(), verifyDataLength);
    }

    /**
     * Decodes a message from its type and body. The decoded message owns copies of the bytes it holds.
     *
     * @param type the msg_type code
     * @param body the body: the bytes between position and limit, all of which must belong to the message;
     *     the buffer is not moved
     * @param verifyDataLength the length a Finished's verify_data must have, the hash length of the
     *     negotiated cipher suite (RFC 8446 §4.4.4); used only for Finished. Pass 0 before a suite is
     *     negotiated: a Finished then is unexpected_message, as it cannot precede the ServerHello.
     * @throws TlsAlertException as the class describes
     */
    public static HandshakeMessage decode(int type, ByteBuffer body, int verifyDataLength) throws TlsAlertException {
        if (verifyDataLength < 0 || verifyDataLength > 255) {
            throw new IllegalArgumentException("verifyDataLength " + verifyDataLength);
        }
        HandshakeType t = HandshakeType.fromCode(type);
        if (t == null) {
            // RFC 8446 §4: a message TLS 1.3 does not define cannot be expected in any state.
            throw Alerts.unexpectedMessage("handshake message type " + type + " is not defined in TLS 1.3");
        }
        TlsReader r = new TlsReader(body);
        return switch (t) {
            case CLIENT_HELLO -> ClientHello.decodeBody(r);
            case SERVER_HELLO -> ServerHello.decodeBody(r);
            case NEW_SESSION_TICKET -> NewSessionTicket.decodeBody(r);
            case END_OF_EARLY_DATA -> EndOfEarlyData.decodeBody(r);
            case ENCRYPTED_EXTENSIONS -> EncryptedExtensions.decodeBody(r);
            case CERTIFICATE -> Certificate.decodeBody(r);
            case CERTIFICATE_REQUEST -> CertificateRequest.decodeBody(r);
            case CERTIFICATE_VERIFY -> CertificateVerify.decodeBody(r);
            case FINISHED -> {
                if (verifyDataLength == 0) {
                    throw Alerts.unexpectedMessage("finished before a cipher suite was negotiated");
                }
                yield Finished.decodeBody(r, verifyDataLength);
            }
            case KEY_UPDATE -> KeyUpdate.decodeBody(r);
            // RFC 8446 §4.4.1: message_hash only stands in for ClientHello1 inside the transcript.
            case MESSAGE_HASH -> throw Alerts.unexpectedMessage("message_hash is never sent");
        };
    }

    /**
     * {@return the synthetic message_hash message that replaces ClientHello1 in the transcript after a
     * HelloRetryRequest}: {@code message_hash(254), 00 00 Hash.length, Hash(ClientHello1)} (RFC 8446 §4.4.1)
     *
     * @param clientHello1Hash the transcript hash of the first ClientHello
     */
    public static byte[] messageHash(byte[] clientHello1Hash) {
        TlsChecks.u8(clientHello1Hash.length, "hash length");
        TlsWriter w = new TlsWriter(FramedMessage.HEADER_LENGTH + clientHello1Hash.length);
        w.u8(HandshakeType.MESSAGE_HASH.code()).u24(clientHello1Hash.length).bytes(clientHello1Hash);
        return w.toByteArray();
    }
}
