package qsock.tools.hq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HqRequestTest {

    private static HqRequest parse(String wire) throws HqRequestException {
        byte[] bytes = wire.getBytes(StandardCharsets.ISO_8859_1);
        return HqRequest.parse(bytes, bytes.length);
    }

    @Test
    void encodesTheInteropRunnersRequestLine() {
        assertArrayEquals("GET /abc/file.bin\r\n".getBytes(StandardCharsets.US_ASCII),
                new HqRequest("/abc/file.bin").encode());
    }

    @Test
    void encodingEscapesSpacesControlCharactersAndNonAscii() {
        assertArrayEquals("GET /a%20b%0D%0A%C3%A9\r\n".getBytes(StandardCharsets.US_ASCII),
                new HqRequest("/a b\r\né").encode());
    }

    @Test
    void parsesEachLineEndAndAFinRightAfterThePath() throws Exception {
        assertEquals("/x", parse("GET /x\r\n").path());
        assertEquals("/x", parse("GET /x\n").path());
        assertEquals("/x", parse("GET /x").path());
    }

    @Test
    void decodesPercentEscapes() throws Exception {
        assertEquals("/a b/é", parse("GET /a%20b/%c3%a9\r\n").path());
    }

    @Test
    void roundTripsRandomPaths() throws Exception {
        Random random = new Random(5);
        for (int i = 0; i < 2000; i++) {
            StringBuilder path = new StringBuilder("/");
            int length = random.nextInt(40);
            for (int j = 0; j < length; j++) {
                // Printable ASCII, controls (not NUL) and a few non-ASCII code points.
                int c = switch (random.nextInt(3)) {
                    case 0 -> 1 + random.nextInt(126);
                    case 1 -> 0x20 + random.nextInt(0x5F);
                    default -> 0xA0 + random.nextInt(0x3000);
                };
                path.append((char) c);
            }
            byte[] wire = new HqRequest(path.toString()).encode();
            assertEquals(path.toString(), HqRequest.parse(wire, wire.length).path());
        }
    }

    @Test
    void refusesOtherMethodsAndRelativePaths() {
        assertThrows(HqRequestException.class, () -> parse("POST /x\r\n"));
        assertThrows(HqRequestException.class, () -> parse("get /x\r\n"));
        assertThrows(HqRequestException.class, () -> parse("GET x\r\n"));
        assertThrows(HqRequestException.class, () -> parse("GET \r\n"));
        assertThrows(HqRequestException.class, () -> parse(""));
    }

    @Test
    void refusesSpacesControlsBadEscapesAndNul() {
        assertThrows(HqRequestException.class, () -> parse("GET /a b\r\n"));
        assertThrows(HqRequestException.class, () -> parse("GET /x HTTP/1.0\r\n"));
        assertThrows(HqRequestException.class, () -> parse("GET /a\tb\r\n"));
        assertThrows(HqRequestException.class, () -> parse("GET /a%2\r\n"));
        assertThrows(HqRequestException.class, () -> parse("GET /a%zz\r\n"));
        assertThrows(HqRequestException.class, () -> parse("GET /a%00\r\n"));
        assertThrows(HqRequestException.class, () -> parse("GET /a%ff\r\n"));
    }

    @Test
    void refusesBytesAfterTheLineEnd() {
        assertThrows(HqRequestException.class, () -> parse("GET /x\r\nHost: a\r\n"));
        assertThrows(HqRequestException.class, () -> parse("GET /x\r\n\r\n"));
    }

    @Test
    void refusesARequestLongerThanTheLimit() {
        String longPath = "/" + "a".repeat(HqRequest.MAX_REQUEST_BYTES);
        HqRequestException e = assertThrows(HqRequestException.class, () -> parse("GET " + longPath + "\r\n"));
        assertEquals("request longer than " + HqRequest.MAX_REQUEST_BYTES + " bytes", e.getMessage());
    }

    @Test
    void findsTheLineEndWithOrWithoutCarriageReturn() {
        byte[] crlf = "GET /x\r\nmore".getBytes(StandardCharsets.US_ASCII);
        assertEquals(6, HqRequest.lineEnd(crlf, crlf.length));
        byte[] lf = "GET /x\nmore".getBytes(StandardCharsets.US_ASCII);
        assertEquals(6, HqRequest.lineEnd(lf, lf.length));
        assertEquals(-1, HqRequest.lineEnd(lf, 6));
    }

    @Test
    void parseNeverThrowsAnythingElseOnRandomBytes() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            if (random.nextBoolean() && bytes.length >= 5) {
                System.arraycopy("GET /".getBytes(StandardCharsets.US_ASCII), 0, bytes, 0, 5);
            }
            try {
                HqRequest.parse(bytes, bytes.length);
            } catch (HqRequestException expected) {
                // Refusing is fine; any other exception fails the test.
            }
        }
    }
}
