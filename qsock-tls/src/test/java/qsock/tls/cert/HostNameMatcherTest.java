package qsock.tls.cert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostNameMatcherTest {

    @Test
    void ipv4LiteralsMustBeCanonicalDottedQuads() {
        assertArrayEquals(new byte[] {127, 0, 0, 1}, HostNameMatcher.ipLiteral("127.0.0.1"));
        assertArrayEquals(new byte[] {(byte) 255, 0, 10, 0}, HostNameMatcher.ipLiteral("255.0.10.0"));
        for (String notIp : List.of("127.1", "127.0.0.01", "256.0.0.1", "1.2.3.4.5", "1.2.3.", ".1.2.3", "a.b.c.d",
                "1.2.3.-4", "localhost", "", "1234.1.1.1")) {
            assertNull(HostNameMatcher.ipLiteral(notIp), notIp);
        }
    }

    @Test
    void ipv6LiteralsMayHaveBracketsAndAZone() {
        byte[] loopback = new byte[16];
        loopback[15] = 1;
        assertArrayEquals(loopback, HostNameMatcher.ipLiteral("::1"));
        assertArrayEquals(loopback, HostNameMatcher.ipLiteral("[::1]"));
        assertArrayEquals(loopback, HostNameMatcher.ipLiteral("0:0:0:0:0:0:0:1"));
        assertEquals(16, HostNameMatcher.ipLiteral("fe80::1%eth0").length);
        assertNull(HostNameMatcher.ipLiteral("::g"));
        assertNull(HostNameMatcher.ipLiteral("1:2:3:4:5:6:7:8:9"));
        // The JDK reads an IPv4-mapped address as the IPv4 address, so it matches an IPv4 iPAddress name.
        assertArrayEquals(new byte[] {127, 0, 0, 1}, HostNameMatcher.ipLiteral("::ffff:127.0.0.1"));
    }

    @Test
    void referenceNamesAreNormalised() {
        assertEquals("localhost", HostNameMatcher.referenceDnsName("LocalHost."));
        assertEquals("xn--bcher-kva.example", HostNameMatcher.referenceDnsName("b\u00fccher.example"));
        assertNull(HostNameMatcher.referenceDnsName(""));
        assertNull(HostNameMatcher.referenceDnsName("."));
        assertNull(HostNameMatcher.referenceDnsName("*.test.qsock"));
        assertNull(HostNameMatcher.referenceDnsName("a..b"));
        assertNull(HostNameMatcher.referenceDnsName(".a.b"));
    }

    @Test
    void exactNamesMatchCaseInsensitivelyIgnoringOneTrailingDot() {
        assertTrue(HostNameMatcher.dnsMatches("Example.COM", "example.com"));
        assertTrue(HostNameMatcher.dnsMatches("example.com.", "example.com"));
        assertFalse(HostNameMatcher.dnsMatches("example.com", "www.example.com"));
        assertFalse(HostNameMatcher.dnsMatches("www.example.com", "example.com"));
        assertFalse(HostNameMatcher.dnsMatches("example.co", "example.com"));
    }

    @Test
    void aWildcardIsOneWholeLeftMostLabel() {
        assertTrue(HostNameMatcher.dnsMatches("*.example.com", "www.example.com"));
        assertTrue(HostNameMatcher.dnsMatches("*.EXAMPLE.com", "w.example.com"));
        assertFalse(HostNameMatcher.dnsMatches("*.example.com", "example.com"));
        assertFalse(HostNameMatcher.dnsMatches("*.example.com", "a.b.example.com"));
        assertFalse(HostNameMatcher.dnsMatches("*.example.com", ".example.com"));
        // Partial-label wildcards and wildcards elsewhere are not wildcards.
        assertFalse(HostNameMatcher.dnsMatches("w*.example.com", "www.example.com"));
        assertFalse(HostNameMatcher.dnsMatches("www.*.com", "www.example.com"));
        assertFalse(HostNameMatcher.dnsMatches("*.*.com", "a.example.com"));
        // Too broad: a wildcard over a single label (a top-level domain), or on its own.
        assertFalse(HostNameMatcher.dnsMatches("*.com", "example.com"));
        assertFalse(HostNameMatcher.dnsMatches("*", "localhost"));
        assertFalse(HostNameMatcher.dnsMatches("*.", "localhost"));
    }

    @Test
    void theTestLeafNamesItsSubjectAltNames() {
        X509Certificate leaf = TestPki.leaf("rsa");
        for (String host : List.of("localhost", "LOCALHOST", "localhost.", "127.0.0.1", "::1", "[::1]",
                "0:0:0:0:0:0:0:1", "a.test.qsock", "A.Test.Qsock", "xn--bcher-kva.test.qsock", "b\u00fccher.test.qsock")) {
            assertTrue(HostNameMatcher.matches(leaf, host), host);
        }
        for (String host : List.of("test.qsock", "a.b.test.qsock", "example.com", "127.0.0.2", "::2", "127.1",
                "*.test.qsock", "localhost.localdomain", "qsock", "", "local host")) {
            assertFalse(HostNameMatcher.matches(leaf, host), host);
        }
    }

    @Test
    void theCommonNameIsNeverUsed() {
        // CN=localhost, no subjectAltName at all: RFC 9525 has no CN-ID fallback.
        X509Certificate noSan = TestPki.certificates("ecdsa-p256-nosan-leaf.pem").getFirst();
        assertEquals("CN=localhost", noSan.getSubjectX500Principal().getName());
        assertFalse(HostNameMatcher.matches(noSan, "localhost"));
    }

    @Test
    void ipAddressesCompareByOctets() {
        X509Certificate leaf = TestPki.leaf("ed25519");
        assertTrue(HostNameMatcher.matches(leaf, "127.0.0.1"));
        assertTrue(HostNameMatcher.matches(leaf, "::ffff:127.0.0.1"));
        assertTrue(HostNameMatcher.matches(leaf, "0::1"));
        assertFalse(HostNameMatcher.matches(leaf, "1.0.0.127"));
        assertFalse(HostNameMatcher.matches(leaf, "::1:0"));
    }
}
