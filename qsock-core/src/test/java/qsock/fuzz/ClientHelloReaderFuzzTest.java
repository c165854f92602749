package qsock.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import qsock.core.endpoint.ClientHelloAlpn;
import qsock.core.endpoint.ClientHelloReader;

/**
 * Fuzzes the ClientHello reader that routes Initial CRYPTO data by ALPN before any handshake state exists (RFC 8446
 * §4.1.2, RFC 7301 §3.1). Its contract: it never throws nor consumes its input, a complete ClientHello names only
 * non-empty protocols, and every proper prefix of a complete ClientHello is incomplete, not malformed.
 */
class ClientHelloReaderFuzzTest {

    @FuzzTest
    void readsWithoutExceptionAndPrefixesAreIncomplete(byte[] input) {
        ByteBuffer crypto = ByteBuffer.wrap(input);
        ClientHelloAlpn result = ClientHelloReader.read(crypto);
        assertEquals(0, crypto.position(), "the reader consumed its input");
        if (result.status() != ClientHelloAlpn.Status.COMPLETE) {
            return;
        }
        for (String protocol : result.protocols()) {
            assertFalse(protocol.isEmpty(), "an empty protocol name (RFC 7301 §3.1)");
        }
        int length = 4 + (((input[1] & 0xff) << 16) | ((input[2] & 0xff) << 8) | (input[3] & 0xff));
        assertTrue(length <= input.length, "complete with fewer bytes than its length");
        for (int cut = 0; cut < length; cut += Math.max(1, length / 16)) {
            assertEquals(ClientHelloAlpn.Status.INCOMPLETE,
                    ClientHelloReader.read(ByteBuffer.wrap(input, 0, cut)).status(), "a prefix of " + cut + " bytes");
        }
    }
}
