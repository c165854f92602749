package qsock.socket.remote;

import java.util.Objects;
import qsock.socket.HandshakeFailure;

/** How the daemon ended a request: the last frame it sends for it. */
public sealed interface Verdict {

    /** {@return the frame type that carries it} */
    FrameType frameType();

    /** {@return its payload} */
    PayloadWriter encode();

    /**
     * The handshake succeeded: {@code alpn (str8) | cipher suite (2) | key exchange group (str8)}.
     *
     * @param applicationProtocol the ALPN negotiated, or null
     * @param cipherSuite the TLS code of the suite negotiated
     * @param keyExchangeGroup the group's name, or null (a PSK-only handshake uses none)
     */
    record Established(String applicationProtocol, int cipherSuite, String keyExchangeGroup) implements Verdict {
        @Override
        public FrameType frameType() {
            return FrameType.ESTABLISHED;
        }

        @Override
        public PayloadWriter encode() {
            return new PayloadWriter().str8(applicationProtocol).u16(cipherSuite).str8(keyExchangeGroup);
        }
    }

    /**
     * The handshake failed: {@code failure (1) | close code (1 flag + 4) | message (str16)}.
     *
     * @param failure why; null when the connection closed under the handshake and the application tells why from
     *     how it closed (which only its process knows)
     * @param closeCode the application error code to close the connection with, or -1 for a plain close
     * @param message what failed, for a person
     */
    record Failed(HandshakeFailure failure, long closeCode, String message) implements Verdict {
        /** @throws IllegalArgumentException if the close code is not -1 or a 32-bit value */
        public Failed {
            Objects.requireNonNull(message, "message");
            if (closeCode < -1 || closeCode > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("close code " + closeCode);
            }
        }

        @Override
        public FrameType frameType() {
            return FrameType.FAILED;
        }

        @Override
        public PayloadWriter encode() {
            PayloadWriter w = new PayloadWriter().u8(code(failure));
            if (closeCode < 0) {
                w.u8(0).u32(0);
            } else {
                w.u8(1).u32(closeCode);
            }
            return w.str16(message);
        }
    }

    /**
     * {@return the verdict in an ESTABLISHED or FAILED frame}
     *
     * @throws RemoteProtocolException if the frame is neither or malformed
     */
    static Verdict decode(Frame frame) throws RemoteProtocolException {
        PayloadReader r = frame.reader();
        Verdict v = switch (frame.type()) {
            case ESTABLISHED -> new Established(r.str8("ALPN"), r.u16("cipher suite"), r.str8("group"));
            case FAILED -> {
                HandshakeFailure failure = failure(r.u8("failure"));
                boolean close = r.u8("close flag") != 0;
                long code = r.u32("close code");
                String message = r.str16("message");
                yield new Failed(failure, close ? code : -1, message == null ? "" : message);
            }
            default -> throw new RemoteProtocolException(frame.type() + " frame is no verdict");
        };
        r.end();
        return v;
    }

    // The wire codes of the failures, fixed: the enum's order may change, the protocol may not.
    private static int code(HandshakeFailure failure) {
        if (failure == null) {
            return 0;
        }
        return switch (failure) {
            case NO_SERVICE -> 1;
            case LOCAL_CONFIGURATION -> 2;
            case TIMEOUT -> 3;
            case PEER_REJECTED -> 4;
            case AUTHENTICATION_FAILED -> 5;
            case CONNECTION_FAILED -> 6;
        };
    }

    private static HandshakeFailure failure(int code) throws RemoteProtocolException {
        return switch (code) {
            case 0 -> null;
            case 1 -> HandshakeFailure.NO_SERVICE;
            case 2 -> HandshakeFailure.LOCAL_CONFIGURATION;
            case 3 -> HandshakeFailure.TIMEOUT;
            case 4 -> HandshakeFailure.PEER_REJECTED;
            case 5 -> HandshakeFailure.AUTHENTICATION_FAILED;
            case 6 -> HandshakeFailure.CONNECTION_FAILED;
            default -> throw new RemoteProtocolException("FAILED frame with unknown failure code " + code);
        };
    }
}
