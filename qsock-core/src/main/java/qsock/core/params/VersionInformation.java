package qsock.core.params;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;

/**
 * The value of the version_information transport parameter (RFC 9368 §3): the version the sender chose
 * for the connection and the versions it has available.
 *
 * <p>A client lists every version its first flight is compatible with, in descending preference, and
 * must include its Chosen Version; a server lists its Fully Deployed Versions, in no order, possibly none.
 * Versions are 32-bit wire values (an open set), compared as such.
 *
 * @param chosenVersion the version the sender chose, never 0
 * @param availableVersions the sender's available versions, none of them 0
 */
public record VersionInformation(int chosenVersion, List<Integer> availableVersions) {

    /**
     * The most Available Versions a value may list: as many as fit, with the Chosen Version, in the
     * 65535 bytes of a TLS extension (RFC 8446 §4.2).
     */
    public static final int MAX_AVAILABLE_VERSIONS = 65535 / 4 - 1;

    /**
     * Checks the versions and copies the list.
     *
     * @throws IllegalArgumentException if a version is 0 (RFC 9368 §4 makes that a parsing failure), or
     *     more than {@link #MAX_AVAILABLE_VERSIONS} are listed
     * @throws NullPointerException if the list or one of its elements is null
     */
    public VersionInformation {
        availableVersions = List.copyOf(availableVersions);
        if (chosenVersion == 0) {
            throw new IllegalArgumentException("the Chosen Version must not be 0");
        }
        if (availableVersions.size() > MAX_AVAILABLE_VERSIONS) {
            throw new IllegalArgumentException(availableVersions.size() + " Available Versions exceed "
                    + MAX_AVAILABLE_VERSIONS);
        }
        if (availableVersions.contains(0)) {
            throw new IllegalArgumentException("an Available Version must not be 0");
        }
    }

    /** {@return version information with these versions} */
    public static VersionInformation of(int chosenVersion, int... availableVersions) {
        List<Integer> list = new ArrayList<>(availableVersions.length);
        for (int v : availableVersions) {
            list.add(v);
        }
        return new VersionInformation(chosenVersion, list);
    }

    /** {@return true if {@code version} is among the Available Versions} */
    public boolean isAvailable(int version) {
        return availableVersions.contains(version);
    }

    /** {@return the length of the encoded value, in bytes} */
    public int encodedLength() {
        return 4 + 4 * availableVersions.size();
    }

    /** Writes the value (without parameter ID and length) at the buffer's position. */
    public void encode(ByteBuffer buf) {
        buf.putInt(chosenVersion);
        for (int v : availableVersions) {
            buf.putInt(v);
        }
    }

    /**
     * Decodes a version_information value that fills all of {@code value}, consuming it.
     *
     * @param sender the role of the endpoint that sent it: a client's must list its Chosen Version
     * @throws QuicProtocolException TRANSPORT_PARAMETER_ERROR for every parsing failure RFC 9368 §4 names
     */
    static VersionInformation decode(ByteBuffer value, Role sender) throws QuicProtocolException {
        int length = value.remaining();
        // RFC 9368 §4: a value too short or not a multiple of four is a parsing failure, closed with
        // TRANSPORT_PARAMETER_ERROR on QUIC version 1 (the only version carrying it in a transport
        // parameter).
        if (length < 4) {
            throw error("version_information of " + length + " bytes has no Chosen Version (RFC 9368 §4)");
        }
        if (length % 4 != 0) {
            throw error("version_information length " + length + " is not a multiple of 4 (RFC 9368 §4)");
        }
        int chosen = value.getInt();
        // RFC 9368 §4: a Chosen Version or any Available Version of zero is a parsing failure.
        if (chosen == 0) {
            throw error("version_information Chosen Version is 0 (RFC 9368 §4)");
        }
        List<Integer> available = new ArrayList<>(length / 4 - 1);
        boolean chosenListed = false;
        while (value.hasRemaining()) {
            int v = value.getInt();
            if (v == 0) {
                throw error("version_information lists Available Version 0 (RFC 9368 §4)");
            }
            chosenListed |= v == chosen;
            available.add(v);
        }
        // RFC 9368 §4: a server receiving a Chosen Version missing from Available Versions treats it
        // as a parsing failure (RFC 9368 §3: a client MUST list it). A server's list need not hold it.
        if (sender == Role.CLIENT && !chosenListed) {
            throw error("client's version_information Chosen Version 0x" + Integer.toHexString(chosen)
                    + " is not among its Available Versions (RFC 9368 §4)");
        }
        return new VersionInformation(chosen, available);
    }

    private static QuicProtocolException error(String reason) {
        return new QuicProtocolException(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, reason);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("VersionInformation[chosen=0x").append(Integer.toHexString(chosenVersion))
                .append(", available=[");
        for (int i = 0; i < availableVersions.size(); i++) {
            sb.append(i == 0 ? "0x" : ", 0x").append(Integer.toHexString(availableVersions.get(i)));
        }
        return sb.append("]]").toString();
    }
}
