package qsock.tls;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import qsock.tls.cert.TestPki;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsWriter;
import qsock.tls.extension.ApplicationLayerProtocolNegotiation;
import qsock.tls.extension.Extension;
import qsock.tls.extension.KeyShareClientHello;
import qsock.tls.extension.KeyShareEntry;
import qsock.tls.extension.QuicTransportParameters;
import qsock.tls.extension.ServerName;
import qsock.tls.extension.SignatureAlgorithms;
import qsock.tls.extension.SupportedGroups;
import qsock.tls.extension.SupportedVersionsClientHello;
import qsock.tls.jca.NamedGroup;
import qsock.tls.jca.SignatureScheme;
import qsock.tls.message.HandshakeType;

/**
 * A ClientHello built field by field, so that a test can break exactly one rule: extensions are kept as
 * encoded bytes, in order, and may repeat or sit where RFC 8446 §4.2 forbids them, which the
 * {@link qsock.tls.message.ClientHello} record would refuse to hold.
 */
final class RawClientHello {

    private record Entry(int type, byte[] encoded) {}

    private int legacyVersion = 0x0303;
    private byte[] random = new byte[32];
    private byte[] sessionId = new byte[0];
    private List<Integer> cipherSuites = List.of(0x1301, 0x1302, 0x1303);
    private byte[] compression = {0};
    private boolean extensionsField = true;
    private final List<Entry> extensions = new ArrayList<>();
    private final SecureRandom keyRandom;

    private RawClientHello(long seed) {
        keyRandom = TestPki.seeded(seed);
        keyRandom.nextBytes(random);
    }

    /**
     * {@return a ClientHello that a QUIC server of {@link ServerFlight#server} accepts}: TLS 1.3, the three
     * suites, an x25519 share, every default signature scheme, ALPN "echo", SNI localhost and transport
     * parameters
     */
    static RawClientHello valid(long seed) {
        RawClientHello h = new RawClientHello(seed);
        h.with(new ServerName("localhost"));
        h.with(SupportedVersionsClientHello.of(0x0304));
        h.with(SupportedGroups.of(NamedGroup.X25519.code(), NamedGroup.SECP256R1.code(), NamedGroup.SECP384R1.code()));
        h.with(new SignatureAlgorithms(SignatureScheme.DEFAULT_PREFERENCE.stream().map(SignatureScheme::code).toList()));
        h.keyShares(NamedGroup.X25519);
        h.with(ApplicationLayerProtocolNegotiation.of("echo"));
        h.with(new QuicTransportParameters(Opaque.of(ServerFlight.CLIENT_PARAMS)));
        return h;
    }

    /** Replaces the key_share with fresh, valid shares for these groups. */
    RawClientHello keyShares(NamedGroup... groups) {
        List<KeyShareEntry> entries = new ArrayList<>();
        for (NamedGroup g : groups) {
            entries.add(new KeyShareEntry(g.code(), Opaque.of(g.generate(keyRandom).publicBytes())));
        }
        return with(new KeyShareClientHello(entries));
    }

    /** Replaces the extension of this type where it stands, or appends it. */
    RawClientHello with(Extension e) {
        return withRaw(e.typeCode(), Raw.extension(e));
    }

    /** Replaces the extension of {@code type} with these data where it stands, or appends it. */
    RawClientHello withData(int type, byte[] data) {
        return withRaw(type, Raw.extension(type, data));
    }

    private RawClientHello withRaw(int type, byte[] encoded) {
        for (int i = 0; i < extensions.size(); i++) {
            if (extensions.get(i).type() == type) {
                extensions.set(i, new Entry(type, encoded));
                return this;
            }
        }
        extensions.add(new Entry(type, encoded));
        return this;
    }

    /** Appends an extension even if one of its type is already there. */
    RawClientHello append(Extension e) {
        extensions.add(new Entry(e.typeCode(), Raw.extension(e)));
        return this;
    }

    /** Removes the extension of this type. */
    RawClientHello without(int type) {
        extensions.removeIf(e -> e.type() == type);
        return this;
    }

    RawClientHello legacyVersion(int version) {
        legacyVersion = version;
        return this;
    }

    RawClientHello sessionId(byte[] id) {
        sessionId = id.clone();
        return this;
    }

    RawClientHello cipherSuites(Integer... suites) {
        cipherSuites = List.of(suites);
        return this;
    }

    RawClientHello compression(byte... methods) {
        compression = methods.clone();
        return this;
    }

    /** Leaves the extensions field out entirely, as TLS 1.2 and older allow. */
    RawClientHello noExtensionsField() {
        extensionsField = false;
        return this;
    }

    /** {@return the whole message: header and body} */
    byte[] encode() {
        TlsWriter w = new TlsWriter();
        w.u16(legacyVersion);
        w.bytes(random);
        w.opaque8(Opaque.of(sessionId));
        w.u16List16(cipherSuites);
        w.opaque8(Opaque.of(compression));
        if (extensionsField) {
            w.bytes(Raw.extensionBlock(extensions.stream().map(Entry::encoded).toList()));
        }
        return Raw.message(HandshakeType.CLIENT_HELLO, w.toByteArray());
    }
}
