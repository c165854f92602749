package qsock.tls.simulation;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import qsock.api.Role;
import qsock.core.cid.ConnectionIdRegistry;
import qsock.core.cid.StatelessResetTokens;
import qsock.api.ConnectionConfig;
import qsock.core.connection.QuicConnection;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.crypto.PacketProtection;
import qsock.core.frame.FrameEncoder;
import qsock.core.packet.PacketHeaderWriter;
import qsock.core.packet.PacketType;
import qsock.api.QuicVersion;
import qsock.core.wire.ConnectionId;
import qsock.tls.HandshakeDriver;
import qsock.tls.TlsClientConfig;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.TestPki;
import qsock.tls.jca.NamedGroup;

/**
 * Valid client Initials as an attacker makes them, thousands a second: one real ClientHello from the TLS
 * engine (its transport parameters name the client's Source Connection ID, which every Initial then uses),
 * replayed in Initials each with a fresh Destination Connection ID and so Initial keys of its own (anyone can
 * compute them, RFC 9001 §5.2). A server cannot tell them from new clients' first flights: each opens, each
 * starts a server handshake; no client stays to finish one. Public for the socket tests, which flood a real
 * listener with them.
 */
public final class ClientInitials {

    private static final long NOW = 1_000_000_000L;
    private static final int DATAGRAM = 1200;

    private final ConnectionConfig config = ConnectionConfig.defaults();
    private final RandomGenerator random;
    private final byte[] clientHello;
    private final ConnectionId source;

    /**
     * @param random the source of the Destination Connection IDs
     * @param tlsRandom the TLS client's randomness, for its one ClientHello
     * @param pki the test PKI whose CA the client trusts
     */
    public ClientInitials(RandomGenerator random, SecureRandom tlsRandom, String pki) {
        this.random = random;
        // The classical groups only: a flood replays one 1200-byte Initial, and a default ClientHello, with the
        // X25519MLKEM768 share, takes two.
        TlsClientConfig tls = TlsClientConfig.builder().serverName("localhost")
                .groups(NamedGroup.X25519, NamedGroup.SECP256R1, NamedGroup.SECP384R1)
                .applicationProtocols("hq-interop", "echo")
                .certificateValidator(CertificateValidator.forTrustedCertificates(List.of(TestPki.ca(pki))))
                .build();
        QuicConnection c = QuicConnection.client(config, random, new StatelessResetTokens(new byte[32]),
                ConnectionIdRegistry.NONE, NOW);
        HandshakeDriver.client(c.handshakeChannel(() -> NOW), tls, tlsRandom).step();
        // The client's own first Initial carries its ClientHello: open it to take the bytes out.
        ByteBuffer first = ByteBuffer.allocate(1500);
        c.pollDatagram(first, NOW);
        this.source = c.localId();
        this.clientHello = clientHelloOf(first.flip(), c.peerId(), c.localId(), c.version());
    }

    /**
     * Writes the first datagram of a new client connection into {@code out} (cleared first) and flips it: a
     * 1200-byte Initial carrying the ClientHello, padded as a client pads it.
     */
    public ByteBuffer next(ByteBuffer out) {
        byte[] d = new byte[8];
        random.nextBytes(d);
        ConnectionId destination = ConnectionId.of(d);
        out.clear();
        int pnOffset = PacketHeaderWriter.writeLongHeader(out, config.version(), PacketType.INITIAL, destination,
                source, null, 0, 1, 2, true);
        FrameEncoder.writeCryptoHeader(out, 0, clientHello.length);
        out.put(clientHello);
        int end = DATAGRAM - 16;
        FrameEncoder.writePadding(out, end - out.position());
        PacketHeaderWriter.setLength(out, pnOffset, 2, DATAGRAM);
        out.limit(DATAGRAM);
        PacketProtection.initial(config.version(), destination, Role.CLIENT).seal(out, 0, pnOffset, 1, 0, end);
        return out.position(0);
    }

    /** {@return the ClientHello in a client's first Initial, opened as a server opens it} */
    private static byte[] clientHelloOf(ByteBuffer datagram, ConnectionId destination, ConnectionId source,
                                        QuicVersion version) {
        QuicConnection server = QuicConnection.server(ConnectionConfig.defaults(), new SplittableRandom(0),
                new StatelessResetTokens(new byte[32]), ConnectionIdRegistry.NONE, version, destination,
                source, NOW);
        server.handleDatagram(datagram, NOW);
        ByteBuffer hello = ByteBuffer.allocate(4096);
        if (server.readHandshake(hello) != EncryptionLevel.INITIAL) {
            throw new IllegalStateException("the client's first Initial carried no ClientHello");
        }
        byte[] b = new byte[hello.position()];
        hello.flip().get(b);
        return b;
    }
}
