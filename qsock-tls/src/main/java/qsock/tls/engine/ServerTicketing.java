package qsock.tls.engine;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;
import qsock.core.handshake.CipherSuite;
import qsock.tls.ServerTickets;
import qsock.tls.codec.Opaque;
import qsock.tls.extension.ApplicationLayerProtocolNegotiation;
import qsock.tls.extension.EarlyDataNewSessionTicket;
import qsock.tls.extension.Extension;
import qsock.tls.extension.Extensions;
import qsock.tls.extension.PskIdentity;
import qsock.tls.extension.ServerName;
import qsock.tls.message.ClientHello;
import qsock.tls.message.NewSessionTicket;
import java.nio.ByteBuffer;
import qsock.api.Role;
import qsock.core.params.TransportParameters;
import qsock.tls.ticket.EarlyDataAntiReplay;
import qsock.tls.ticket.SessionState;
import qsock.tls.ticket.TicketSealer;
import qsock.core.error.QuicProtocolException;

/**
 * A server's session tickets for one connection (RFC 8446 §4.6.1): opens the tickets a ClientHello offers as
 * PSK identities (a {@link PskLookup}) and issues new ones after the handshake.
 *
 * <p>A ticket that does not open (forged, damaged, under a key no longer held, expired) or that was issued
 * for another server name or for an application protocol the client no longer offers is simply not known:
 * RFC 8446 §4.2.11 lets a server ignore a PSK identity it cannot use, and the handshake falls back to a full
 * one. A wrong binder on a ticket that did open is still decrypt_error ({@link PskSelection}).
 */
final class ServerTicketing {

    /** How far in the future a ticket's issue time may lie: servers sharing keys whose clocks differ a little. */
    static final long CLOCK_SKEW_MILLIS = 60_000;

    /** The max_early_data_size over TCP (RFC 8446 §4.2.10): one full record's worth. */
    static final long TCP_MAX_EARLY_DATA_SIZE = 16_384;

    private final ServerTickets tickets;
    private final boolean quic;
    /** The states of the tickets opened in this handshake, by the PSK handed to {@link PskSelection}. */
    private final Map<OfferedPsk, SessionState> opened = new IdentityHashMap<>();
    private ClientHello hello;
    /** The connection's QUIC version now (wire value), or null when tickets are bound to none (RFC 9369 §5). */
    private final IntSupplier quicVersion;
    /**
     * The version of the client's Initial, which the connection started with: the only one whose tickets resume.
     * Read when the engine is made, before compatible negotiation can move the connection (RFC 9368 §2.3), which
     * happens when the client's transport parameters are handed over, after the PSK is chosen.
     */
    private final int startVersion;

    /** @param quicVersion the wire value of the connection's version now, or null to bind no version */
    ServerTicketing(ServerTickets tickets, boolean quic, IntSupplier quicVersion) {
        this.tickets = tickets;
        this.quic = quic;
        this.quicVersion = quicVersion;
        this.startVersion = quicVersion == null ? 0 : quicVersion.getAsInt();
    }

    /** Names the ClientHello whose identities the next {@link #find} calls look at. */
    void offeredIn(ClientHello hello) {
        this.hello = hello;
        opened.clear();
    }

    /** The {@link PskLookup} of tickets: the ticket's PSK, or null when the ticket is not one to resume. */
    OfferedPsk find(PskIdentity identity) {
        byte[] ticket = identity.identity().toByteArray();
        if (ticket.length > TicketSealer.MAX_TICKET_LENGTH) {
            return null;
        }
        Optional<SessionState> state = tickets.sealer().open(ticket, tickets.clock().getAsLong(), CLOCK_SKEW_MILLIS);
        if (state.isEmpty() || !fits(state.get())) {
            return null;
        }
        OfferedPsk psk = new OfferedPsk(ticket, state.get().psk(), state.get().cipherSuite().hash(),
                identity.obfuscatedTicketAge(), OfferedPsk.Kind.RESUMPTION, null);
        opened.put(psk, state.get());
        return psk;
    }

    /** {@return the state of the ticket behind {@code psk}, or null when it is not a ticket of this handshake} */
    SessionState stateOf(OfferedPsk psk) {
        return opened.get(psk);
    }

    /**
     * A ticket resumes only the server name it was issued for (RFC 8446 §4.6.1 leaves SNI to RFC 6066 §3,
     * whose servers "MUST NOT accept" a resumption under another name), only if its application protocol
     * is still offered (a resumed connection keeps the protocol its PSK was made with), and only a connection of
     * the QUIC version it was issued on (RFC 9369 §5: "Servers MUST validate the originating version of any session
     * ticket ... and not accept one issued from a different version"; the ticket is then unknown, and the handshake a
     * full one without 0-RTT).
     */
    private boolean fits(SessionState state) {
        if (state.quicVersion() != startVersion) {
            return false;
        }
        String sni = Extensions.find(hello.extensions(), ServerName.class).map(ServerName::hostName).orElse("");
        if (!state.serverName().equalsIgnoreCase(sni)) {
            return false;
        }
        if (state.alpn().isEmpty()) {
            return true;
        }
        return Extensions.find(hello.extensions(), ApplicationLayerProtocolNegotiation.class)
                .map(a -> a.protocols().contains(state.alpn())).orElse(false);
    }

