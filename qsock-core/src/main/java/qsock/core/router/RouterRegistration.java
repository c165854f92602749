package qsock.core.router;

import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import qsock.core.cid.lb.QuicLbConfig;

/**
 * What routerd tells a listener it accepted (WELCOME): the public address its clients reach, and the QUIC-LB
 * configuration and server ID every connection ID it issues must carry, so that the daemon finds it from any
 * datagram that still reaches the daemon (a client that moved to another address, RFC 9000 §9).
 *
 * @param publicAddress the daemon's UDP address, which the listener's own sockets bind too (SO_REUSEPORT)
 * @param quicLb the daemon's QUIC-LB configuration (key included: the control socket's file permissions guard it)
 * @param serverId this listener's server ID, {@code quicLb.serverIdLength()} bytes
 */
public record RouterRegistration(InetSocketAddress publicAddress, QuicLbConfig quicLb, byte[] serverId) {

    /** Checks and copies. */
    public RouterRegistration {
        Objects.requireNonNull(publicAddress, "publicAddress");
        Objects.requireNonNull(quicLb, "quicLb");
        if (serverId.length != quicLb.serverIdLength()) {
            throw new IllegalArgumentException("a server ID of " + serverId.length + " bytes for a configuration of "
                    + quicLb.serverIdLength());
        }
        serverId = serverId.clone();
    }

    @Override
    public byte[] serverId() {
        return serverId.clone();
    }

    /** {@return the WELCOME body} */
    ByteBuffer encode() {
        byte[] key = quicLb.key();
        ByteBuffer b = ByteBuffer.allocate(1 + RouterWire.addressSize(publicAddress) + 5
                + (key == null ? 0 : key.length) + serverId.length);
        b.put((byte) RouterWire.VERSION);
        RouterWire.putAddress(b, publicAddress);
        b.put((byte) quicLb.configRotation()).put((byte) quicLb.serverIdLength()).put((byte) quicLb.nonceLength())
                .put((byte) (quicLb.selfEncodeLength() ? 2 : 0) /* flags */)
                .put((byte) (key == null ? 0 : 1));
        if (key != null) {
            b.put(key);
        }
        return b.put(serverId).flip();
    }

    /** Reads a WELCOME body. @throws ProtocolException if malformed or of another version */
    static RouterRegistration decode(ByteBuffer b) throws ProtocolException {
        RouterWire.need(b, 1);
        int version = b.get() & 0xFF;
        if (version != RouterWire.VERSION) {
            throw new ProtocolException("routerd speaks version " + version + ", this listener "
                    + RouterWire.VERSION);
        }
        InetSocketAddress address = RouterWire.getAddress(b);
        RouterWire.need(b, 5);
        int rotation = b.get() & 0xFF;
        int serverIdLength = b.get() & 0xFF;
        int nonceLength = b.get() & 0xFF;
        boolean selfEncode = (b.get() & 2) != 0;
        boolean hasKey = b.get() != 0;
        byte[] key = null;
        if (hasKey) {
            RouterWire.need(b, QuicLbConfig.KEY_LENGTH);
            key = new byte[QuicLbConfig.KEY_LENGTH];
            b.get(key);
        }
        RouterWire.need(b, serverIdLength);
        byte[] serverId = new byte[serverIdLength];
        b.get(serverId);
        try {
            return new RouterRegistration(address,
                    new QuicLbConfig(rotation, serverIdLength, nonceLength, key, selfEncode), serverId);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("a bad QUIC-LB configuration from routerd: " + e.getMessage());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RouterRegistration r && publicAddress.equals(r.publicAddress) && quicLb.equals(r.quicLb)
                && Arrays.equals(serverId, r.serverId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(publicAddress, quicLb, Arrays.hashCode(serverId));
    }

    @Override
    public String toString() {
        return "routerd at " + publicAddress + ", server ID " + java.util.HexFormat.of().formatHex(serverId);
    }
}
