package qsock.tls;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsWriter;
import qsock.tls.extension.Extension;
import qsock.tls.extension.ExtensionCodec;
import qsock.tls.extension.SignatureAlgorithms;
import qsock.tls.extension.SupportedVersionsServerHello;
import qsock.tls.message.Certificate;
import qsock.tls.message.CertificateRequest;
import qsock.tls.message.CertificateVerify;
import qsock.tls.message.EncryptedExtensions;
import qsock.tls.message.EndOfEarlyData;
import qsock.tls.message.Finished;
import qsock.tls.message.FramedMessage;
import qsock.tls.message.HandshakeCodec;
import qsock.tls.message.HandshakeMessage;
import qsock.tls.message.HandshakeType;
import qsock.tls.message.KeyUpdate;
import qsock.tls.message.KeyUpdateRequest;
import qsock.tls.message.NewSessionTicket;
import qsock.tls.message.ServerHello;

/**
 * Hand-built wire bytes for the engines' negative tests: what the message and extension records refuse to
 * build (duplicates, forbidden placements, oversized lengths) is written here byte by byte.
 */
final class Raw {

    private Raw() {}

    /** {@return a handshake message: type, a 24-bit length, the body} */
    static byte[] message(int type, byte[] body) {
        TlsWriter w = new TlsWriter();
        w.u8(type);
        w.u24(body.length);
        w.bytes(body);
        return w.toByteArray();
    }

    /** {@return a handshake message of a type TLS 1.3 defines} */
    static byte[] message(HandshakeType type, byte[] body) {
        return message(type.code(), body);
    }

    /** {@return the body of an encoded handshake message (header removed)} */
    static byte[] body(byte[] message) {
        return Arrays.copyOfRange(message, FramedMessage.HEADER_LENGTH, message.length);
    }

    /** {@return the message's wire form through the codec} */
    static byte[] encode(HandshakeMessage m) {
        return HandshakeCodec.encode(m);
    }

    /** {@return one extension as on the wire: type, a 16-bit length, the data} */
    static byte[] extension(int type, byte[] data) {
        TlsWriter w = new TlsWriter();
        w.u16(type);
        w.opaque16(Opaque.of(data));
        return w.toByteArray();
    }

    /** {@return one extension record as the codec encodes it} */
    static byte[] extension(Extension e) {
        TlsWriter w = new TlsWriter();
        ExtensionCodec.encode(w, e);
        return w.toByteArray();
    }

    /** {@return an extension block: a 16-bit length, then the encoded extensions as given} */
    static byte[] extensionBlock(List<byte[]> extensions) {
        TlsWriter w = new TlsWriter();
        int block = w.startVector16();
        for (byte[] e : extensions) {
            w.bytes(e);
        }
        w.endVector16(block);
        return w.toByteArray();
    }

    /** {@return an EncryptedExtensions message holding exactly these encoded extensions} */
    static byte[] encryptedExtensions(List<byte[]> extensions) {
        return message(HandshakeType.ENCRYPTED_EXTENSIONS, extensionBlock(extensions));
    }

    /**
     * {@return a well-formed message of this type, whatever state it is sent in}: a ClientHello a server
     * accepts, a TLS 1.3 ServerHello, empty EncryptedExtensions and Certificate, a CertificateVerify and a
     * Finished of SHA-256 length with meaningless contents, a CertificateRequest, a NewSessionTicket, a
     * KeyUpdate, EndOfEarlyData, and a message_hash (never sent) holding a SHA-256-sized hash
     */
    static byte[] sample(HandshakeType type) {
        return switch (type) {
            case CLIENT_HELLO -> RawClientHello.valid(99).encode();
            case SERVER_HELLO -> encode(ServerHello.of(Opaque.of(new byte[32]), Opaque.EMPTY, 0x1301,
                    List.of(new SupportedVersionsServerHello(0x0304))));
            case NEW_SESSION_TICKET -> encode(new NewSessionTicket(3600, 7, Opaque.EMPTY, Opaque.of((byte) 1), List.of()));
            case END_OF_EARLY_DATA -> encode(new EndOfEarlyData());
            case ENCRYPTED_EXTENSIONS -> encode(new EncryptedExtensions(List.of()));
            case CERTIFICATE -> encode(new Certificate(Opaque.EMPTY, List.of()));
            case CERTIFICATE_REQUEST -> encode(new CertificateRequest(Opaque.EMPTY,
                    List.of(SignatureAlgorithms.of(0x0403))));
            case CERTIFICATE_VERIFY -> encode(new CertificateVerify(0x0403, Opaque.of(new byte[8])));
            case FINISHED -> encode(new Finished(Opaque.of(new byte[32])));
            case KEY_UPDATE -> encode(new KeyUpdate(KeyUpdateRequest.UPDATE_NOT_REQUESTED));
            case MESSAGE_HASH -> message(HandshakeType.MESSAGE_HASH, new byte[32]);
        };
    }

    /** {@return the arrays one after the other} */
    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
