/**
 * TLS extensions (RFC 8446 §4.2 and the RFCs it lists; RFC 9001 §8.2 for QUIC transport parameters): one
 * record per wire form under the sealed {@link qsock.tls.extension.Extension}, the table of where each
 * type may appear ({@link qsock.tls.extension.ExtensionType}), and {@link qsock.tls.extension.ExtensionCodec},
 * which decodes an extension block for the message that carries it and enforces RFC 8446 §4.2's rules:
 * no duplicate types, no recognised type outside the messages the table lists, "pre_shared_key" last in a
 * ClientHello. {@link qsock.tls.extension.Extensions} finds an extension in a list by its record type.
 *
 * <p>Extensions whose data depends on the message have one record per form: "supported_versions"
 * ({@link qsock.tls.extension.SupportedVersionsClientHello}, {@link qsock.tls.extension.SupportedVersionsServerHello}),
 * "key_share" ({@link qsock.tls.extension.KeyShareClientHello}, {@link qsock.tls.extension.KeyShareServerHello},
 * {@link qsock.tls.extension.KeyShareHelloRetryRequest}), "pre_shared_key"
 * ({@link qsock.tls.extension.PreSharedKeyClientHello}, {@link qsock.tls.extension.PreSharedKeyServerHello}) and
 * "early_data" ({@link qsock.tls.extension.EarlyDataIndication},
 * {@link qsock.tls.extension.EarlyDataNewSessionTicket}),
 * grouped under sealed interfaces named after the extension. A type this package does not parse is kept
 * as {@link qsock.tls.extension.Unknown} with its data.
 *
 * <p>Code points of groups, signature schemes, versions and cipher suites are carried as numbers and not
 * judged here: which are acceptable is the engine's decision.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc8446#section-4.2 RFC 8446 §4.2, Extensions
 * @spec https://www.rfc-editor.org/rfc/rfc6066#section-3 RFC 6066 §3, Server Name Indication
 * @spec https://www.rfc-editor.org/rfc/rfc7301#section-3.1 RFC 7301 §3.1, The ALPN Extension
 * @spec https://www.rfc-editor.org/rfc/rfc9001#section-8.2 RFC 9001 §8.2, QUIC Transport Parameters Extension
 */
package qsock.tls.extension;
