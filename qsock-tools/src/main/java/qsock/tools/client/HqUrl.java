package qsock.tools.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * An {@code https://host[:port]/path} URL as the hq-interop client takes it: the host and port to connect to
 * and the path to request. The port defaults to 443; an IPv6 literal comes in brackets.
 *
 * @param host the host name or IP literal (without brackets)
 * @param port the UDP port
 * @param path the request path, starting with {@code /}, decoded
 */
public record HqUrl(String host, int port, String path) {

    /** {@return the URL parsed} @throws IllegalArgumentException naming what is wrong */
    public static HqUrl parse(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + text + " (" + e.getReason() + ")");
        }
        if (uri.getScheme() == null || !uri.getScheme().toLowerCase(Locale.ROOT).equals("https")) {
            throw new IllegalArgumentException("only https:// URLs are fetched: " + text);
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("no host in " + text);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("hq-interop requests carry no query or fragment: " + text);
        }
        String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
        return new HqUrl(host, uri.getPort() < 0 ? 443 : uri.getPort(), path);
    }

    /** {@return the name to save the response under: the path's last segment, or "index.html" for a directory} */
    public String fileName() {
        String last = path.substring(path.lastIndexOf('/') + 1);
        return last.isEmpty() || last.equals(".") || last.equals("..") ? "index.html" : last;
    }

    /** {@return host:port, with brackets around an IPv6 literal} */
    public String authority() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
