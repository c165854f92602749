package qsock.interop.agent15;

import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import qsock.socket.QuicSocket;
import qsock.tls.QuicHandshake;
import tech.kwik.agent15.engine.TlsClientEngine;

/**
 * A class loader for a client side without qsock-tls: it sees qsock-core, agent15 (and the HKDF library it
 * runs on) and this module's test classes, over the platform class loader, so that nothing it loads can
 * reach qsock-tls, and a handshake that completes in it was run by agent15 alone.
 */
final class WithoutQsockTls {

    private WithoutQsockTls() {}

    /** {@return a new loader as described above; the caller closes it} */
    static URLClassLoader classLoader() {
        Set<Path> roots = new LinkedHashSet<>();
        roots.add(location(QuicSocket.class));
        roots.add(location(TlsClientEngine.class));
        roots.add(location(hkdf()));
        roots.add(location(WithoutQsockTls.class));
        if (roots.contains(location(QuicHandshake.class))) {
            // qsock-tls shares a classpath root with something the client needs (a merged jar): no isolation.
            throw new IllegalStateException("qsock-tls lives at " + location(QuicHandshake.class) + ", among " + roots);
        }
        List<URL> urls = roots.stream().map(WithoutQsockTls::url).toList();
        return new URLClassLoader("without-qsock-tls", urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }

    private static Class<?> hkdf() {
        // agent15's runtime dependency, not on this module's compile classpath.
        try {
            return Class.forName("at.favre.lib.hkdf.HKDF");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("agent15's HKDF library is not on the test classpath", e);
        }
    }

    private static Path location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("no classpath root for " + type, e);
        }
    }

    private static URL url(Path root) {
        try {
            return root.toUri().toURL();
        } catch (java.net.MalformedURLException e) {
            throw new IllegalStateException("no URL for " + root, e);
        }
    }
}
