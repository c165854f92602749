package qsock.tls.engine;

/** Telling host names from IP literals, for SNI (RFC 6066 §3: literal addresses are not sent). */
final class HostNames {

    private HostNames() {}

    /** {@return true for an IPv4 dotted quad or an IPv6 literal (with or without brackets)} */
    static boolean isIpLiteral(String name) {
        if (name.indexOf(':') >= 0) {
            return true;
        }
        String[] parts = name.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }
}
