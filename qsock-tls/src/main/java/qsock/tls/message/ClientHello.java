package qsock.tls.message;

import java.util.List;
import java.util.Optional;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;
import qsock.tls.extension.Extension;
import qsock.tls.extension.ExtensionCodec;
import qsock.tls.extension.Extensions;

/**
 * ClientHello (RFC 8446 §4.1.2).
 *
 * <p>The legacy fields are reported as received; the engine checks them: legacy_version 0x0303, and
 * legacy_compression_methods exactly one byte 0 (else illegal_parameter, RFC 8446 §4.1.2). Decoding
 * checks the syntax: a random of 32 bytes, a legacy_session_id of at most 32 bytes, a non-empty list of
 * cipher suites of even length, at least one compression method, and the extension rules of
 * {@link ExtensionCodec} (decode_error or illegal_parameter).
 *
 * <p>RFC 8446 §4.1.2 lets a server receive ClientHellos "without an extensions field from prior versions
 * of TLS": such a message decodes with an empty {@link #extensions()} list (the engine then finds no
 * supported_versions), and a record with no extensions encodes without the field. A field that is
 * present must hold at least 8 bytes ({@code Extension extensions<8..2^16-1>}).
 *
 * @param legacyVersion the legacy_version field
 * @param random the client's 32 random bytes
 * @param legacySessionId 0 to 32 bytes; a QUIC client sends none (RFC 9001 §8.4)
 * @param cipherSuites the cipher suite codes, most preferred first
 * @param legacyCompressionMethods 1 to 255 bytes; {@link #NULL_COMPRESSION} in TLS 1.3
 * @param extensions the extensions, in order; "pre_shared_key", if present, is last
 */
public record ClientHello(int legacyVersion, Opaque random, Opaque legacySessionId, List<Integer> cipherSuites,
        Opaque legacyCompressionMethods, List<Extension> extensions) implements HandshakeMessage {

    /** The legacy_version of TLS 1.3 hellos: TLS 1.2's code (RFC 8446 §4.1.2). */
    public static final int LEGACY_VERSION = 0x0303;

    /** The only legacy_compression_methods of a TLS 1.3 ClientHello: one "null" method (RFC 8446 §4.1.2). */
    public static final Opaque NULL_COMPRESSION = Opaque.of((byte) 0);

    /**
     * @throws IllegalArgumentException if a field is out of its range, or the extensions break RFC 8446
     *     §4.2's rules for a ClientHello (see {@link ExtensionCodec#checkBlock})
     */
    public ClientHello {
        TlsChecks.u16(legacyVersion, "legacy_version");
        TlsChecks.length(random, 32, 32, "random");
        TlsChecks.length(legacySessionId, 0, 32, "legacy_session_id");
        cipherSuites = TlsChecks.u16List(cipherSuites, 1, 0xFFFE / 2, "cipher_suites");
        TlsChecks.length(legacyCompressionMethods, 1, 255, "legacy_compression_methods");
        extensions = ExtensionCodec.checkBlock(HandshakeType.CLIENT_HELLO, false, extensions);
        if (!extensions.isEmpty() && ExtensionCodec.blockLength(extensions) < 2 + 8) {
            throw new IllegalArgumentException("a ClientHello's extensions take at least 8 bytes");
        }
    }

    /** {@return a TLS 1.3 ClientHello: legacy_version 0x0303 and the null compression method} */
    public static ClientHello of(Opaque random, Opaque legacySessionId, List<Integer> cipherSuites,
            List<Extension> extensions) {
        return new ClientHello(LEGACY_VERSION, random, legacySessionId, cipherSuites, NULL_COMPRESSION, extensions);
    }

    /** {@return the extension of this kind, if present}, for instance {@code extension(KeyShareClientHello.class)} */
    public <T extends Extension> Optional<T> extension(Class<T> kind) {
        return Extensions.find(extensions, kind);
    }

    @Override
    public HandshakeType type() {
        return HandshakeType.CLIENT_HELLO;
    }

    void encodeBody(TlsWriter w) {
        w.u16(legacyVersion);
        w.bytes(random);
        w.opaque8(legacySessionId);
        w.u16List16(cipherSuites);
        w.opaque8(legacyCompressionMethods);
        if (!extensions.isEmpty()) {
            ExtensionCodec.encodeBlock(w, extensions);
        }
    }

    static ClientHello decodeBody(TlsReader r) throws TlsAlertException {
        int legacyVersion = r.u16();
        Opaque random = r.bytes(32, "random");
        Opaque sessionId = r.opaque8("legacy_session_id", 0, 32);
        List<Integer> suites = r.u16List16("cipher_suites", 2, 0xFFFE);
        Opaque compression = r.opaque8("legacy_compression_methods", 1, 255);
        // RFC 8446 §4.1.2: "The presence of extensions can be detected by determining whether there are bytes
        // following the compression_methods field at the end of the ClientHello."
        List<Extension> extensions = r.hasRemaining()
                ? ExtensionCodec.decodeBlock(HandshakeType.CLIENT_HELLO, false, r)
                : List.of();
        r.expectEnd("client_hello");
        return new ClientHello(legacyVersion, random, sessionId, suites, compression, extensions);
    }
}
