package qsock.core.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The strict, bounded ClientHello reader the endpoint routes by (RFC 8446 §4.1.2, RFC 7301 §3.1). */
class ClientHelloReaderTest {

    private static ClientHelloAlpn read(byte[] bytes) {
        return ClientHelloReader.read(ByteBuffer.wrap(bytes));
    }

    private static ClientHelloAlpn.Status status(byte[] bytes) {
        return read(bytes).status();
    }

    @Test
    void aValidClientHelloGivesItsProtocolsInTheClientsOrder() {
        ClientHelloAlpn alpn = read(ClientHellos.clientHello(List.of("h3", "smbd", "h3-29"), 0));
        assertEquals(ClientHelloAlpn.Status.COMPLETE, alpn.status());
        assertTrue(alpn.hasAlpn());
        assertEquals(List.of("h3", "smbd", "h3-29"), alpn.protocols());
    }

    @Test
    void aClientHelloWithoutTheExtensionHasNoAlpn() {
        ClientHelloAlpn alpn = read(ClientHellos.clientHello(null, 0));
        assertEquals(ClientHelloAlpn.Status.COMPLETE, alpn.status());
        assertFalse(alpn.hasAlpn());
        assertEquals(List.of(), alpn.protocols());
    }

    @Test
    void readingStartsAtThePositionAndConsumesNothing() {
        byte[] hello = ClientHellos.clientHello(List.of("h3"), 0);
        ByteBuffer b = ByteBuffer.allocate(hello.length + 7);
        b.position(7);
        b.put(hello).position(7);
        assertEquals(List.of("h3"), ClientHelloReader.read(b).protocols());
        assertEquals(7, b.position());
    }

    @Test
    void everyTruncationIsIncompleteNeverMalformedNorComplete() {
        byte[] hello = ClientHellos.clientHello(List.of("h3", "smbd"), 40);
        for (int n = 0; n < hello.length; n++) {
            assertEquals(ClientHelloAlpn.Status.INCOMPLETE, status(Arrays.copyOf(hello, n)), "prefix of " + n);
        }
        assertEquals(ClientHelloAlpn.Status.COMPLETE, status(hello));
    }

    @Test
    void aTwoPacketClientHelloIsReadOnceBothPiecesAreIn() {
        // As large as a post-quantum one: more than one Initial's CRYPTO frame holds.
        byte[] hello = ClientHellos.clientHello(List.of("h3"), 1400);
        assertTrue(hello.length > 1200);
        assertEquals(ClientHelloAlpn.Status.INCOMPLETE, status(Arrays.copyOf(hello, 1100)), "the first Initial's part");
        assertEquals(List.of("h3"), read(hello).protocols());
    }

    @Test
    void aClientHelloLongerThanTheBoundIsMalformedFromItsHeader() {
        byte[] header = {1, 0, (byte) (ClientHelloReader.MAX_CLIENT_HELLO >>> 8), 0};
        assertEquals(ClientHelloAlpn.Status.MALFORMED, status(header), "judged before its body is awaited");
        byte[] fits = ClientHellos.clientHello(List.of("h3"), ClientHelloReader.MAX_CLIENT_HELLO - 200);
        assertTrue(fits.length <= ClientHelloReader.MAX_CLIENT_HELLO);
        assertEquals(ClientHelloAlpn.Status.COMPLETE, status(fits));
    }

    @Test
    void anotherHandshakeMessageIsMalformed() {
        byte[] hello = ClientHellos.clientHello(List.of("h3"), 0);
        hello[0] = 2; // ServerHello
        assertEquals(ClientHelloAlpn.Status.MALFORMED, status(hello));
        assertEquals(ClientHelloAlpn.Status.MALFORMED, status(new byte[] {2}), "from its first byte");
    }

