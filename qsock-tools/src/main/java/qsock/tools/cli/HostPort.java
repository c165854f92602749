package qsock.tools.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import picocli.CommandLine.ITypeConverter;

/**
 * Reads {@code HOST:PORT} for picocli: a host name or IPv4 literal, or an IPv6 literal in brackets ({@code [::1]:4434}),
 * and a port 0..65535 (0: any free one). The host is resolved at once, so that a name that does not resolve is
 * refused with the option rather than later.
 */
public final class HostPort implements ITypeConverter<InetSocketAddress> {

    @Override
    public InetSocketAddress convert(String value) {
        return parse(value);
    }

    /** {@return {@code text} as a resolved address} @throws IllegalArgumentException naming what is wrong */
    static InetSocketAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("not HOST:PORT: '" + text + "' (an IPv6 address in brackets: [::1]:4434)");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("an IPv6 address goes in brackets: '" + text + "', e.g. [::1]:4434");
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("no host in '" + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port in '" + text + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("a port is 0..65535: '" + text + "'");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host in '" + text + "': " + host);
        }
    }
}
