package qsock.socket.remote;

import java.io.IOException;

/**
 * A frame of the handshake daemon's protocol broke its rules: an unknown type, a length over its bound, a payload
 * that does not parse, a frame out of turn. The session it arrived on ends; the daemon goes on serving others.
 */
public final class RemoteProtocolException extends IOException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong, for a person */
    public RemoteProtocolException(String message) {
        super(message);
    }
}
