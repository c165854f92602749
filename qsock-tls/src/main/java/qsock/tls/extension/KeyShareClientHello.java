package qsock.tls.extension;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * key_share in a ClientHello (RFC 8446 §4.2.8): the client's shares, in its order of preference. The list
 * may be empty: the client then asks the server to pick a group in a HelloRetryRequest.
 *
 * <p>"Clients MUST NOT offer multiple KeyShareEntry values for the same group" and servers may check it
 * with illegal_parameter (RFC 8446 §4.2.8): decoding does. That every share's group is in the client's
 * supported_groups, in the same order, is the engine's check.
 *
 * @param clientShares the shares, at most one per group
 */
public record KeyShareClientHello(List<KeyShareEntry> clientShares) implements KeyShare {

    /** @throws IllegalArgumentException if two shares are for the same group */
    public KeyShareClientHello {
        clientShares = TlsChecks.list(clientShares, 0, 0xFFFF / 5, "client_shares");
        Set<Integer> groups = new HashSet<>();
        for (KeyShareEntry e : clientShares) {
            if (!groups.add(e.group())) {
                throw new IllegalArgumentException("two key shares for group " + e.group());
            }
        }
    }

    /** {@return the extension holding these shares} */
    public static KeyShareClientHello of(KeyShareEntry... shares) {
        return new KeyShareClientHello(List.of(shares));
    }

    /** {@return the share for {@code group}, if the client sent one} */
    public Optional<KeyShareEntry> find(int group) {
        for (KeyShareEntry e : clientShares) {
            if (e.group() == group) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    void encodeData(TlsWriter w) {
        int list = w.startVector16();
        for (KeyShareEntry e : clientShares) {
            e.encode(w);
        }
        w.endVector16(list);
    }

    static KeyShareClientHello decode(TlsReader data) throws TlsAlertException {
        TlsReader list = data.vector16("client_shares", 0, 0xFFFF);
        List<KeyShareEntry> shares = new ArrayList<>();
        Set<Integer> groups = new HashSet<>();
        while (list.hasRemaining()) {
            KeyShareEntry e = KeyShareEntry.decode(list);
            if (!groups.add(e.group())) {
                throw Alerts.illegalParameter("key_share: two shares for group " + e.group());
            }
            shares.add(e);
        }
        return new KeyShareClientHello(shares);
    }
}
