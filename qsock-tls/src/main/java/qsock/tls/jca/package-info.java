/**
 * The TLS 1.3 handshake's public-key cryptography on the JDK's providers (JCA): (EC)DHE key exchange for
 * the groups of {@link qsock.tls.jca.NamedGroup}, with the post-quantum hybrid X25519MLKEM768 on the JDK's
 * ML-KEM ({@code javax.crypto.KEM}), and CertificateVerify signatures for the schemes of
 * {@link qsock.tls.jca.SignatureScheme}. HKDF, hashes and AEADs come from {@code qsock.core.crypto}.
 *
 * <p>Everything here is stateless and thread-safe. Randomness comes only from the {@link
 * java.security.SecureRandom} the caller passes, so a seeded random replays key shares and signatures. What
 * the peer sends is validated here and refused with a {@link qsock.tls.TlsAlertException} (or, for a
 * signature, {@code false}); a misuse by the caller (a key of the wrong kind) is an
 * {@link java.lang.IllegalArgumentException}.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc8446#section-4.2.3 RFC 8446 §4.2.3, Signature Algorithms
 * @spec https://www.rfc-editor.org/rfc/rfc8446#section-4.2.8 RFC 8446 §4.2.8, Key Share
 * @spec https://www.rfc-editor.org/rfc/rfc8446#section-4.4.3 RFC 8446 §4.4.3, Certificate Verify
 * @spec https://www.rfc-editor.org/rfc/rfc8446#section-7.4 RFC 8446 §7.4, (EC)DHE Shared Secret Calculation
 * @spec https://www.rfc-editor.org/rfc/rfc7748 RFC 7748, Elliptic Curves for Security
 * @spec https://datatracker.ietf.org/doc/draft-ietf-tls-ecdhe-mlkem/ draft-ietf-tls-ecdhe-mlkem, hybrid ECDHE-MLKEM
 * @spec https://csrc.nist.gov/pubs/fips/203/final FIPS 203, Module-Lattice-Based Key-Encapsulation Mechanism
 * @spec https://www.rfc-editor.org/rfc/rfc8017#section-8.1 RFC 8017 §8.1, RSASSA-PSS
 */
package qsock.tls.jca;
