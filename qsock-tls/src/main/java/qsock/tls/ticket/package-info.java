/**
 * Session tickets, resumption PSKs and 0-RTT anti-replay (RFC 8446 §4.6.1, §4.2.10, §4.2.11, §8; RFC 9001
 * §4.6; RFC 9000 §7.4.1), as components the handshake engine uses. Nothing here reads a clock: every time is
 * a wall-clock epoch millisecond passed in.
 *
 * <h2>Server</h2>
 * <ul>
 * <li>{@link qsock.tls.ticket.SessionState}: what a ticket remembers, with
 *     {@link qsock.tls.ticket.SessionState#resumptionPsk} (the PSK's derivation) and a strict
 *     serialization.</li>
 * <li>{@link qsock.tls.ticket.TicketSealer}: seals a state into a self-contained AES-256-GCM ticket under the
 *     current {@link qsock.tls.ticket.TicketKey}, opens tickets under the current or previous key; keys
 *     settable and rotating.</li>
 * <li>{@link qsock.tls.ticket.EarlyDataAntiReplay}: the freshness check and the single-use record that
 *     decide whether 0-RTT may be accepted.</li>
 * </ul>
 *
 * <h2>Client</h2>
 * <ul>
 * <li>{@link qsock.tls.ticket.ClientTicket}: a received ticket with its PSK and what 0-RTT must remember.</li>
 * <li>{@link qsock.tls.ticket.TicketStore}, {@link qsock.tls.ticket.InMemoryTicketStore}: where tickets wait
 *     for the next connection; single-use.</li>
 * <li>Sessions beyond the process (the socket draft's SESSION_TICKET): {@link
 *     qsock.tls.ticket.InMemoryTicketStore#takeAll} takes a server's tickets out, {@link
 *     qsock.tls.ticket.ClientTicket#encode()} gives each as at most 4096 bytes (the remembered transport parameters
 *     inside), and {@link qsock.tls.ticket.ClientTicket#decode(byte[], long)} reads them back in a later process,
 *     refusing bad or expired input with a {@link qsock.tls.ticket.SessionFormatException}.</li>
 * </ul>
 *
 * <h2>How the engine uses them</h2>
 * <p>Server, after sending or receiving the client's Finished (resumption_master_secret known, RFC 8446
 * §7.1), for each ticket to issue: draw a ticket_nonce (distinct per ticket of the connection) and a random
 * ticket_age_add; {@code psk = SessionState.resumptionPsk(suite.hash(), resumptionMasterSecret, nonce)};
 * {@code state = new SessionState(suite, psk, alpn, sni, now, lifetime, ageAdd, maxEarly, ownTransportParams)}
 * with {@code maxEarly} 0xffffffff in QUIC when 0-RTT is offered (RFC 9001 §4.6.1), else 0 and empty
 * parameters; send {@code NewSessionTicket(lifetime, ageAdd, nonce, sealer.seal(state), [early_data(maxEarly)])}.
 *
 * <p>Server, on a ClientHello with pre_shared_key: for each identity,
 * {@code sealer.open(identity, now, skew)}; skip identities that give empty (RFC 8446 §4.2.11) and those
 * whose suite's hash differs from the negotiated suite's; with the first usable one, verify its binder with
 * {@code state.psk()} (a wrong binder is decrypt_error). 0-RTT is accepted only if the client offered
 * early_data, the PSK is the first identity (index 0, §4.2.10), {@code state.allowsEarlyData()}, the suite
 * and ALPN equal the state's, the application policy agrees, the new transport parameters are compatible
 * with {@code state.transportParameters()} (RFC 9000 §7.4.1), and finally
 * {@code antiReplay.admit(identity, state.issuedAtMillis(), obfuscatedAge, state.ageAdd(), now) == ACCEPTED}
 * (called last, so that a refusal for another reason does not use the ticket up).
 *
 * <p>Client, on NewSessionTicket (after the handshake): reject a lifetime over 604800 (illegal_parameter)
 * and, in QUIC, an early_data other than 0xffffffff (PROTOCOL_VIOLATION, RFC 9001 §4.6.1); then
 * {@code store.store(serverName, new ClientTicket(nst.ticket, SessionState.resumptionPsk(hash, rms,
 * nst.nonce), suite, alpn, sni, now, nst.lifetime, nst.ageAdd, maxEarlyOr0, serverTransportParams))}.
 *
 * <p>Client, building a ClientHello: {@code store.take(serverName, now)}; offer it only with a configured
 * suite of the same hash, as identity {@code ticket()} with {@code obfuscatedAge(now)}, the binder keyed
 * from {@code psk()}; for 0-RTT, only if {@code allowsEarlyData()}, the offered ALPN includes its
 * {@code alpn()} and the early data uses its suite and {@code serverTransportParameters()}.
 */
package qsock.tls.ticket;
