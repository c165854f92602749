package qsock.socket.remote;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * A bounded cursor over one frame's payload: every read checks the bytes are there, so a short or lying frame is a
 * {@link RemoteProtocolException} naming the frame, never an index error.
 */
public final class PayloadReader {

    private final FrameType type;
    private final byte[] payload;
    private int position;

    PayloadReader(FrameType type, byte[] payload) {
        this.type = type;
        this.payload = payload;
    }

    private void need(int n, String what) throws RemoteProtocolException {
        if (payload.length - position < n) {
            throw new RemoteProtocolException(type + " frame too short for its " + what + " (" + payload.length
                    + " bytes)");
        }
    }

    /** {@return the next byte, unsigned} */
    public int u8(String what) throws RemoteProtocolException {
        need(1, what);
        return payload[position++] & 0xFF;
    }

    /** {@return the next two bytes, big-endian, unsigned} */
    public int u16(String what) throws RemoteProtocolException {
        need(2, what);
        int v = ((payload[position] & 0xFF) << 8) | (payload[position + 1] & 0xFF);
        position += 2;
        return v;
    }

    /** {@return the next four bytes, big-endian, unsigned} */
    public long u32(String what) throws RemoteProtocolException {
        need(4, what);
        long v = 0;
        for (int i = 0; i < 4; i++) {
            v = (v << 8) | (payload[position++] & 0xFF);
        }
        return v;
    }

    /** {@return the next {@code n} bytes} */
    public byte[] bytes(int n, String what) throws RemoteProtocolException {
        need(n, what);
        byte[] b = new byte[n];
        System.arraycopy(payload, position, b, 0, n);
        position += n;
        return b;
    }

    /** {@return a byte string with a two-byte length} */
    public byte[] bytes16(String what) throws RemoteProtocolException {
        return bytes(u16(what + " length"), what);
    }

    /** {@return the bytes left} */
    public byte[] rest() {
        byte[] b = new byte[payload.length - position];
        System.arraycopy(payload, position, b, 0, b.length);
        position = payload.length;
        return b;
    }

    /** {@return a UTF-8 string with a one-byte length, null when empty} */
    public String str8(String what) throws RemoteProtocolException {
        return utf8(bytes(u8(what + " length"), what), what);
    }

    /** {@return a UTF-8 string with a two-byte length, null when empty} */
    public String str16(String what) throws RemoteProtocolException {
        return utf8(bytes16(what), what);
    }

    private String utf8(byte[] b, String what) throws RemoteProtocolException {
        if (b.length == 0) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new RemoteProtocolException(type + " frame's " + what + " is not UTF-8");
        }
    }

    /** @throws RemoteProtocolException if bytes are left over: a frame carries what its type says, nothing more */
    public void end() throws RemoteProtocolException {
        if (position != payload.length) {
            throw new RemoteProtocolException(type + " frame has " + (payload.length - position)
                    + " bytes after its last field");
        }
    }
}
