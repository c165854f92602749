package qsock.core.params;

import java.util.Arrays;
import java.util.HexFormat;
import qsock.core.wire.VarInt;

/**
 * A reserved transport parameter to send (RFC 9000 §18.1): an ID of the form {@code 31 * N + 27} with
 * arbitrary content, so that a peer's duty to ignore unknown parameters gets exercised ("greasing").
 *
 * <p>The codec draws no random numbers: the caller picks the ID (see
 * {@link TransportParameterId#reserved(long)}) and the bytes, from its own random source or fixed ones.
 * Received reserved parameters are skipped, never kept.
 *
 * @param id the reserved parameter ID
 * @param value the content, copied in and out
 */
public record ReservedParameter(long id, byte[] value) {

    /** The longest content accepted: what a TLS extension holds (RFC 8446 §4.2). */
    public static final int MAX_LENGTH = 65535;

    /**
     * Checks the ID and copies the value.
     *
     * @throws IllegalArgumentException if {@code id} is not of the form {@code 31 * N + 27} or not a varint,
     *     or {@code value} is longer than {@link #MAX_LENGTH}
     * @throws NullPointerException if {@code value} is null
     */
    public ReservedParameter {
        if (!TransportParameterId.isReserved(id) || id > VarInt.MAX_VALUE) {
            throw new IllegalArgumentException("0x" + Long.toHexString(id) + " is not a reserved parameter ID");
        }
        if (value.length > MAX_LENGTH) {
            throw new IllegalArgumentException("reserved parameter of " + value.length + " bytes exceeds " + MAX_LENGTH);
        }
        value = value.clone();
    }

    /** {@return a copy of the content} */
    @Override
    public byte[] value() {
        return value.clone();
    }

    /** {@return the length of the content, in bytes} */
    public int length() {
        return value.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReservedParameter other && id == other.id && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(id) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "ReservedParameter[id=0x" + Long.toHexString(id) + ", value=" + HexFormat.of().formatHex(value) + "]";
    }
}
