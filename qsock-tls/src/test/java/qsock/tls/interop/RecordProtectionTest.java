package qsock.tls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import qsock.core.handshake.CipherSuite;
import qsock.core.testing.Generators;
import qsock.core.testing.Properties;
import qsock.tls.TlsAlert;
import qsock.tls.TlsAlertException;

/** Record protection of the test record layer against RFC 8448's published record, and its rules. */
class RecordProtectionTest {

    private static final HexFormat HEX = HexFormat.of();

    // RFC 8448 §3 (Simple 1-RTT Handshake): the client handshake traffic secret, the client's Finished, and
    // the record that carries it (write key dbfaa693..., iv 5bd3c71b..., sequence number 0).
    private static final String CLIENT_HANDSHAKE_TRAFFIC_SECRET =
            "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21";
    private static final String CLIENT_FINISHED =
            "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61";
    private static final String CLIENT_FINISHED_RECORD = "170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b9"
            + "3c7a4bfc44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546";
    private static final String CLIENT_HANDSHAKE_KEY = "dbfaa693d1762c5b666af5d950258d01";
    private static final String CLIENT_HANDSHAKE_IV = "5bd3c71b836e0b76bb73265f";

    private static RecordProtection rfc8448Client() {
        return RecordProtection.fromSecret(CipherSuite.TLS_AES_128_GCM_SHA256, HEX.parseHex(CLIENT_HANDSHAKE_TRAFFIC_SECRET));
    }

    private static byte[] header(byte[] record) {
        return Arrays.copyOf(record, RecordProtection.HEADER_LENGTH);
    }

    private static byte[] body(byte[] record) {
        return Arrays.copyOfRange(record, RecordProtection.HEADER_LENGTH, record.length);
    }

    @Test
    void sealsTheClientFinishedRecordOfRfc8448() {
        RecordProtection p = rfc8448Client();
        byte[] finished = HEX.parseHex(CLIENT_FINISHED);
        assertEquals(CLIENT_FINISHED_RECORD, HEX.formatHex(p.seal(ContentType.HANDSHAKE, finished, 0, finished.length)));
        assertEquals(1, p.sequenceNumber());
    }

    @Test
    void opensTheClientFinishedRecordOfRfc8448() throws TlsAlertException {
        byte[] record = HEX.parseHex(CLIENT_FINISHED_RECORD);
        RecordProtection.Opened opened = rfc8448Client().open(header(record), body(record));
        assertEquals(ContentType.HANDSHAKE.code(), opened.type());
        assertEquals(CLIENT_FINISHED, HEX.formatHex(opened.content()));
    }

    @Test
    void anyChangedByteOfTheRecordIsBadRecordMac() {
        byte[] record = HEX.parseHex(CLIENT_FINISHED_RECORD);
        for (int i = 0; i < record.length; i++) {
            byte[] changed = record.clone();
            changed[i] ^= 0x40;
            // The header is the additional data (RFC 8446 §5.2), so a changed header fails too.
            TlsAlertException e = assertThrows(TlsAlertException.class,
                    () -> rfc8448Client().open(header(changed), body(changed)), "byte " + i);
            assertEquals(TlsAlert.BAD_RECORD_MAC, e.alert(), "byte " + i);
        }
    }

    @Test
    void eachRecordOpensOnlyAtItsOwnSequenceNumber() throws TlsAlertException {
        RecordProtection sender = rfc8448Client();
        byte[] first = sender.seal(ContentType.APPLICATION_DATA, new byte[] {1}, 0, 1);
        byte[] second = sender.seal(ContentType.APPLICATION_DATA, new byte[] {2}, 0, 1);
        RecordProtection receiver = rfc8448Client();
        assertEquals(TlsAlert.BAD_RECORD_MAC,
                assertThrows(TlsAlertException.class, () -> receiver.open(header(second), body(second))).alert());
        RecordProtection inOrder = rfc8448Client();
        assertArrayEquals(new byte[] {1}, inOrder.open(header(first), body(first)).content());
        assertArrayEquals(new byte[] {2}, inOrder.open(header(second), body(second)).content());
        assertEquals(2, inOrder.sequenceNumber());
    }

    /** Protects an inner plaintext chosen byte for byte, as RFC 8446 §5.2 says, at sequence number 0. */
    private static byte[] sealInner(byte[] inner) throws Exception {
        byte[] header = {23, 3, 3, (byte) ((inner.length + 16) >>> 8), (byte) (inner.length + 16)};
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        // At sequence number 0 the nonce is the IV itself (RFC 8446 §5.3).
        gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(HEX.parseHex(CLIENT_HANDSHAKE_KEY), "AES"),
                new GCMParameterSpec(128, HEX.parseHex(CLIENT_HANDSHAKE_IV)));
        gcm.updateAAD(header);
        byte[] encrypted = gcm.doFinal(inner);
        byte[] record = Arrays.copyOf(header, header.length + encrypted.length);
        System.arraycopy(encrypted, 0, record, header.length, encrypted.length);
        return record;
    }

    @Test
    void zeroPaddingAfterTheContentTypeIsRemoved() throws Exception {
        byte[] record = sealInner(new byte[] {'h', 'i', 0, 23, 0, 0, 0, 0});
        RecordProtection.Opened opened = rfc8448Client().open(header(record), body(record));
        assertEquals(23, opened.type());
        assertArrayEquals(new byte[] {'h', 'i', 0}, opened.content());
    }

    @Test
    void aRecordOfNothingButPaddingIsUnexpectedMessage() throws Exception {
        byte[] record = sealInner(new byte[5]);
        assertEquals(TlsAlert.UNEXPECTED_MESSAGE, assertThrows(TlsAlertException.class,
                () -> rfc8448Client().open(header(record), body(record))).alert());
    }

    @Test
    void everySuiteRoundTripsContentOfAnyLengthUpTo2To14() {
        Properties.forAll(200, r -> new Object[] {CipherSuite.values()[r.nextInt(3)], Generators.bytes(r, 48),
                Generators.bytesUpTo(r, r.nextBoolean() ? 64 : RecordProtection.MAX_PLAINTEXT)}, c -> {
            CipherSuite suite = (CipherSuite) c[0];
            byte[] secret = Arrays.copyOf((byte[]) c[1], suite.hash().length());
            byte[] content = (byte[]) c[2];
            byte[] record = RecordProtection.fromSecret(suite, secret).seal(ContentType.ALERT, content, 0, content.length);
            assertEquals(RecordProtection.HEADER_LENGTH + content.length + 1 + CipherSuite.TAG_LENGTH, record.length);
            try {
                RecordProtection.Opened opened = RecordProtection.fromSecret(suite, secret).open(header(record), body(record));
                assertEquals(ContentType.ALERT.code(), opened.type());
                assertArrayEquals(content, opened.content());
            } catch (TlsAlertException e) {
                throw new AssertionError(suite + ", " + content.length + " bytes: " + e, e);
            }
        });
    }

    @Test
    void contentOver2To14BytesIsRefused() {
        RecordProtection p = rfc8448Client();
        byte[] big = new byte[RecordProtection.MAX_PLAINTEXT + 1];
        assertThrows(IllegalArgumentException.class, () -> p.seal(ContentType.APPLICATION_DATA, big, 0, big.length));
    }
}