    @Test
    void lengthsThatLieAreMalformed() {
        byte[] good = ClientHellos.clientHello(List.of("h3"), 0);
        // Offsets in the body (after the 4-byte header): version 4, random 6, session id length 38, suites length 39.
        byte[] b = good.clone();
        b[4] = 3;
        b[5] = 1;
        assertEquals(ClientHelloAlpn.Status.MALFORMED, status(b), "legacy_version not 0x0303");
        b = good.clone();
        b[38] = 33;
        assertEquals(ClientHelloAlpn.Status.MALFORMED, status(b), "a session id over 32 bytes");
        b = good.clone();
        b[40] = 3;
        assertEquals(ClientHelloAlpn.Status.MALFORMED, status(b), "an odd cipher suites length");
        b = good.clone();
        b[39] = (byte) 0xFF;
        assertEquals(ClientHelloAlpn.Status.MALFORMED, status(b), "cipher suites past the end");
        b = good.clone();
        b[43] = 0;
        assertEquals(ClientHelloAlpn.Status.MALFORMED, status(b), "no compression method");
        b = good.clone();
        b[46] += 1;
        assertEquals(ClientHelloAlpn.Status.MALFORMED, status(b), "extensions longer than the message");
        b = good.clone();
        b[46] -= 1;
        assertEquals(ClientHelloAlpn.Status.MALFORMED, status(b), "extensions shorter than the message");
        // The message's own length past its real end is INCOMPLETE (more may come), shorter cuts an extension.
        b = good.clone();
        b[3] -= 1;
        assertEquals(ClientHelloAlpn.Status.MALFORMED, status(b), "a message length that cuts the extensions");
    }

    @Test
    void anExtensionLengthPastTheBlockIsMalformed() {
        byte[] ext = ClientHellos.extension(43, new byte[] {2, 3, 4, 0, 0, 0, 0, 0});
        ext[3] = 20;
        assertEquals(ClientHelloAlpn.Status.MALFORMED, status(ClientHellos.withExtensions(ext)));
    }

    @Test
    void duplicateExtensionsAreMalformed() {
        // RFC 8446 §4.2: no two extensions of one type.
        byte[] alpn = ClientHellos.extension(16, ClientHellos.alpnBody(List.of("h3")));
        assertEquals(ClientHelloAlpn.Status.MALFORMED, status(ClientHellos.withExtensions(concat(alpn, alpn))));
        byte[] versions = ClientHellos.extension(43, new byte[] {2, 3, 4});
        assertEquals(ClientHelloAlpn.Status.MALFORMED,
                status(ClientHellos.withExtensions(concat(versions, alpn, versions))));
        assertEquals(ClientHelloAlpn.Status.COMPLETE, status(ClientHellos.withExtensions(concat(versions, alpn))));
    }

    @Test
    void badProtocolListsAreMalformed() {
        byte[] versions = ClientHellos.extension(43, new byte[] {2, 3, 4});
        // RFC 7301 §3.1: an empty list, an empty name, a list length that disagrees, a name past the list.
        byte[][] bodies = {
            {0, 0},
            {0, 1, 0},
            {0, 4, 2, 'h', '3'},
            {0, 3, 3, 'h', '3'},
            {0},
        };
        for (byte[] body : bodies) {
            byte[] hello = ClientHellos.withExtensions(concat(versions, ClientHellos.extension(16, body)));
            assertEquals(ClientHelloAlpn.Status.MALFORMED, status(hello), Arrays.toString(body));
        }
    }

    @Test
    void anExtensionsBlockShorterThanEightBytesIsMalformed() {
        // RFC 8446 §4.1.2: extensions<8..2^16-1>.
        assertEquals(ClientHelloAlpn.Status.MALFORMED,
                status(ClientHellos.withExtensions(ClientHellos.extension(43, new byte[] {2, 3, 4}))));
    }

    @Test
    void protocolNamesKeepEveryByte() {
        byte[] body = {0, 3, 2, (byte) 0xC3, (byte) 0xA9};
        byte[] versions = ClientHellos.extension(43, new byte[] {2, 3, 4});
        ClientHelloAlpn alpn = read(ClientHellos.withExtensions(concat(versions, ClientHellos.extension(16, body))));
        // "é" in UTF-8, as a listener's list holds it (AlpnListener).
        assertEquals(new AlpnListener(java.net.InetAddress.getLoopbackAddress(), List.of("é"), false).protocols(),
                alpn.protocols());
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
