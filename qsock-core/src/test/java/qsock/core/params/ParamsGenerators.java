package qsock.core.params;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import qsock.api.Role;
import qsock.core.testing.Generators;
import qsock.core.wire.ConnectionId;
import qsock.core.wire.VarInt;

/** Generators and byte helpers for the transport parameter tests. */
final class ParamsGenerators {

    private ParamsGenerators() {}

    /** A generated parameter set with the role that sends it. */
    record Sent(Role sender, TransportParameters parameters) {}

    /** {@return bytes from hex, spaces allowed} */
    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /** {@return the hex form of bytes} */
    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** {@return the concatenation of hex strings and encoded tuples} */
    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    /** {@return one (id, length, value) tuple, the length being the value's} */
    static byte[] tuple(long id, byte[] value) {
        ByteBuffer b = ByteBuffer.allocate(16 + value.length);
        VarInt.write(b, id);
        VarInt.write(b, value.length);
        b.put(value);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /** {@return an integer parameter tuple, the varint minimal} */
    static byte[] intTuple(TransportParameterId id, long value) {
        ByteBuffer b = ByteBuffer.allocate(8);
        VarInt.write(b, value);
        return tuple(id.code(), java.util.Arrays.copyOf(b.array(), b.position()));
    }

    /** {@return a random valid parameter set for a random sender} */
    static Sent sent(SplittableRandom r) {
        Role role = r.nextBoolean() ? Role.CLIENT : Role.SERVER;
        return new Sent(role, parameters(r, role));
    }

    /** {@return a random parameter set that {@code role} may send} */
    static TransportParameters parameters(SplittableRandom r, Role role) {
        TransportParameters.Builder b = TransportParameters.builder()
                .maxIdleTimeout(integer(r, TransportParameterId.MAX_IDLE_TIMEOUT))
                .maxUdpPayloadSize(integer(r, TransportParameterId.MAX_UDP_PAYLOAD_SIZE))
                .initialMaxData(integer(r, TransportParameterId.INITIAL_MAX_DATA))
                .initialMaxStreamDataBidiLocal(integer(r, TransportParameterId.INITIAL_MAX_STREAM_DATA_BIDI_LOCAL))
                .initialMaxStreamDataBidiRemote(integer(r, TransportParameterId.INITIAL_MAX_STREAM_DATA_BIDI_REMOTE))
                .initialMaxStreamDataUni(integer(r, TransportParameterId.INITIAL_MAX_STREAM_DATA_UNI))
                .initialMaxStreamsBidi(integer(r, TransportParameterId.INITIAL_MAX_STREAMS_BIDI))
                .initialMaxStreamsUni(integer(r, TransportParameterId.INITIAL_MAX_STREAMS_UNI))
                .ackDelayExponent(integer(r, TransportParameterId.ACK_DELAY_EXPONENT))
                .maxAckDelay(integer(r, TransportParameterId.MAX_ACK_DELAY))
                .disableActiveMigration(r.nextBoolean())
                .activeConnectionIdLimit(integer(r, TransportParameterId.ACTIVE_CONNECTION_ID_LIMIT))
                .maxDatagramFrameSize(integer(r, TransportParameterId.MAX_DATAGRAM_FRAME_SIZE))
                .greaseQuicBit(r.nextBoolean());
        ConnectionId initialSource = cid(r, 0);
        b.initialSourceConnectionId(initialSource);
        if (role == Role.SERVER) {
            b.originalDestinationConnectionId(cid(r, 0));
            if (r.nextBoolean()) {
                b.statelessResetToken(StatelessResetToken.of(Generators.bytes(r, 16)));
            }
            if (r.nextBoolean()) {
                b.retrySourceConnectionId(cid(r, 0));
            }
            if (initialSource.length() > 0 && r.nextBoolean()) {
                b.preferredAddress(preferredAddress(r));
            }
        }
        if (r.nextBoolean()) {
            b.versionInformation(versionInformation(r, role));
        }
        if (r.nextInt(4) == 0) {
            b.reservedParameter(TransportParameterId.reserved(r.nextLong(1L << 20)), Generators.bytesUpTo(r, 24));
        }
        return b.build();
    }

    /** {@return a valid value of an integer parameter, often its default or a bound} */
    static long integer(SplittableRandom r, TransportParameterId id) {
        long min = id.minValue();
        long max = id.maxValue();
        return switch (r.nextInt(6)) {
            case 0 -> id.defaultValue();
            case 1 -> min;
            case 2 -> max;
            case 3 -> {
                long v = Generators.edge(r);
                yield id.allows(v) ? v : min;
            }
            default -> min + r.nextLong(max - min + 1);
        };
    }

    /** {@return a random connection ID of {@code minLength} to 20 bytes} */
    static ConnectionId cid(SplittableRandom r, int minLength) {
        return ConnectionId.random(r, minLength + r.nextInt(ConnectionId.MAX_LENGTH - minLength + 1));
    }

    static PreferredAddress preferredAddress(SplittableRandom r) {
        try {
            Inet4Address a4 = (Inet4Address) InetAddress.getByAddress(r.nextInt(3) == 0 ? new byte[4] : Generators.bytes(r, 4));
            Inet6Address a6 = Inet6Address.getByAddress(null, r.nextInt(3) == 0 ? new byte[16] : Generators.bytes(r, 16), -1);
            return new PreferredAddress(a4, r.nextInt(65536), a6, r.nextInt(65536), cid(r, 1),
                    StatelessResetToken.of(Generators.bytes(r, 16)));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static VersionInformation versionInformation(SplittableRandom r, Role role) {
        int chosen = nonZero(r);
        int n = r.nextInt(6);
        List<Integer> available = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            available.add(nonZero(r));
        }
        if (role == Role.CLIENT && !available.contains(chosen)) {
            available.add(r.nextInt(available.size() + 1), chosen);
        }
        return new VersionInformation(chosen, available);
    }

    private static int nonZero(SplittableRandom r) {
        int[] common = {0x0000_0001, 0x6b33_43cf, 0x1a2a_3a4a, 0xff00_001d};
        if (r.nextBoolean()) {
            return common[r.nextInt(common.length)];
        }
        int v;
        do {
            v = r.nextInt();
        } while (v == 0);
        return v;
    }

    /**
     * {@return a sequence of tuples with known, reserved or unknown IDs and values of plausible and
     * implausible lengths}, to reach deeper into the decoder than uniformly random bytes do
     */
    static byte[] tupleSoup(SplittableRandom r) {
        TransportParameterId[] ids = TransportParameterId.values();
        ByteBuffer out = ByteBuffer.allocate(4096);
        int n = r.nextInt(12);
        for (int i = 0; i < n && out.remaining() > 200; i++) {
            long id = switch (r.nextInt(4)) {
                case 0 -> TransportParameterId.reserved(r.nextLong(1000));
                case 1 -> Generators.varint(r);
                default -> ids[r.nextInt(ids.length)].code();
            };
            byte[] value = switch (r.nextInt(5)) {
                case 0 -> new byte[0];
                case 1 -> {
                    ByteBuffer v = ByteBuffer.allocate(8);
                    VarInt.write(v, Generators.varint(r));
                    yield java.util.Arrays.copyOf(v.array(), v.position());
                }
                case 2 -> Generators.bytes(r, r.nextBoolean() ? 16 : 41 + r.nextInt(22));
                default -> Generators.bytesUpTo(r, 30);
            };
            VarInt.write(out, id);
            VarInt.write(out, value.length);
            out.put(value);
        }
        return java.util.Arrays.copyOf(out.array(), out.position());
    }
}
