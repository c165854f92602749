package qsock.core.params;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Objects;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.wire.ConnectionId;

/**
 * The value of the preferred_address transport parameter (RFC 9000 §18.2, §9.6): an address of each
 * family the server would rather be reached at, with a connection ID (sequence number 1) and its
 * stateless reset token for the client to use there.
 *
 * <p>A server offering only one family sends the all-zero address and port for the other
 * (0.0.0.0:0 or [::]:0); {@link #ipv4()} and {@link #ipv6()} answer {@code null} for such a family.
 * The addresses are kept without host names or IPv6 scope, as they are on the wire.
 *
 * @param ipv4Address the IPv4 address, 0.0.0.0 when the server offers none
 * @param ipv4Port the IPv4 port, 0 when the server offers none
 * @param ipv6Address the IPv6 address, :: when the server offers none
 * @param ipv6Port the IPv6 port, 0 when the server offers none
 * @param connectionId the connection ID for the preferred address, 1 to 20 bytes
 * @param statelessResetToken the stateless reset token bound to {@code connectionId}
 */
public record PreferredAddress(
        Inet4Address ipv4Address,
        int ipv4Port,
        Inet6Address ipv6Address,
        int ipv6Port,
        ConnectionId connectionId,
        StatelessResetToken statelessResetToken) {

    /** The length of the value without its connection ID: 4 + 2 + 16 + 2 + 1 + 16 bytes. */
    static final int FIXED_LENGTH = 41;

    private static final Inet4Address IPV4_ANY = toInet4(new byte[4]);
    private static final Inet6Address IPV6_ANY = toInet6(new byte[16]);

    /**
     * Checks every field.
     *
     * @throws IllegalArgumentException if a port is not 0..65535 or the connection ID is empty
     * @throws NullPointerException if a field is null
     */
    public PreferredAddress {
        ipv4Address = toInet4(Objects.requireNonNull(ipv4Address, "ipv4Address").getAddress());
        ipv6Address = toInet6(Objects.requireNonNull(ipv6Address, "ipv6Address").getAddress());
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(statelessResetToken, "statelessResetToken");
        checkPort(ipv4Port);
        checkPort(ipv6Port);
        // RFC 9000 §18.2: a server MUST NOT include a zero-length connection ID in this parameter.
        if (connectionId.length() == 0) {
            throw new IllegalArgumentException("preferred_address needs a non-empty connection ID");
        }
    }

    /**
     * {@return a preferred address from socket addresses, {@code null} standing for a family not offered}
     *
     * @throws IllegalArgumentException if both families are null, or an address is unresolved or of the
     *     wrong family, or the connection ID is empty
     */
    public static PreferredAddress of(InetSocketAddress ipv4, InetSocketAddress ipv6, ConnectionId connectionId,
            StatelessResetToken statelessResetToken) {
        if (ipv4 == null && ipv6 == null) {
            throw new IllegalArgumentException("a preferred address needs at least one address family");
        }
        Inet4Address a4 = IPV4_ANY;
        int p4 = 0;
        if (ipv4 != null) {
            if (!(ipv4.getAddress() instanceof Inet4Address a)) {
                throw new IllegalArgumentException("not a resolved IPv4 address: " + ipv4);
            }
            a4 = a;
            p4 = ipv4.getPort();
        }
        Inet6Address a6 = IPV6_ANY;
        int p6 = 0;
        if (ipv6 != null) {
            if (!(ipv6.getAddress() instanceof Inet6Address a)) {
                throw new IllegalArgumentException("not a resolved IPv6 address: " + ipv6);
            }
            a6 = a;
            p6 = ipv6.getPort();
        }
        return new PreferredAddress(a4, p4, a6, p6, connectionId, statelessResetToken);
    }

    /** {@return the IPv4 address and port, or null if the server sent 0.0.0.0:0 (no IPv4 address)} */
    public InetSocketAddress ipv4() {
        return ipv4Port == 0 && ipv4Address.equals(IPV4_ANY) ? null : new InetSocketAddress(ipv4Address, ipv4Port);
    }

    /** {@return the IPv6 address and port, or null if the server sent [::]:0 (no IPv6 address)} */
    public InetSocketAddress ipv6() {
        return ipv6Port == 0 && ipv6Address.equals(IPV6_ANY) ? null : new InetSocketAddress(ipv6Address, ipv6Port);
    }

    /** {@return the length of the encoded value, in bytes} */
    public int encodedLength() {
        return FIXED_LENGTH + connectionId.length();
    }

    /** Writes the value (without parameter ID and length) at the buffer's position. */
    public void encode(ByteBuffer buf) {
        buf.put(ipv4Address.getAddress());
        buf.putShort((short) ipv4Port);
        buf.put(ipv6Address.getAddress());
        buf.putShort((short) ipv6Port);
        buf.put((byte) connectionId.length());
        connectionId.writeTo(buf);
        statelessResetToken.writeTo(buf);
    }

    /**
     * Decodes a preferred_address value that fills all of {@code value}, consuming it.
     *
     * @throws QuicProtocolException TRANSPORT_PARAMETER_ERROR if the layout is wrong
     */
    static PreferredAddress decode(ByteBuffer value) throws QuicProtocolException {
        int length = value.remaining();
        // RFC 9000 §18.2, Figure 22: fixed fields, one length byte, the ID, then the token.
        if (length < FIXED_LENGTH) {
            throw error("preferred_address of " + length + " bytes is shorter than the " + FIXED_LENGTH
                    + " bytes its fixed fields take (RFC 9000 §18.2)");
        }
        int cidLength = value.get(value.position() + 24) & 0xff;
        if (cidLength > ConnectionId.MAX_LENGTH) {
            throw error("preferred_address connection ID length " + cidLength + " exceeds "
                    + ConnectionId.MAX_LENGTH + " (RFC 9000 §17.2)");
        }
        if (length != FIXED_LENGTH + cidLength) {
            throw error("preferred_address of " + length + " bytes does not match its " + cidLength
                    + "-byte connection ID (RFC 9000 §18.2)");
        }
        // RFC 9000 §18.2: a server MUST NOT include a zero-length connection ID; a client MUST treat it
        // as TRANSPORT_PARAMETER_ERROR.
        if (cidLength == 0) {
            throw error("preferred_address carries a zero-length connection ID (RFC 9000 §18.2)");
        }
        byte[] a4 = new byte[4];
        value.get(a4);
        int p4 = value.getShort() & 0xffff;
        byte[] a6 = new byte[16];
        value.get(a6);
        int p6 = value.getShort() & 0xffff;
        value.get(); // the connection ID length, read above
        ConnectionId cid = ConnectionId.read(value, cidLength);
        StatelessResetToken token = StatelessResetToken.read(value);
        return new PreferredAddress(toInet4(a4), p4, toInet6(a6), p6, cid, token);
    }

    private static QuicProtocolException error(String reason) {
        return new QuicProtocolException(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, reason);
    }

    private static void checkPort(int port) {
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    private static Inet4Address toInet4(byte[] address) {
        try {
            return (Inet4Address) InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 bytes are always an IPv4 address", e);
        }
    }

    private static Inet6Address toInet6(byte[] address) {
        try {
            // Inet6Address.getByAddress keeps IPv4-mapped addresses as IPv6, unlike InetAddress.getByAddress.
            return Inet6Address.getByAddress(null, address, -1);
        } catch (UnknownHostException e) {
            throw new AssertionError("16 bytes are always an IPv6 address", e);
        }
    }

    @Override
    public String toString() {
        return "PreferredAddress[" + ipv4Address.getHostAddress() + ":" + ipv4Port
                + ", [" + ipv6Address.getHostAddress() + "]:" + ipv6Port
                + ", cid=" + connectionId + ", token=" + statelessResetToken + "]";
    }
}
