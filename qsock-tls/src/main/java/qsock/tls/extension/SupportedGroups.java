package qsock.tls.extension;

import java.util.List;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * supported_groups (RFC 8446 §4.2.7): the client's key exchange groups (NamedGroup code points), most
 * preferred first; in EncryptedExtensions, the groups the server prefers, for the client's next connections.
 *
 * @param namedGroupList the code points, in order; on the wire {@code uint16 named_group_list<2..2^16-1>}
 */
public record SupportedGroups(List<Integer> namedGroupList) implements Extension {

    /**
     * @throws IllegalArgumentException if the list is empty, too long, or holds a value that is not a uint16
     */
    public SupportedGroups {
        namedGroupList = TlsChecks.u16List(namedGroupList, 1, 0xFFFF / 2,
                "named_group_list");
    }

    /** {@return the extension for these code points} */
    public static SupportedGroups of(Integer... codes) {
        return new SupportedGroups(List.of(codes));
    }

    @Override
    public int typeCode() {
        return ExtensionType.SUPPORTED_GROUPS.code();
    }

    void encodeData(TlsWriter w) {
        w.u16List16(namedGroupList);
    }

    static SupportedGroups decode(TlsReader data) throws TlsAlertException {
        return new SupportedGroups(data.u16List16("named_group_list", 2, 0xFFFF));
    }
}
