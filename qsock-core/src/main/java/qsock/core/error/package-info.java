/**
 * Transport error codes and the exception that carries a peer's protocol violation.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-20 RFC 9000 §20, Error Codes
 */
package qsock.core.error;
