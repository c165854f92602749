/**
 * Certificates for the TLS 1.3 handshake: loading our chain and private key from PEM files
 * ({@link qsock.tls.cert.PemFiles}), and deciding whether a peer's chain is trusted and names the host we
 * connected to ({@link qsock.tls.cert.CertificateValidator}), with the alert to send when it is not.
 * Path validation is the JDK's PKIX (its trust managers); the host name check and the alert mapping are
 * here.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc8446#section-4.4.2 RFC 8446 §4.4.2, Certificate
 * @spec https://www.rfc-editor.org/rfc/rfc8446#section-6.2 RFC 8446 §6.2, Error Alerts
 * @spec https://www.rfc-editor.org/rfc/rfc5280 RFC 5280, Internet X.509 PKI Certificate and CRL Profile
 * @spec https://www.rfc-editor.org/rfc/rfc9525 RFC 9525, Service Identity in TLS
 * @spec https://www.rfc-editor.org/rfc/rfc7468 RFC 7468, Textual Encodings of PKIX, PKCS, and CMS Structures
 * @spec https://www.rfc-editor.org/rfc/rfc5208 RFC 5208, PKCS #8: Private-Key Information Syntax
 * @spec https://www.rfc-editor.org/rfc/rfc5915 RFC 5915, Elliptic Curve Private Key Structure
 */
package qsock.tls.cert;
