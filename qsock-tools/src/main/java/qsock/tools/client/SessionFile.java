package qsock.tools.client;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.BufferUnderflowException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import qsock.api.QuicVersion;
import qsock.api.TokenStore;
import qsock.tls.ticket.ClientTicket;
import qsock.tls.ticket.InMemoryTicketStore;
import qsock.tls.ticket.SessionFormatException;

/**
 * What {@code qsock client --session-file} keeps between runs, so that a later process resumes: the session tickets
 * of one server (each in {@link ClientTicket}'s byte form, the socket draft's SESSION_TICKET, with the transport
 * parameters remembered for 0-RTT inside) and the NEW_TOKEN token of the last connection with its QUIC version (the
 * draft's TOKEN). The file holds PSKs: it is written with owner-only permissions where the file system has them.
 *
 * <p>Its form, big-endian, at most {@link #MAX_FILE_LENGTH} bytes:
 * <pre>
 *   uint32 magic = 0x51534b53 ("QSKS")
 *   uint8  format = 1
 *   opaque server_name&lt;0..255&gt;        (uint16 length, ASCII: the TLS server name the tickets are for)
 *   uint32 token_version                (the wire value of the token's QUIC version; 0: no token)
 *   opaque token&lt;0..512&gt;              (uint16 length)
 *   uint8  count                        (at most {@link InMemoryTicketStore#DEFAULT_MAX_PER_SERVER})
 *   opaque ticket&lt;1..4096&gt;[count]     (uint16 length each, ClientTicket's form)
 * </pre>
 *
 * @param serverName the TLS server name the tickets are kept under
 * @param token the token for the Initial, or null for none
 * @param tokenVersion the QUIC version of the connection that received the token; null when there is none
 * @param tickets the tickets, oldest first
 */
public record SessionFile(String serverName, byte[] token, QuicVersion tokenVersion, List<ClientTicket> tickets) {

    /** The longest file read: the largest form there can be. */
    public static final int MAX_FILE_LENGTH = 4 + 1 + 2 + 255 + 4 + 2 + TokenStore.MAX_TOKEN_LENGTH + 1
            + InMemoryTicketStore.DEFAULT_MAX_PER_SERVER * (2 + ClientTicket.MAX_ENCODED_LENGTH);

    private static final int MAGIC = 0x51534b53;
    private static final int FORMAT = 1;

    /** @throws IllegalArgumentException if a field is out of the form's range */
    public SessionFile {
        Objects.requireNonNull(serverName, "serverName");
        if (serverName.length() > 255 || !StandardCharsets.US_ASCII.newEncoder().canEncode(serverName)) {
            throw new IllegalArgumentException("a server name of up to 255 ASCII characters: " + serverName);
        }
        if (token != null && (token.length == 0 || token.length > TokenStore.MAX_TOKEN_LENGTH
                || tokenVersion == null)) {
            throw new IllegalArgumentException("a token has 1 to 512 bytes and a version");
        }
        token = token == null ? null : token.clone();
        tokenVersion = token == null ? null : tokenVersion;
        tickets = Objects.requireNonNull(tickets, "tickets").stream().filter(ClientTicket::isEncodable)
                .skip(Math.max(0, tickets.size() - InMemoryTicketStore.DEFAULT_MAX_PER_SERVER)).toList();
    }

    /** {@return a copy of the token, or null} */
    @Override
    public byte[] token() {
        return token == null ? null : token.clone();
    }

