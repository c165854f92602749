package qsock.tls.extension;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * server_name (RFC 6066 §3). In a ClientHello it names the host the client wants, as a server_name_list
 * holding one host_name; in EncryptedExtensions the server acknowledges it with empty extension_data,
 * which is this record with an empty {@code hostName} ({@link #ACKNOWLEDGEMENT}).
 *
 * <p>Only the host_name name type (0) exists and a list may hold at most one name of each type (RFC 6066
 * §3), so a decoded list holds exactly one host_name; another name type, undefined by any RFC, is refused
 * with illegal_parameter. A host name is ASCII (RFC 6066 §3) and is held to printable characters,
 * 0x21-0x7E: a control character or NUL in a name is illegal_parameter. Whether the name is one the
 * server serves, or a literal IP address the client should not have sent, is the engine's question.
 *
 * @param hostName the host name, or empty for the server's acknowledgement
 */
public record ServerName(String hostName) implements Extension {

    /** The NameType of a host_name entry. */
    public static final int HOST_NAME = 0;

    /** The empty form a server sends in EncryptedExtensions when it used the client's name. */
    public static final ServerName ACKNOWLEDGEMENT = new ServerName("");

    /**
     * @throws IllegalArgumentException if the name is longer than 2^16-6, the most its extension can carry, or
     *     has a character outside 0x21-0x7E
     */
    public ServerName {
        Objects.requireNonNull(hostName, "hostName");
        // The name sits in a server_name_list inside extension_data, both with 16-bit lengths.
        if (hostName.length() > 0xFFFF - 5) {
            throw new IllegalArgumentException("host_name of " + hostName.length() + " characters");
        }
        for (int i = 0; i < hostName.length(); i++) {
            if (!printableAscii(hostName.charAt(i))) {
                throw new IllegalArgumentException("host_name has a character outside printable ASCII at " + i);
            }
        }
    }

    /** {@return true if this is the server's empty acknowledgement rather than a client's name} */
    public boolean isAcknowledgement() {
        return hostName.isEmpty();
    }

    @Override
    public int typeCode() {
        return ExtensionType.SERVER_NAME.code();
    }

    void encodeData(TlsWriter w) {
        if (isAcknowledgement()) {
            return;
        }
        int list = w.startVector16();
        w.u8(HOST_NAME);
        w.opaque16(Opaque.of(hostName.getBytes(StandardCharsets.US_ASCII)));
        w.endVector16(list);
    }

    static ServerName decodeClientHello(TlsReader data) throws TlsAlertException {
        TlsReader list = data.vector16("server_name_list", 1, 0xFFFF);
        String host = null;
        while (list.hasRemaining()) {
            int nameType = list.u8();
            // RFC 6066 §3: host_name is the only NameType; future ones would start with a 16-bit length,
            // but none is defined, so another value is an invalid enum (RFC 8446 §6: illegal_parameter).
            if (nameType != HOST_NAME) {
                throw Alerts.illegalParameter("server_name: name_type " + nameType + " is not host_name(0)");
            }
            Opaque name = list.opaque16("host_name", 1, 0xFFFF);
            // RFC 6066 §3: "The ServerNameList MUST NOT contain more than one name of the same name_type."
            if (host != null) {
                throw Alerts.illegalParameter("server_name: more than one host_name");
            }
            for (int i = 0; i < name.length(); i++) {
                if (!printableAscii(name.byteAt(i) & 0xFF)) {
                    throw Alerts.illegalParameter("server_name: host_name byte " + i + " is not printable ASCII");
                }
            }
            host = new String(name.toByteArray(), StandardCharsets.US_ASCII);
        }
        return new ServerName(host);
    }

    static ServerName decodeAcknowledgement(TlsReader data) throws TlsAlertException {
        // RFC 6066 §3: the server's "extension_data" field of this extension SHALL be empty.
        data.expectEnd("server_name acknowledgement");
        return ACKNOWLEDGEMENT;
    }

    private static boolean printableAscii(int c) {
        return c >= 0x21 && c <= 0x7E;
    }
}
