package qsock.core.params;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.error.TransportErrorCode;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;

/** Seeded properties: valid sets round-trip, and no input makes the decoder fail in any other way. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransportParametersPropertiesTest {

    @Test
    void validParameterSetsRoundTrip() {
        Properties.forAll(ParamsGenerators::sent, s -> {
            TransportParameters p = s.parameters();
            p.checkSendableBy(s.sender());
            byte[] bytes = p.toBytes();
            assertEquals(p.encodedLength(), bytes.length);
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            TransportParameters decoded = decodeOrFail(buf, s.sender());
            assertEquals(p.withoutReservedParameter(), decoded);
            assertNull(decoded.reservedParameter());
            assertEquals(bytes.length, buf.position());
            // Re-encoding what was decoded gives the same bytes, less the reserved parameter.
            assertArrayEquals(p.withoutReservedParameter().toBytes(), decoded.toBytes());
        });
    }

    @Test
    void aClientsParametersFromAServerFailOnlyForLackingOriginalDestinationConnectionId() {
        // What a server must send is what a client may, plus original_destination_connection_id.
        Properties.forAll(r -> ParamsGenerators.parameters(r, Role.CLIENT), p -> {
            QuicProtocolException e = expectRejection(p.toBytes(), Role.SERVER);
            assertEquals("original_destination_connection_id is missing from the server's parameters"
                    + " (RFC 9000 §7.3)", e.reason());
        });
    }

    @Test
    void randomBytesDecodeOrFailWithTransportParameterError() {
        Properties.forAll(r -> Generators.bytesUpTo(r, 200), bytes -> {
            decodeSafely(bytes, Role.CLIENT);
            decodeSafely(bytes, Role.SERVER);
        });
    }

    @Test
    void randomTupleSequencesDecodeOrFailWithTransportParameterError() {
        Properties.forAll(ParamsGenerators::tupleSoup, bytes -> {
            decodeSafely(bytes, Role.CLIENT);
            decodeSafely(bytes, Role.SERVER);
        });
    }

    @Test
    void everyTruncationOfAValidEncodingDecodesOrFailsWithTransportParameterError() {
        Properties.forAll(ParamsGenerators::sent, s -> {
            byte[] bytes = s.parameters().toBytes();
            for (int n = 0; n < bytes.length; n++) {
                decodeSafely(Arrays.copyOf(bytes, n), s.sender());
            }
        });
    }

    @Test
    void mutatedValidEncodingsDecodeOrFailWithTransportParameterError() {
        Properties.forAll(r -> mutate(r, ParamsGenerators.sent(r)), m -> decodeSafely(m.bytes(), m.sender()));
    }

    private record Mutated(Role sender, byte[] bytes) {
        @Override
        public String toString() {
            return sender + " " + ParamsGenerators.hex(bytes);
        }
    }

    private static Mutated mutate(SplittableRandom r, ParamsGenerators.Sent s) {
        byte[] bytes = s.parameters().toBytes();
        int edits = 1 + r.nextInt(4);
        for (int i = 0; i < edits; i++) {
            if (bytes.length == 0) {
                bytes = Generators.bytes(r, 1 + r.nextInt(4));
                continue;
            }
            int at = r.nextInt(bytes.length);
            bytes = switch (r.nextInt(4)) {
                case 0 -> { // flip one bit
                    bytes[at] ^= (byte) (1 << r.nextInt(8));
                    yield bytes;
                }
                case 1 -> { // overwrite one byte
                    bytes[at] = (byte) r.nextInt(256);
                    yield bytes;
                }
                case 2 -> { // delete a run
                    int len = 1 + r.nextInt(Math.min(8, bytes.length - at));
                    byte[] out = new byte[bytes.length - len];
                    System.arraycopy(bytes, 0, out, 0, at);
                    System.arraycopy(bytes, at + len, out, at, bytes.length - at - len);
                    yield out;
                }
                default -> { // insert random bytes
                    byte[] ins = Generators.bytes(r, 1 + r.nextInt(8));
                    byte[] out = new byte[bytes.length + ins.length];
                    System.arraycopy(bytes, 0, out, 0, at);
                    System.arraycopy(ins, 0, out, at, ins.length);
                    System.arraycopy(bytes, at, out, at + ins.length, bytes.length - at);
                    yield out;
                }
            };
        }
        return new Mutated(s.sender(), bytes);
    }

    /**
     * Decodes, allowing only success (the whole input consumed, the result re-encodable and decoding to
     * itself) or QuicProtocolException with TRANSPORT_PARAMETER_ERROR (the buffer unmoved).
     */
    private static void decodeSafely(byte[] bytes, Role sender) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        TransportParameters p;
        try {
            p = TransportParameters.decode(buf, sender);
        } catch (QuicProtocolException e) {
            assertEquals(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, e.errorCode(), e.reason());
            assertEquals(0, buf.position(), "a failed decode leaves the buffer alone");
            return;
        } catch (RuntimeException e) {
            throw new AssertionError("decoder threw " + e + " instead of a QuicProtocolException", e);
        }
        assertEquals(bytes.length, buf.position());
        p.checkSendableBy(sender);
        assertEquals(p, decodeOrFail(ByteBuffer.wrap(p.toBytes()), sender));
    }

    private static TransportParameters decodeOrFail(ByteBuffer buf, Role sender) {
        try {
            return TransportParameters.decode(buf, sender);
        } catch (QuicProtocolException e) {
            return fail("valid parameters rejected: " + e);
        }
    }

    private static QuicProtocolException expectRejection(byte[] bytes, Role sender) {
        try {
            TransportParameters.decode(ByteBuffer.wrap(bytes), sender);
        } catch (QuicProtocolException e) {
            assertEquals(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, e.errorCode());
            return e;
        }
        return fail("expected a rejection");
    }
}
