package qsock.tls.extension;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;
import qsock.tls.message.HandshakeType;

/**
 * Decodes and encodes extension blocks ({@code Extension extensions<..>}, RFC 8446 §4.2) for the message
 * that carries them: ClientHello, ServerHello and HelloRetryRequest, EncryptedExtensions, a Certificate's
 * entries, CertificateRequest and NewSessionTicket.
 *
 * <p>Decoding enforces, with the alerts RFC 8446 names:
 * <ul>
 *   <li>the block's and each extension's syntax: decode_error, also for bytes left over in an extension's data;
 *   <li>no two extensions of one type in a block (§4.2): illegal_parameter;
 *   <li>no {@linkplain ExtensionType recognised} type in a message that §4.2's table does not list for it:
 *       illegal_parameter;
 *   <li>"pre_shared_key" last in a ClientHello (§4.2.11): illegal_parameter;
 *   <li>the rules of the individual extensions, as their records describe (for instance, exactly one
 *       protocol in the server's ALPN, RFC 7301 §3.1: illegal_parameter).
 * </ul>
 * The same rules, applied by {@link #checkBlock} to records our own code builds, throw
 * {@link IllegalArgumentException}: message records call it, so that every message that exists can be
 * sent and decoded back.
 *
 * <p>What depends on the other side's messages is the engine's: an extension in a server's message that the
 * client did not offer (unsupported_extension), a missing mandatory extension (missing_extension).
 */
public final class ExtensionCodec {

    private ExtensionCodec() {}

    /**
     * Reads an extension block: a 16-bit length, then the extensions.
     *
     * @param context the message carrying the block: CLIENT_HELLO, SERVER_HELLO, ENCRYPTED_EXTENSIONS,
     *     CERTIFICATE (a CertificateEntry's block), CERTIFICATE_REQUEST or NEW_SESSION_TICKET
     * @param helloRetryRequest true if the message is a ServerHello that is a HelloRetryRequest
     * @param reader positioned at the block's length; it moves past the block
     * @return the extensions, in wire order, unmodifiable
     * @throws TlsAlertException decode_error or illegal_parameter, as the class describes
     * @throws IllegalArgumentException if {@code context} carries no extensions, or {@code helloRetryRequest}
     *     is set for another message than SERVER_HELLO
     */
    public static List<Extension> decodeBlock(HandshakeType context, boolean helloRetryRequest, TlsReader reader)
            throws TlsAlertException {
        checkContext(context, helloRetryRequest);
        // The block's bounds per message (RFC 8446 §4.1.2, §4.1.3, §4.3.1, §4.3.2, §4.4.2, §4.6.1).
        int min = switch (context) {
            case CLIENT_HELLO -> 8;
            case SERVER_HELLO -> 6;
            case CERTIFICATE_REQUEST -> 2;
            default -> 0;
        };
        int max = context == HandshakeType.NEW_SESSION_TICKET ? 0xFFFE : 0xFFFF;
        TlsReader block = reader.vector16(context + " extensions", min, max);
        List<Extension> extensions = new ArrayList<>();
        long[] seen = new long[1024];
        while (block.hasRemaining()) {
            int type = block.u16();
            TlsReader data = block.vector16("extension_data", 0, 0xFFFF);
            // RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type in a given
            // extension block."
            if ((seen[type >>> 6] & 1L << type) != 0) {
                throw Alerts.illegalParameter("duplicate extension " + describe(type) + " in " + context);
            }
            seen[type >>> 6] |= 1L << type;
            ExtensionType known = ExtensionType.fromCode(type);
            // RFC 8446 §4.2: "If an implementation receives an extension which it recognizes and which is not
            // specified for the message in which it appears, it MUST abort the handshake with an
            // "illegal_parameter" alert."
            if (known != null && !known.allowedIn(context, helloRetryRequest)) {
                throw Alerts.illegalParameter(known + " is not allowed in " + messageName(context, helloRetryRequest));
            }
            // RFC 8446 §4.2.11: "Servers MUST check that it is the last extension and otherwise fail the
            // handshake with an "illegal_parameter" alert."
            if (known == ExtensionType.PRE_SHARED_KEY && context == HandshakeType.CLIENT_HELLO
                    && block.hasRemaining()) {
                throw Alerts.illegalParameter("pre_shared_key is not the last extension of the ClientHello");
            }
            Extension e = decodeData(type, known, data, context, helloRetryRequest);
            data.expectEnd(describe(type));
            String problem = misfit(e, context, helloRetryRequest);
            if (problem != null) {
                throw Alerts.illegalParameter(problem);
            }
            extensions.add(e);
        }
        return List.copyOf(extensions);
    }

