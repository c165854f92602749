package qsock.socket.remote;

import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;

/**
 * The protocol's one-byte codes for encryption levels and key directions, fixed on the wire whatever order the enums
 * take: levels as RFC 9001 §4.1.4 lists them (Initial 0, 0-RTT 1, Handshake 2, 1-RTT 3), directions read 0, write 1.
 */
public final class Codes {

    private Codes() {}

    /** {@return the code of {@code level}} */
    public static int code(EncryptionLevel level) {
        return switch (level) {
            case INITIAL -> 0;
            case EARLY_DATA -> 1;
            case HANDSHAKE -> 2;
            case APPLICATION -> 3;
        };
    }

    /**
     * {@return the level with {@code code}}
     *
     * @throws RemoteProtocolException if there is none
     */
    public static EncryptionLevel level(int code) throws RemoteProtocolException {
        return switch (code) {
            case 0 -> EncryptionLevel.INITIAL;
            case 1 -> EncryptionLevel.EARLY_DATA;
            case 2 -> EncryptionLevel.HANDSHAKE;
            case 3 -> EncryptionLevel.APPLICATION;
            default -> throw new RemoteProtocolException("unknown encryption level " + code);
        };
    }

    /** {@return the code of {@code direction}} */
    public static int code(KeyDirection direction) {
        return direction == KeyDirection.READ ? 0 : 1;
    }

    /**
     * {@return the direction with {@code code}}
     *
     * @throws RemoteProtocolException if there is none
     */
    public static KeyDirection direction(int code) throws RemoteProtocolException {
        return switch (code) {
            case 0 -> KeyDirection.READ;
            case 1 -> KeyDirection.WRITE;
            default -> throw new RemoteProtocolException("unknown key direction " + code);
        };
    }
}
