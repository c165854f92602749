package qsock.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.params.TransportParameters;

/**
 * Fuzzes the transport parameter codec (RFC 9000 §18) as either role's peer; the first input byte picks the
 * sender. Its contract: the extension decodes or throws {@link QuicProtocolException}, and what it decoded encodes
 * to bytes that decode to equal parameters.
 */
class TransportParametersFuzzTest {

    @FuzzTest
    void decodesOrRejectsAndRoundTripsWhatItDecoded(byte[] input) {
        if (input.length < 1) {
            return;
        }
        Role sender = (input[0] & 1) == 0 ? Role.CLIENT : Role.SERVER;
        TransportParameters decoded;
        try {
            decoded = TransportParameters.decode(ByteBuffer.wrap(input, 1, input.length - 1).slice(), sender);
        } catch (QuicProtocolException e) {
            return;
        }
        byte[] encoded = decoded.toBytes();
        TransportParameters again;
        try {
            again = TransportParameters.decode(ByteBuffer.wrap(encoded), sender);
        } catch (QuicProtocolException e) {
            throw new AssertionError("the encoding of " + decoded + " does not decode", e);
        }
        assertEquals(decoded, again, "round trip");
    }
}