    /**
     * The NewSessionTickets to send after the client's Finished (RFC 8446 §4.6.1): each with a distinct
     * nonce (its index), a random ticket_age_add, and, when 0-RTT is enabled, early_data with
     * max_early_data_size 0xffffffff in QUIC (RFC 9001 §4.6.1).
     *
     * @param serverTransportParameters ours on this connection, remembered for 0-RTT (RFC 9000 §7.4.1), or
     *     null over TCP
     */
    List<NewSessionTicket> issue(CipherSuite suite, byte[] resumptionMasterSecret, String alpn, String serverName,
                                 byte[] serverTransportParameters, SecureRandom random) {
        long now = tickets.clock().getAsLong();
        long maxEarly = !tickets.earlyData() ? 0 : quic ? EarlyDataNewSessionTicket.QUIC_MAX_EARLY_DATA_SIZE
                : TCP_MAX_EARLY_DATA_SIZE;
        byte[] parameters = maxEarly == 0 || serverTransportParameters == null
                || serverTransportParameters.length > SessionState.MAX_TRANSPORT_PARAMETERS
                ? new byte[0] : serverTransportParameters;
        if (quic && maxEarly != 0 && parameters.length == 0) {
            maxEarly = 0; // 0-RTT in QUIC needs the remembered parameters; without them none is offered
        }
        // RFC 9369 §5: "any resulting session ticket maps to the negotiated version rather than the original one".
        int version = quicVersion == null ? 0 : quicVersion.getAsInt();
        List<NewSessionTicket> out = new ArrayList<>();
        for (int i = 0; i < tickets.count(); i++) {
            byte[] nonce = {(byte) i};
            long ageAdd = random.nextInt() & 0xFFFF_FFFFL;
            byte[] psk = SessionState.resumptionPsk(suite.hash(), resumptionMasterSecret, nonce);
            SessionState state;
            try {
                state = new SessionState(suite, psk, alpn == null ? "" : alpn, serverName == null ? "" : serverName,
                        now, tickets.lifetimeSeconds(), ageAdd, maxEarly, parameters, version);
            } catch (IllegalArgumentException e) {
                // A server name or ALPN a ticket cannot hold (over 255 characters): no tickets, no harm.
                return List.of();
            }
            List<Extension> extensions = maxEarly == 0 ? List.of() : List.of(new EarlyDataNewSessionTicket(maxEarly));
            out.add(new NewSessionTicket(tickets.lifetimeSeconds(), ageAdd, Opaque.of(nonce),
                    Opaque.of(tickets.sealer().seal(state)), extensions));
        }
        return out;
    }

    /**
     * {@return true if the client's early data may be accepted} (RFC 8446 §4.2.10, RFC 9001 §4.6.2): 0-RTT
     * is enabled here; the selected PSK is a ticket opened in this handshake at identity index 0 and allows
     * early data; the suite and ALPN are the ticket's; in QUIC our transport parameters are compatible with
     * the remembered ones (RFC 9000 §7.4.1); the application's policy agrees; and, last, so that a rejected
     * attempt does not use the ticket up, the anti-replay record admits the ticket (RFC 8446 §8).
     *
     * @param alpn the protocol selected on this connection, or null
     * @param transportParameters ours on this connection, or null over TCP
     */
    boolean acceptsEarlyData(PskSelection selection, CipherSuite suite, String alpn, byte[] transportParameters) {
        SessionState state = stateOf(selection.psk());
        if (!tickets.earlyData() || state == null || selection.index() != 0 || !state.allowsEarlyData()
                || suite != state.cipherSuite() || !state.alpn().equals(alpn == null ? "" : alpn)) {
            return false;
        }
        byte[] remembered = state.transportParameters();
        if (quic && !compatible(remembered, transportParameters)) {
            return false;
        }
        if (!tickets.earlyDataPolicy().accept(state.alpn(), state.serverName(), remembered)) {
            return false;
        }
        return tickets.antiReplay().admit(selection.psk().identity(), state.issuedAtMillis(),
                selection.psk().obfuscatedTicketAge(), state.ageAdd(), tickets.clock().getAsLong())
                == EarlyDataAntiReplay.Verdict.ACCEPTED;
    }

    /**
     * RFC 9000 §7.4.1: a server accepting 0-RTT "MUST NOT reduce any limits or alter any values that might be
     * violated by the client with its 0-RTT data": each flow-control and stream limit, the connection ID limit
     * and max_datagram_frame_size (RFC 9221 §3) now at least as large as remembered. Parameters that do not
     * decode are not compatible.
     */
    static boolean compatible(byte[] remembered, byte[] current) {
        if (remembered == null || remembered.length == 0 || current == null) {
            return false;
        }
        TransportParameters then;
        TransportParameters now;
        try {
            then = TransportParameters.decode(ByteBuffer.wrap(remembered), Role.SERVER);
            now = TransportParameters.decode(ByteBuffer.wrap(current), Role.SERVER);
        } catch (QuicProtocolException | RuntimeException e) {
            return false;
        }
        return now.initialMaxData() >= then.initialMaxData()
                && now.initialMaxStreamDataBidiLocal() >= then.initialMaxStreamDataBidiLocal()
                && now.initialMaxStreamDataBidiRemote() >= then.initialMaxStreamDataBidiRemote()
                && now.initialMaxStreamDataUni() >= then.initialMaxStreamDataUni()
                && now.initialMaxStreamsBidi() >= then.initialMaxStreamsBidi()
                && now.initialMaxStreamsUni() >= then.initialMaxStreamsUni()
                && now.activeConnectionIdLimit() >= then.activeConnectionIdLimit()
                && now.maxDatagramFrameSize() >= then.maxDatagramFrameSize();
    }
}
