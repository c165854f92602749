package qsock.tools.term;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class UnitsTest {

    @Test
    void bytesInBinaryUnits() {
        assertEquals("0 B", Units.bytes(0));
        assertEquals("1023 B", Units.bytes(1023));
        assertEquals("1.0 KiB", Units.bytes(1024));
        assertEquals("1.5 MiB", Units.bytes(3L << 19));
        assertEquals("64.0 MiB", Units.bytes(64L << 20));
        assertEquals("2.0 GiB", Units.bytes(2L << 30));
    }

    @Test
    void durationsPickTheirUnit() {
        assertEquals("850 ns", Units.duration(850));
        assertEquals("12.3 us", Units.duration(12_300));
        assertEquals("45.6 ms", Units.duration(45_600_000));
        assertEquals("1.234 s", Units.duration(1_234_000_000));
    }

    @Test
    void addressesWithoutTheJdksSlashAndIpv6InBrackets() throws Exception {
        assertEquals("127.0.0.1:4433", Units.address(new java.net.InetSocketAddress("127.0.0.1", 4433)));
        assertEquals("[::]:4433", Units.address(new java.net.InetSocketAddress("::", 4433)));
        assertEquals("[::1]:1", Units.address(new java.net.InetSocketAddress("::1", 1)));
        assertEquals("[fe80:0:0:0:0:0:0:1]:2", Units.address(new java.net.InetSocketAddress("fe80::1", 2)));
    }

    @Test
    void ratesPerSecond() {
        assertEquals("64.0 MiB/s", Units.rate(128L << 20, 2_000_000_000L));
        assertEquals("-", Units.rate(100, 0));
        assertEquals(64.0, Units.mibPerSecond(128L << 20, 2_000_000_000L), 1e-9);
    }
}
