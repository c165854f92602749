package qsock.tls.cert;

import java.net.IDN;
import java.net.InetAddress;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Checks a server's end-entity certificate against the name the client connected to, as RFC 9525 (which
 * obsoletes RFC 6125) and RFC 9110 §4.3.4 describe for TLS:
 * <ul>
 * <li>an IP address literal (IPv4 dotted quad, or IPv6, optionally in brackets or with a zone) matches
 *     only an iPAddress subjectAltName with the same octets;
 * <li>a DNS name matches a dNSName subjectAltName, ASCII case-insensitively, ignoring one trailing dot,
 *     after converting an internationalised name to its A-label form;
 * <li>a wildcard is honoured only as the complete left-most label ({@code *.example.com}), matches exactly
 *     one non-empty label, and needs at least two labels after it ({@code *.com} matches nothing);
 * <li>the subject's Common Name is never used, whether or not subjectAltNames are present: RFC 9525 drops
 *     CN-IDs, and the public CAs have put every name in subjectAltName for years.
 * </ul>
 */
final class HostNameMatcher {

    private static final int SAN_DNS_NAME = 2;
    private static final int SAN_IP_ADDRESS = 7;

    private HostNameMatcher() {}

    /** {@return whether {@code host} is one of the identities {@code certificate} presents} */
    static boolean matches(X509Certificate certificate, String host) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return false;
        }
        if (names == null) {
            return false;
        }
        byte[] ip = ipLiteral(host);
        String dns = ip == null ? referenceDnsName(host) : null;
        if (ip == null && dns == null) {
            return false;
        }
        for (List<?> name : names) {
            if (name.size() < 2 || !(name.get(0) instanceof Integer type) || !(name.get(1) instanceof String value)) {
                continue;
            }
            // RFC 9525 §6.4: an IP address is compared octet by octet with iPAddress names only.
            if (ip != null && type == SAN_IP_ADDRESS) {
                byte[] presented = ipLiteral(value);
                if (presented != null && Arrays.equals(presented, ip)) {
                    return true;
                }
            } else if (dns != null && type == SAN_DNS_NAME && dnsMatches(value, dns)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@return the address octets if {@code host} is an IP address literal, else null}; never a DNS lookup.
     * IPv4 must be a canonical dotted quad (no "127.1", no leading zeros, which some parsers read as octal).
     */
    static byte[] ipLiteral(String host) {
        String h = host;
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.indexOf(':') >= 0) {
            int zone = h.indexOf('%');
            if (zone >= 0) {
                h = h.substring(0, zone);
            }
            try {
                return InetAddress.ofLiteral(h).getAddress();
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return dottedQuad(h);
    }

    private static byte[] dottedQuad(String h) {
        String[] parts = h.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
                return null;
            }
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                char c = p.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
                v = v * 10 + (c - '0');
            }
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    /** {@return the host as a lower-case A-label DNS name without a trailing dot, or null if it is none} */
    static String referenceDnsName(String host) {
        String h = host;
        try {
            // RFC 9525 §6.3: internationalised names are compared in their A-label form.
            h = IDN.toASCII(h, 0);
        } catch (IllegalArgumentException e) {
            return null;
        }
        h = withoutTrailingDot(h.toLowerCase(Locale.ROOT));
        if (h.isEmpty() || h.indexOf('*') >= 0 || h.startsWith(".") || h.contains("..")) {
            return null;
        }
        return h;
    }

    /** {@return whether the presented dNSName matches the normalised reference name} */
    static boolean dnsMatches(String presented, String reference) {
        String p = withoutTrailingDot(presented.toLowerCase(Locale.ROOT));
        if (!p.startsWith("*.")) {
            return p.indexOf('*') < 0 && p.equals(reference);
        }
        String suffix = p.substring(2);
        // RFC 9525 §6.3: the wildcard is the whole left-most label and matches exactly one label. At least
        // two labels must follow, so that a certificate cannot claim a whole top-level domain.
        if (suffix.indexOf('*') >= 0 || suffix.indexOf('.') <= 0 || suffix.startsWith(".")) {
            return false;
        }
        int dot = reference.indexOf('.');
        return dot > 0 && reference.substring(dot + 1).equals(suffix);
    }

    private static String withoutTrailingDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }
}
