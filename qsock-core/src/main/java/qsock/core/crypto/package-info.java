/**
 * QUIC packet protection on the JDK's own cryptography (JCA), as the kernel module keeps it apart from TLS:
 * HKDF and HKDF-Expand-Label, Initial secrets, packet protection keys and their key updates, in-place AEAD
 * sealing and opening with header protection, and Retry integrity tags.
 *
 * <p>The objects that protect packets ({@link qsock.core.crypto.PacketProtection},
 * {@link qsock.core.crypto.Aead}, {@link qsock.core.crypto.HeaderProtection}) hold a
 * {@link javax.crypto.Cipher} each and are not thread-safe: one object serves one direction of one
 * connection at one key phase, driven by one thread at a time. Per packet they allocate nothing of their
 * own but the {@code ChaCha20ParameterSpec} of ChaCha20 header protection (a final JDK class, so one per
 * packet); what the JDK's providers allocate inside {@code Cipher.init} and {@code doFinal} is theirs
 * (about 1 KB per AES-GCM packet, 2.2 KB per ChaCha20-Poly1305 packet on Java 25; measured in the
 * qsock-bench module).
 *
 * @spec https://www.rfc-editor.org/rfc/rfc9001#section-5 RFC 9001 §5, Packet Protection
 * @spec https://www.rfc-editor.org/rfc/rfc9001#section-6 RFC 9001 §6, Key Update
 * @spec https://www.rfc-editor.org/rfc/rfc9369#section-3.3 RFC 9369 §3.3, Cryptography Changes
 * @spec https://www.rfc-editor.org/rfc/rfc5869 RFC 5869, HMAC-based Extract-and-Expand Key Derivation Function
 * @spec https://www.rfc-editor.org/rfc/rfc8446#section-7.1 RFC 8446 §7.1, Key Schedule
 */
package qsock.core.crypto;