    /**
     * Writes an extension block: a 16-bit length, then each extension in order.
     *
     * @throws IllegalArgumentException if the block is longer than 2^16-1 bytes
     */
    public static void encodeBlock(TlsWriter w, List<? extends Extension> extensions) {
        int block = w.startVector16();
        for (Extension e : extensions) {
            encode(w, e);
        }
        w.endVector16(block);
    }

    /**
     * Writes one extension: its type, then its data with a 16-bit length.
     *
     * @throws IllegalArgumentException if the data is longer than 2^16-1 bytes
     */
    public static void encode(TlsWriter w, Extension extension) {
        w.u16(extension.typeCode());
        int data = w.startVector16();
        switch (extension) {
            case ServerName e -> e.encodeData(w);
            case SupportedGroups e -> e.encodeData(w);
            case SignatureAlgorithms e -> e.encodeData(w);
            case SignatureAlgorithmsCert e -> e.encodeData(w);
            case CertificateAuthorities e -> e.encodeData(w);
            case ApplicationLayerProtocolNegotiation e -> e.encodeData(w);
            case SupportedVersionsClientHello e -> e.encodeData(w);
            case SupportedVersionsServerHello e -> e.encodeData(w);
            case KeyShareClientHello e -> e.encodeData(w);
            case KeyShareServerHello e -> e.encodeData(w);
            case KeyShareHelloRetryRequest e -> e.encodeData(w);
            case PskKeyExchangeModes e -> e.encodeData(w);
            case PreSharedKeyClientHello e -> e.encodeData(w);
            case PreSharedKeyServerHello e -> e.encodeData(w);
            case EarlyDataIndication e -> { }
            case EarlyDataNewSessionTicket e -> e.encodeData(w);
            case Cookie e -> e.encodeData(w);
            case QuicTransportParameters e -> w.bytes(e.parameters());
            case Unknown e -> w.bytes(e.data());
        }
        w.endVector16(data);
    }

    /**
     * {@return the number of bytes {@link #encodeBlock} writes for these extensions, its 2-byte length included}
     *
     * @throws IllegalArgumentException if the block, or an extension's data, is longer than 2^16-1 bytes
     */
    public static int blockLength(List<? extends Extension> extensions) {
        TlsWriter w = new TlsWriter();
        encodeBlock(w, extensions);
        return w.size();
    }

