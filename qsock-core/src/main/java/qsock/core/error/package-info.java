/**
 * Transport error codes, the exception that carries a peer's protocol violation, how a connection ended
 * ({@link qsock.core.error.ConnectionError}) and the escaping of text a peer sent. Part of the exported API.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-20 RFC 9000 §20, Error Codes
 */
package qsock.core.error;
