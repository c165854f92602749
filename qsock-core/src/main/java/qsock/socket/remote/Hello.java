package qsock.socket.remote;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import qsock.socket.CertificateRequest;
import qsock.socket.HandshakeRequest;

/**
 * The application's first frame: the protocol version, what it asks for, and what of its socket the TLS engine
 * needs up front (as {@code QuicHandshake} reads it from a local socket): the socket's ALPN option, the cipher suite
 * its configuration prefers, its certificate-request policy, the QUIC version and attempt, its transport parameters.
 *
 * <p>Payload: {@code version (1) | role (1: client 0, server 1) | timeout millis (4) | peer name (str16) |
 * psk identity (str16) | alpn (count (1), str8 each) | socket alpn (count (1), str8 each) | cipher suite (2, 0 for none) |
 * certificate request (1) | quic version (4) | attempt (4) | local transport parameters (2 + n)}.
 *
 * @param client true for a client handshake
 * @param timeoutMillis how long the whole handshake may take, 1 to 2^32-1 ms
 * @param request the consumer's request
 * @param socketApplicationProtocols the socket's ALPN option: used when neither the request nor the service's
 *     configuration names protocols
 * @param preferredCipherSuite the TLS code of the suite the socket's configuration asks for, 0 for none
 * @param certificateRequest a server socket's certificate-request policy
 * @param quicVersion {@link qsock.core.handshake.HandshakeChannel#quicVersion()}
 * @param attempt {@link qsock.core.handshake.HandshakeChannel#handshakeAttempt()}
 * @param localTransportParameters {@link qsock.core.handshake.HandshakeChannel#localTransportParameters()}
 */
public record Hello(boolean client, long timeoutMillis, HandshakeRequest request,
                    List<String> socketApplicationProtocols, int preferredCipherSuite,
                    CertificateRequest certificateRequest, int quicVersion, int attempt,
                    byte[] localTransportParameters) {

    /** The protocol version this side speaks; a daemon refuses any other with a reason. */
    public static final int VERSION = 1;

    /** @throws IllegalArgumentException if a value is out of its field's range */
    public Hello {
        Objects.requireNonNull(request, "request");
        socketApplicationProtocols = List.copyOf(socketApplicationProtocols);
        Objects.requireNonNull(certificateRequest, "certificateRequest");
        Objects.requireNonNull(localTransportParameters, "localTransportParameters");
        if (timeoutMillis < 1 || timeoutMillis > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("the timeout is 1 to 2^32-1 ms: " + timeoutMillis);
        }
        if (localTransportParameters.length > 0xFFFF) {
            // RFC 8446 §4.2: an extension's data is at most 2^16-1 bytes.
            throw new IllegalArgumentException("transport parameters over 65535 bytes");
        }
        if (request.applicationProtocols().size() > 255 || socketApplicationProtocols.size() > 255) {
            throw new IllegalArgumentException("at most 255 ALPN protocols");
        }
    }

    /** {@return the payload of the HELLO frame} */
    public PayloadWriter encode() {
        PayloadWriter w = new PayloadWriter().u8(VERSION).u8(client ? 0 : 1).u32(timeoutMillis)
                .str16Whole(request.peerName()).str16Whole(request.pskIdentity());
        alpn(w, request.applicationProtocols());
        alpn(w, socketApplicationProtocols);
        return w.u16(preferredCipherSuite).u8(certificateRequest.ordinal()).u32(quicVersion & 0xFFFF_FFFFL)
                .u32(attempt & 0xFFFF_FFFFL).bytes16(localTransportParameters);
    }

    private static void alpn(PayloadWriter w, List<String> protocols) {
        w.u8(protocols.size());
        for (String p : protocols) {
            w.str8(p);
        }
    }

    /**
     * {@return the hello in {@code frame}}
     *
     * @throws RemoteProtocolException if it is no HELLO, speaks another version, or any field is malformed
     */
    public static Hello decode(Frame frame) throws RemoteProtocolException {
        if (frame.type() != FrameType.HELLO) {
            throw new RemoteProtocolException("the first frame must be HELLO, not " + frame.type());
        }
        PayloadReader r = frame.reader();
        int version = r.u8("version");
        if (version != VERSION) {
            throw new RemoteProtocolException("protocol version " + version + " asked for; this side speaks "
                    + VERSION);
        }
        int role = r.u8("role");
        if (role > 1) {
            throw new RemoteProtocolException("HELLO role " + role + " is neither client (0) nor server (1)");
        }
        long timeout = r.u32("timeout");
        String peerName = r.str16("peer name");
        String psk = r.str16("PSK identity");
        List<String> alpn = alpn(r, "ALPN");
        List<String> socketAlpn = alpn(r, "socket ALPN");
        int suite = r.u16("cipher suite");
        int certificateRequest = r.u8("certificate request");
        if (certificateRequest >= CertificateRequest.values().length) {
            throw new RemoteProtocolException("HELLO certificate request " + certificateRequest + " is unknown");
        }
        int quicVersion = (int) r.u32("QUIC version");
        int attempt = (int) r.u32("attempt");
        byte[] parameters = r.bytes16("transport parameters");
        r.end();
        try {
            return new Hello(role == 0, timeout, new HandshakeRequest(peerName, psk, alpn), socketAlpn, suite,
                    CertificateRequest.values()[certificateRequest], quicVersion, attempt, parameters);
        } catch (IllegalArgumentException e) {
            throw new RemoteProtocolException("HELLO: " + e.getMessage());
        }
    }

    private static List<String> alpn(PayloadReader r, String what) throws RemoteProtocolException {
        int count = r.u8(what + " count");
        List<String> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String p = r.str8(what);
            if (p == null) {
                throw new RemoteProtocolException("HELLO: an empty " + what + " name (RFC 7301 §3.1: 1-255 bytes)");
            }
            list.add(p);
        }
        return list;
    }
}