    /**
     * Checks that a list of extensions built by our own code may be sent in a message: RFC 8446 §4.2's
     * rules as the class lists them, and each extension in the form that message carries (for instance a
     * {@link KeyShareClientHello} only in a ClientHello).
     *
     * @return an unmodifiable copy of {@code extensions}
     * @throws IllegalArgumentException naming the first rule broken, or if the block would not fit its
     *     16-bit length
     */
    public static List<Extension> checkBlock(HandshakeType context, boolean helloRetryRequest,
            List<? extends Extension> extensions) {
        checkContext(context, helloRetryRequest);
        List<Extension> copy = List.copyOf(extensions);
        blockLength(copy);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < copy.size(); i++) {
            Extension e = copy.get(i);
            if (!seen.add(e.typeCode())) {
                throw new IllegalArgumentException("duplicate extension " + describe(e.typeCode()));
            }
            ExtensionType known = ExtensionType.fromCode(e.typeCode());
            if (known != null && !known.allowedIn(context, helloRetryRequest)) {
                throw new IllegalArgumentException(
                        known + " is not allowed in " + messageName(context, helloRetryRequest));
            }
            String problem = misfit(e, context, helloRetryRequest);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            if (e instanceof PreSharedKeyClientHello && i != copy.size() - 1) {
                throw new IllegalArgumentException("pre_shared_key must be the ClientHello's last extension");
            }
        }
        return copy;
    }

    private static Extension decodeData(int type, ExtensionType known, TlsReader data, HandshakeType context,
            boolean helloRetryRequest) throws TlsAlertException {
        if (known == null || !known.parsed()) {
            return new Unknown(type, data.rest());
        }
        boolean clientHello = context == HandshakeType.CLIENT_HELLO;
        return switch (known) {
            case SERVER_NAME -> clientHello
                    ? ServerName.decodeClientHello(data)
                    : ServerName.decodeAcknowledgement(data);
            case SUPPORTED_GROUPS -> SupportedGroups.decode(data);
            case SIGNATURE_ALGORITHMS -> SignatureAlgorithms.decode(data);
            case SIGNATURE_ALGORITHMS_CERT -> SignatureAlgorithmsCert.decode(data);
            case CERTIFICATE_AUTHORITIES -> CertificateAuthorities.decode(data);
            case APPLICATION_LAYER_PROTOCOL_NEGOTIATION -> ApplicationLayerProtocolNegotiation.decode(data);
            case SUPPORTED_VERSIONS -> clientHello
                    ? SupportedVersionsClientHello.decode(data)
                    : SupportedVersionsServerHello.decode(data);
            case KEY_SHARE -> clientHello
                    ? KeyShareClientHello.decode(data)
                    : helloRetryRequest ? KeyShareHelloRetryRequest.decode(data) : KeyShareServerHello.decode(data);
            case PSK_KEY_EXCHANGE_MODES -> PskKeyExchangeModes.decode(data);
            case PRE_SHARED_KEY -> clientHello
                    ? PreSharedKeyClientHello.decode(data)
                    : PreSharedKeyServerHello.decode(data);
            case EARLY_DATA -> context == HandshakeType.NEW_SESSION_TICKET
                    ? EarlyDataNewSessionTicket.decode(data)
                    : EarlyDataIndication.decode(data);
            case COOKIE -> Cookie.decode(data);
            case QUIC_TRANSPORT_PARAMETERS -> new QuicTransportParameters(data.rest());
            default -> new Unknown(type, data.rest());
        };
    }

    /**
     * {@return why an extension's form does not fit the message, or null if it does}; the type's placement
     * in the table is checked separately, this is about which of a type's forms the message carries.
     */
    private static String misfit(Extension e, HandshakeType context, boolean helloRetryRequest) {
        boolean clientHello = context == HandshakeType.CLIENT_HELLO;
        boolean serverHello = context == HandshakeType.SERVER_HELLO && !helloRetryRequest;
        boolean fits = switch (e) {
            case ServerName s -> clientHello != s.isAcknowledgement();
            // RFC 7301 §3.1: the server's "ProtocolNameList" MUST contain exactly one "ProtocolName".
            case ApplicationLayerProtocolNegotiation a -> clientHello || a.protocols().size() == 1;
            case SupportedVersionsClientHello v -> clientHello;
            case SupportedVersionsServerHello v -> context == HandshakeType.SERVER_HELLO;
            case KeyShareClientHello k -> clientHello;
            case KeyShareServerHello k -> serverHello;
            case KeyShareHelloRetryRequest k -> helloRetryRequest;
            case PreSharedKeyClientHello p -> clientHello;
            case PreSharedKeyServerHello p -> serverHello;
            case EarlyDataIndication d -> context != HandshakeType.NEW_SESSION_TICKET;
            case EarlyDataNewSessionTicket d -> context == HandshakeType.NEW_SESSION_TICKET;
            case SupportedGroups x -> true;
            case SignatureAlgorithms x -> true;
            case SignatureAlgorithmsCert x -> true;
            case CertificateAuthorities x -> true;
            case PskKeyExchangeModes x -> true;
            case Cookie x -> true;
            case QuicTransportParameters x -> true;
            case Unknown x -> true;
        };
        if (fits) {
            return null;
        }
        if (e instanceof ApplicationLayerProtocolNegotiation a) {
            return "application_layer_protocol_negotiation from the server names " + a.protocols().size()
                    + " protocols, not exactly one";
        }
        return e.getClass().getSimpleName() + " is not the form " + messageName(context, helloRetryRequest)
                + " carries";
    }

    private static void checkContext(HandshakeType context, boolean helloRetryRequest) {
        switch (context) {
            case CLIENT_HELLO, SERVER_HELLO, ENCRYPTED_EXTENSIONS, CERTIFICATE, CERTIFICATE_REQUEST,
                    NEW_SESSION_TICKET -> { }
            default -> throw new IllegalArgumentException(context + " carries no extensions");
        }
        if (helloRetryRequest && context != HandshakeType.SERVER_HELLO) {
            throw new IllegalArgumentException("a HelloRetryRequest is a ServerHello, not " + context);
        }
    }

    private static String messageName(HandshakeType context, boolean helloRetryRequest) {
        return helloRetryRequest ? "hello_retry_request" : context.toString();
    }

    private static String describe(int type) {
        ExtensionType known = ExtensionType.fromCode(type);
        return known != null ? known.toString() : "extension_type(" + type + ")";
    }
}
