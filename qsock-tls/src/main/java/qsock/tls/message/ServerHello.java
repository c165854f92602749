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
 * ServerHello (RFC 8446 §4.1.3), and HelloRetryRequest (RFC 8446 §4.1.4), which is a ServerHello whose
 * random is {@link #HELLO_RETRY_REQUEST_RANDOM}: {@link #isHelloRetryRequest()} tells them apart, and the
 * extensions are decoded and checked by the table column of the one it is.
 *
 * <p>The legacy fields and the cipher suite are reported as received; the engine checks legacy_version
 * 0x0303, the session id echo, the suite it offered, the compression method 0 and the TLS 1.2 downgrade
 * sentinels (RFC 8446 §4.1.3). As for the {@link ClientHello}, a message without an extensions field
 * (TLS 1.2 and older) decodes with an empty list, and a record with no extensions encodes without the
 * field; a present field holds at least 6 bytes ({@code Extension extensions<6..2^16-1>}).
 *
 * @param legacyVersion the legacy_version field
 * @param random the server's 32 random bytes, or {@link #HELLO_RETRY_REQUEST_RANDOM}
 * @param legacySessionIdEcho 0 to 32 bytes, the client's legacy_session_id
 * @param cipherSuite the selected cipher suite's code
 * @param legacyCompressionMethod the legacy_compression_method, 0 in TLS 1.3
 * @param extensions the extensions, in order
 */
public record ServerHello(int legacyVersion, Opaque random, Opaque legacySessionIdEcho, int cipherSuite,
        int legacyCompressionMethod, List<Extension> extensions) implements HandshakeMessage {

    /**
     * The random of a HelloRetryRequest: SHA-256 of "HelloRetryRequest" (RFC 8446 §4.1.3).
     */
    public static final Opaque HELLO_RETRY_REQUEST_RANDOM =
            Opaque.fromHex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c");

    /**
     * @throws IllegalArgumentException if a field is out of its range, or the extensions break RFC 8446
     *     §4.2's rules for a ServerHello or, with the special random, a HelloRetryRequest
     */
    public ServerHello {
        TlsChecks.u16(legacyVersion, "legacy_version");
        TlsChecks.length(random, 32, 32, "random");
        TlsChecks.length(legacySessionIdEcho, 0, 32, "legacy_session_id_echo");
        TlsChecks.u16(cipherSuite, "cipher_suite");
        TlsChecks.u8(legacyCompressionMethod, "legacy_compression_method");
        extensions = ExtensionCodec.checkBlock(HandshakeType.SERVER_HELLO,
                random.equals(HELLO_RETRY_REQUEST_RANDOM), extensions);
        if (!extensions.isEmpty() && ExtensionCodec.blockLength(extensions) < 2 + 6) {
            throw new IllegalArgumentException("a ServerHello's extensions take at least 6 bytes");
        }
    }

    /** {@return a TLS 1.3 ServerHello: legacy_version 0x0303 and compression method 0} */
    public static ServerHello of(Opaque random, Opaque legacySessionIdEcho, int cipherSuite,
            List<Extension> extensions) {
        return new ServerHello(ClientHello.LEGACY_VERSION, random, legacySessionIdEcho, cipherSuite, 0, extensions);
    }

    /** {@return a HelloRetryRequest: a TLS 1.3 ServerHello with the special random} */
    public static ServerHello helloRetryRequest(Opaque legacySessionIdEcho, int cipherSuite,
            List<Extension> extensions) {
        return of(HELLO_RETRY_REQUEST_RANDOM, legacySessionIdEcho, cipherSuite, extensions);
    }

    /** {@return true if this is a HelloRetryRequest}: its random is {@link #HELLO_RETRY_REQUEST_RANDOM} */
    public boolean isHelloRetryRequest() {
        return random.equals(HELLO_RETRY_REQUEST_RANDOM);
    }

    /** {@return the extension of this kind, if present}, for instance {@code extension(KeyShareServerHello.class)} */
    public <T extends Extension> Optional<T> extension(Class<T> kind) {
        return Extensions.find(extensions, kind);
    }

    @Override
    public HandshakeType type() {
        return HandshakeType.SERVER_HELLO;
    }

    void encodeBody(TlsWriter w) {
        w.u16(legacyVersion);
        w.bytes(random);
        w.opaque8(legacySessionIdEcho);
        w.u16(cipherSuite);
        w.u8(legacyCompressionMethod);
        if (!extensions.isEmpty()) {
            ExtensionCodec.encodeBlock(w, extensions);
        }
    }

    static ServerHello decodeBody(TlsReader r) throws TlsAlertException {
        int legacyVersion = r.u16();
        Opaque random = r.bytes(32, "random");
        Opaque echo = r.opaque8("legacy_session_id_echo", 0, 32);
        int cipherSuite = r.u16();
        int compression = r.u8();
        List<Extension> extensions = r.hasRemaining()
                ? ExtensionCodec.decodeBlock(HandshakeType.SERVER_HELLO, random.equals(HELLO_RETRY_REQUEST_RANDOM), r)
                : List.of();
        r.expectEnd("server_hello");
        return new ServerHello(legacyVersion, random, echo, cipherSuite, compression, extensions);
    }
}