    /** {@return the file's bytes} */
    public byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeByte(FORMAT);
            byte[] name = serverName.getBytes(StandardCharsets.US_ASCII);
            out.writeShort(name.length);
            out.write(name);
            out.writeInt(token == null ? 0 : tokenVersion.wireValue());
            out.writeShort(token == null ? 0 : token.length);
            if (token != null) {
                out.write(token);
            }
            out.writeByte(tickets.size());
            for (ClientTicket t : tickets) {
                byte[] form = t.encode();
                out.writeShort(form.length);
                out.write(form);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("a byte array cannot fail", e);
        }
    }

    /**
     * Reads a file's bytes strictly, dropping the tickets no longer usable at {@code nowMillis} and a token of a QUIC
     * version qsock does not speak.
     *
     * @throws SessionFormatException saying what is wrong: too long, truncated, not a session file, another format,
     *     a field out of range, a malformed ticket, bytes after the end
     */
    public static SessionFile decode(byte[] bytes, long nowMillis) throws SessionFormatException {
        if (bytes.length > MAX_FILE_LENGTH) {
            throw new SessionFormatException("a session file has at most " + MAX_FILE_LENGTH + " bytes, not "
                    + bytes.length);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            if (bytes.length < 4 || in.getInt() != MAGIC) {
                throw new SessionFormatException("not a qsock session file (no QSKS mark at its start)");
            }
            int format = in.get() & 0xFF;
            if (format != FORMAT) {
                throw new SessionFormatException("session file format " + format + " is not known (" + FORMAT
                        + " is)");
            }
            String name = new String(field(in, 0, 255, "server name"), StandardCharsets.US_ASCII);
            int wire = in.getInt();
            byte[] token = field(in, 0, TokenStore.MAX_TOKEN_LENGTH, "token");
            QuicVersion version = QuicVersion.fromWire(wire);
            int count = in.get() & 0xFF;
            if (count > InMemoryTicketStore.DEFAULT_MAX_PER_SERVER) {
                throw new SessionFormatException(count + " tickets, more than "
                        + InMemoryTicketStore.DEFAULT_MAX_PER_SERVER);
            }
            List<ClientTicket> tickets = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ClientTicket t = ClientTicket.decode(field(in, 1, ClientTicket.MAX_ENCODED_LENGTH, "ticket"));
                if (t.isUsableAt(nowMillis)) {
                    tickets.add(t); // an expired one is dropped (RFC 8446 §4.6.1)
                }
            }
            if (in.hasRemaining()) {
                throw new SessionFormatException(in.remaining() + " bytes after the session file's end");
            }
            boolean keepToken = token.length > 0 && version != null;
            for (int i = 0; i < name.length(); i++) {
                if (name.charAt(i) > 0x7F) {
                    throw new SessionFormatException("the server name is not ASCII");
                }
            }
            return new SessionFile(name, keepToken ? token : null, keepToken ? version : null, tickets);
        } catch (BufferUnderflowException e) {
            throw new SessionFormatException("the session file is truncated", e);
        }
    }

    private static byte[] field(ByteBuffer in, int min, int max, String what) throws SessionFormatException {
        int length = in.getShort() & 0xFFFF;
        if (length < min || length > max) {
            throw new SessionFormatException(what + " of " + length + " bytes, not " + min + ".." + max);
        }
        byte[] b = new byte[length];
        in.get(b);
        return b;
    }

    /**
     * {@return the session in {@code file}, expired tickets dropped; null if there is no such file}
     *
     * @throws SessionFormatException if the file is no session file qsock can read, saying why
     * @throws IOException if it cannot be read
     */
    public static SessionFile load(Path file, long nowMillis) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        long size = Files.size(file);
        if (size > MAX_FILE_LENGTH) {
            throw new SessionFormatException("a session file has at most " + MAX_FILE_LENGTH + " bytes, not "
                    + size);
        }
        return decode(Files.readAllBytes(file), nowMillis);
    }

    /**
     * Writes this session to {@code file}, replacing it at once (a temporary file beside it, then a move): readable
     * and writable by the owner only where the file system has POSIX permissions, since it holds secrets.
     */
    public void save(Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path directory = absolute.getParent();
        Path temp;
        try {
            temp = Files.createTempFile(directory, absolute.getFileName().toString(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            temp = Files.createTempFile(directory, absolute.getFileName().toString(), ".tmp");
        }
        try {
            Files.write(temp, encode());
            try {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
