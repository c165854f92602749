package qsock.tls.extension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import qsock.tls.codec.Opaque;

/** Records refuse what their wire form cannot carry; finders find by kind. */
class ExtensionRecordsTest {

    private static final Opaque BINDER = Opaque.of(new byte[32]);

    @Test
    void serverNameRefusesNamesThatAreNotPrintableAscii() {
        assertThrows(IllegalArgumentException.class, () -> new ServerName("a b"));
        assertThrows(IllegalArgumentException.class, () -> new ServerName("caf\u00e9"));
        assertThrows(IllegalArgumentException.class, () -> new ServerName("a\u0000"));
        assertThrows(IllegalArgumentException.class, () -> new ServerName("a".repeat(0xFFFF - 4)));
        assertEquals("0000ffff" + "fffd" + "00fffa", ExtensionTestSupport.encode(new ServerName("a".repeat(0xFFFF - 5)))
                .substring(0, 18));
        assertTrue(ServerName.ACKNOWLEDGEMENT.isAcknowledgement());
        assertFalse(new ServerName("example.com").isAcknowledgement());
    }

    @Test
    void alpnRefusesEmptyOrOverlongNames() {
        assertThrows(IllegalArgumentException.class, () -> ApplicationLayerProtocolNegotiation.of());
        assertThrows(IllegalArgumentException.class, () -> ApplicationLayerProtocolNegotiation.of(""));
        assertThrows(IllegalArgumentException.class, () -> ApplicationLayerProtocolNegotiation.of("x".repeat(256)));
        assertThrows(IllegalArgumentException.class, () -> ApplicationLayerProtocolNegotiation.of("\u0100"));
        assertEquals(List.of("h3"), ApplicationLayerProtocolNegotiation.of("h3").protocols());
    }

    @Test
    void codePointListsRefuseEmptyListsAndValuesBeyondUint16() {
        assertThrows(IllegalArgumentException.class, () -> SupportedGroups.of());
        assertThrows(IllegalArgumentException.class, () -> SignatureAlgorithms.of(0x10000));
        assertThrows(IllegalArgumentException.class, () -> SignatureAlgorithmsCert.of(-1));
        assertThrows(IllegalArgumentException.class, () -> SupportedVersionsClientHello.of());
        assertThrows(IllegalArgumentException.class,
                () -> new SupportedVersionsClientHello(Collections.nCopies(128, 0x0304)));
        assertThrows(IllegalArgumentException.class, () -> PskKeyExchangeModes.of(256));
        assertThrows(IllegalArgumentException.class, () -> new SupportedVersionsServerHello(0x10000));
        assertThrows(IllegalArgumentException.class, () -> new KeyShareHelloRetryRequest(-1));
        assertThrows(IllegalArgumentException.class, () -> new PreSharedKeyServerHello(0x10000));
        assertThrows(IllegalArgumentException.class, () -> new EarlyDataNewSessionTicket(1L << 32));
    }

    @Test
    void keySharesRefuseEmptyValuesAndRepeatedGroups() {
        assertThrows(IllegalArgumentException.class, () -> new KeyShareEntry(0x1d, Opaque.EMPTY));
        KeyShareEntry a = new KeyShareEntry(0x1d, Opaque.fromHex("01"));
        assertThrows(IllegalArgumentException.class, () -> KeyShareClientHello.of(a, new KeyShareEntry(0x1d, Opaque.fromHex("02"))));
        assertEquals(a, KeyShareClientHello.of(a).find(0x1d).orElseThrow());
        assertTrue(KeyShareClientHello.of(a).find(0x17).isEmpty());
    }

    @Test
    void offeredPsksNeedOneBinderPerIdentityOfAValidLength() {
        PskIdentity id = new PskIdentity(Opaque.fromHex("01"), 0);
        assertThrows(IllegalArgumentException.class, () -> new PreSharedKeyClientHello(List.of(id), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new PreSharedKeyClientHello(List.of(id, id), List.of(BINDER)));
        assertThrows(IllegalArgumentException.class,
                () -> new PreSharedKeyClientHello(List.of(id), List.of(Opaque.of(new byte[31]))));
        assertThrows(IllegalArgumentException.class,
                () -> new PreSharedKeyClientHello(List.of(id), List.of(Opaque.of(new byte[256]))));
        assertThrows(IllegalArgumentException.class, () -> new PskIdentity(Opaque.EMPTY, 0));
        assertThrows(IllegalArgumentException.class, () -> new PskIdentity(Opaque.fromHex("01"), -1));
        PreSharedKeyClientHello two = new PreSharedKeyClientHello(List.of(id, id), List.of(BINDER, Opaque.of(new byte[48])));
        assertEquals(2 + 33 + 49, two.bindersLength());
    }

    @Test
    void cookieAndUnknownRefuseWhatTheyCannotCarry() {
        assertThrows(IllegalArgumentException.class, () -> new Cookie(Opaque.EMPTY));
        assertThrows(IllegalArgumentException.class, () -> new Unknown(ExtensionType.KEY_SHARE.code(), Opaque.EMPTY));
        assertThrows(IllegalArgumentException.class, () -> new Unknown(0x10000, Opaque.EMPTY));
        assertThrows(IllegalArgumentException.class, () -> new QuicTransportParameters(Opaque.of(new byte[0x10000])));
        assertEquals(21, new Unknown(ExtensionType.PADDING.code(), Opaque.EMPTY).typeCode());
    }

    @Test
    void typeCodesFollowTheRecords() {
        assertEquals(43, new SupportedVersionsServerHello(0x0304).typeCode());
        assertEquals(51, new KeyShareHelloRetryRequest(0x17).typeCode());
        assertEquals(41, new PreSharedKeyServerHello(0).typeCode());
        assertEquals(42, new EarlyDataIndication().typeCode());
        assertEquals(44, new Cookie(Opaque.fromHex("01")).typeCode());
    }

    @Test
    void findersGoByKindOrByCode() {
        List<Extension> block = new ArrayList<>(List.of(new SupportedVersionsServerHello(0x0304),
                new KeyShareHelloRetryRequest(0x17), new Unknown(0xfafa, Opaque.EMPTY)));
        assertEquals(new KeyShareHelloRetryRequest(0x17), Extensions.find(block, KeyShare.class).orElseThrow());
        assertTrue(Extensions.find(block, KeyShareServerHello.class).isEmpty());
        assertEquals(new Unknown(0xfafa, Opaque.EMPTY), Extensions.find(block, 0xfafa).orElseThrow());
        assertTrue(Extensions.contains(block, 43));
        assertFalse(Extensions.contains(block, 44));
    }
}
