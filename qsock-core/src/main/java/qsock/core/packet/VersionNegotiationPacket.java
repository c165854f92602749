package qsock.core.packet;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A Version Negotiation packet (RFC 9000 §17.2.1, RFC 8999 §6): a server's answer to a long header of a
 * version it does not support, listing the versions it does. It belongs to no version, so its connection
 * IDs may be up to 255 bytes long and are kept as raw bytes.
 *
 * @param dcid the Destination Connection ID: the Source Connection ID of the packet answered
 * @param scid the Source Connection ID: the Destination Connection ID of the packet answered
 * @param versions the supported versions, in the server's order
 */
public record VersionNegotiationPacket(byte[] dcid, byte[] scid, int[] versions) {

    private static final int MAX_CID = 255;

    public VersionNegotiationPacket {
        if (dcid.length > MAX_CID || scid.length > MAX_CID) {
            throw new IllegalArgumentException("connection IDs are at most 255 bytes");
        }
        dcid = dcid.clone();
        scid = scid.clone();
        versions = versions.clone();
    }

    /**
     * Writes the packet at the buffer's position.
     *
     * @param unusedBits the seven unused bits of the first byte, arbitrary; RFC 9000 §17.2.1 asks servers
     *     to set 0x40 so the packet looks like it has the fixed bit
     */
    public void writeTo(ByteBuffer out, int unusedBits) {
        write(out, ByteBuffer.wrap(dcid), ByteBuffer.wrap(scid), versions, unusedBits);
    }

    /** {@return the encoded size} */
    public int encodedLength() {
        return 1 + 4 + 1 + dcid.length + 1 + scid.length + 4 * versions.length;
    }

    /**
     * Writes the Version Negotiation packet that answers the packet in {@code view} (a parse that returned
     * {@link ParseStatus#UNSUPPORTED_VERSION}), echoing its connection IDs swapped (RFC 9000 §17.2.1), and
     * allocating nothing.
     */
    public static void writeResponse(ByteBuffer out, ByteBuffer datagram, PacketHeaderView view,
                                     int[] supportedVersions, int unusedBits) {
        ByteBuffer dcid = datagram.slice(view.scidOffset(), view.scidLength());
        ByteBuffer scid = datagram.slice(view.dcidOffset(), view.dcidLength());
        write(out, dcid, scid, supportedVersions, unusedBits);
    }

    private static void write(ByteBuffer out, ByteBuffer dcid, ByteBuffer scid, int[] versions, int unusedBits) {
        out.put((byte) (PacketParser.FORM_BIT | (unusedBits & 0x7f)));
        out.putInt(0);
        out.put((byte) dcid.remaining());
        out.put(dcid);
        out.put((byte) scid.remaining());
        out.put(scid);
        for (int v : versions) {
            out.putInt(v);
        }
    }

    /** {@return the packet a parse with status {@link ParseStatus#VERSION_NEGOTIATION} found} */
    public static VersionNegotiationPacket from(ByteBuffer datagram, PacketHeaderView view) {
        if (view.version() != 0 || !view.isLongHeader()) {
            throw new IllegalArgumentException("not a Version Negotiation packet: " + view);
        }
        byte[] dcid = new byte[view.dcidLength()];
        datagram.get(view.dcidOffset(), dcid);
        byte[] scid = new byte[view.scidLength()];
        datagram.get(view.scidOffset(), scid);
        int[] versions = new int[(view.packetEnd() - view.pnOffset()) / 4];
        for (int i = 0; i < versions.length; i++) {
            versions[i] = datagram.getInt(view.pnOffset() + 4 * i);
        }
        return new VersionNegotiationPacket(dcid, scid, versions);
    }

    /** {@return true if {@code version} is in the list} */
    public boolean lists(int version) {
        for (int v : versions) {
            if (v == version) {
                return true;
            }
        }
        return false;
    }

    @Override
    public byte[] dcid() {
        return dcid.clone();
    }

    @Override
    public byte[] scid() {
        return scid.clone();
    }

    @Override
    public int[] versions() {
        return versions.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VersionNegotiationPacket p && Arrays.equals(dcid, p.dcid)
                && Arrays.equals(scid, p.scid) && Arrays.equals(versions, p.versions);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(dcid) * 31 + Arrays.hashCode(scid)) * 31 + Arrays.hashCode(versions);
    }

    @Override
    public String toString() {
        HexFormat hex = HexFormat.of();
        StringBuilder sb = new StringBuilder("VersionNegotiationPacket[dcid=").append(hex.formatHex(dcid))
                .append(", scid=").append(hex.formatHex(scid)).append(", versions=");
        for (int i = 0; i < versions.length; i++) {
            sb.append(i == 0 ? "" : ",").append("0x").append(Integer.toHexString(versions[i]));
        }
        return sb.append(']').toString();
    }
}
