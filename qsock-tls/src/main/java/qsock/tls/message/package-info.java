/**
 * TLS 1.3 handshake messages (RFC 8446 §4): one record per message under the sealed
 * {@link qsock.tls.message.HandshakeMessage}, their code points ({@link qsock.tls.message.HandshakeType}),
 * {@link qsock.tls.message.HandshakeCodec}, which encodes a message to its wire form and decodes one from
 * its body, and {@link qsock.tls.message.HandshakeFramer}, which cuts one encryption level's CRYPTO stream
 * into whole messages, each with its exact bytes for the transcript hash.
 *
 * <p>A HelloRetryRequest is a {@link qsock.tls.message.ServerHello} with a special random
 * ({@link qsock.tls.message.ServerHello#isHelloRetryRequest()}), as on the wire.
 *
 * <p>Decoding checks the syntax and the rules that need nothing but the message itself; legacy fields are
 * reported as received, and what depends on the handshake's state (versions, cipher suites, the order of
 * messages, the echo of the session id) is the engine's.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc8446#section-4 RFC 8446 §4, Handshake Protocol
 * @spec https://www.rfc-editor.org/rfc/rfc9001#section-4.1.3 RFC 9001 §4.1.3, Sending and Receiving Handshake Messages
 */
package qsock.tls.message;
