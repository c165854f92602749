package qsock.tls.interop;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import qsock.tls.TlsAlertException;
import qsock.tls.extension.KeyShareServerHello;
import qsock.tls.jca.NamedGroup;
import qsock.tls.message.ClientHello;
import qsock.tls.message.FramedMessage;
import qsock.tls.message.HandshakeCodec;
import qsock.tls.message.HandshakeFramer;
import qsock.tls.message.HandshakeType;
import qsock.tls.message.ServerHello;

/**
 * Reads handshake messages out of the bytes a {@link TlsRecordLayer} carried, so that a test can check on
 * the wire what neither engine nor peer reports: the key exchange group, a CertificateRequest, a session ID.
 */
final class Hellos {

    private Hellos() {}

    /** {@return the ClientHello at the start of a client's plaintext handshake bytes} */
    static ClientHello clientHello(byte[] initialFromClient) throws TlsAlertException {
        return (ClientHello) first(initialFromClient, HandshakeType.CLIENT_HELLO);
    }

    /** {@return the ServerHello at the start of a server's plaintext handshake bytes} */
    static ServerHello serverHello(byte[] initialFromServer) throws TlsAlertException {
        return (ServerHello) first(initialFromServer, HandshakeType.SERVER_HELLO);
    }

    /** {@return the group of the server's key share (RFC 8446 §4.2.8): the group the handshake used} */
    static NamedGroup keyExchangeGroup(ServerHello hello) {
        int code = hello.extension(KeyShareServerHello.class)
                .orElseThrow(() -> new AssertionError("ServerHello without key_share"))
                .serverShare().group();
        NamedGroup group = NamedGroup.fromCode(code);
        if (group == null) {
            throw new AssertionError("ServerHello key share in unknown group 0x" + Integer.toHexString(code));
        }
        return group;
    }

    /** {@return the whole messages in a stream of handshake bytes of one level} */
    static List<FramedMessage> messages(byte[] stream) throws TlsAlertException {
        HandshakeFramer framer = new HandshakeFramer();
        framer.feed(ByteBuffer.wrap(stream));
        List<FramedMessage> messages = new ArrayList<>();
        for (FramedMessage m = framer.next(); m != null; m = framer.next()) {
            messages.add(m);
        }
        return messages;
    }

    /** {@return the types of {@code messages}, in order} */
    static List<HandshakeType> types(List<FramedMessage> messages) {
        return messages.stream().map(FramedMessage::handshakeType).toList();
    }

    private static Object first(byte[] stream, HandshakeType expected) throws TlsAlertException {
        List<FramedMessage> messages = messages(stream);
        if (messages.isEmpty() || messages.getFirst().handshakeType() != expected) {
            throw new AssertionError("expected a " + expected + " in " + stream.length + " plaintext bytes, found "
                    + types(messages));
        }
        return HandshakeCodec.decode(messages.getFirst(), 0);
    }
}
