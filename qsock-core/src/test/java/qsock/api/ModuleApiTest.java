package qsock.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import qsock.socket.QuicSocket;

/**
 * qsock-core's module descriptor exports the API and nothing else, and the API is closed: no public signature
 * in an exported package names a type of a package that is not exported (which a user could not name, and
 * which would tie the API to the protocol internals).
 */
class ModuleApiTest {

    private static final Set<String> API = Set.of("qsock.api", "qsock.core.error", "qsock.core.handshake",
            "qsock.socket");

    /** The compiled module: qsock-core's classes directory (the tests run on the class path, beside it). */
    private static Path classes() throws URISyntaxException {
        return Path.of(QuicSocket.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static ModuleDescriptor descriptor() throws IOException, URISyntaxException {
        try (InputStream in = Files.newInputStream(classes().resolve("module-info.class"))) {
            return ModuleDescriptor.read(in);
        }
    }

    @Test
    void theCoreExportsItsApiToEveryoneAndItsInternalsToNoOneElse() throws Exception {
        ModuleDescriptor d = descriptor();
        assertEquals("qsock.core", d.name());
        Set<String> open = d.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(API), open, "packages exported to every module");
        for (ModuleDescriptor.Exports e : d.exports()) {
            if (e.isQualified()) {
                assertTrue(Set.of("qsock.tls", "qsock.bench", "qsock.tools").containsAll(e.targets()),
                        e.source() + " is exported only to qsock's own modules, not to " + e.targets());
            }
        }
        Set<String> exported = d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        for (String internal : List.of("qsock.core.connection", "qsock.core.endpoint", "qsock.core.stream",
                "qsock.core.packet", "qsock.core.frame", "qsock.core.recovery", "qsock.core.runtime")) {
            assertTrue(Files.isDirectory(classes().resolve(internal.replace('.', '/'))), internal + " is in the module");
            assertTrue(!exported.contains(internal), internal + " is not exported");
        }
        assertTrue(d.requires().stream().allMatch(r -> r.name().startsWith("java.") || r.name().startsWith("jdk.")),
                "the core requires the JDK alone: " + d.requires());
    }

    @Test
    void noPublicSignatureOfTheApiNamesAnInternalType() throws Exception {
        List<String> leaks = new ArrayList<>();
        int types = 0;
        for (String pkg : API) {
            Path dir = classes().resolve(pkg.replace('.', '/'));
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(p -> p.toString().endsWith(".class")).sorted().toList();
            }
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.equals("package-info.class")) {
                    continue;
                }
                Class<?> c = Class.forName(pkg + "." + name.substring(0, name.length() - ".class".length()));
                if (!visible(c)) {
                    continue;
                }
                types++;
                check(c.getGenericSuperclass(), c + " extends", leaks);
                for (Type t : c.getGenericInterfaces()) {
                    check(t, c + " implements", leaks);
                }
                for (Method m : c.getDeclaredMethods()) {
                    if (visible(m.getModifiers()) && !m.isSynthetic()) {
                        check(m.getGenericReturnType(), m.toString(), leaks);
                        for (Type t : m.getGenericParameterTypes()) {
                            check(t, m.toString(), leaks);
                        }
                        for (Type t : m.getGenericExceptionTypes()) {
                            check(t, m.toString(), leaks);
                        }
                    }
                }
                for (Constructor<?> k : c.getDeclaredConstructors()) {
                    if (visible(k.getModifiers()) && !k.isSynthetic()) {
                        for (Type t : k.getGenericParameterTypes()) {
                            check(t, k.toString(), leaks);
                        }
                    }
                }
                for (Field fd : c.getDeclaredFields()) {
                    if (visible(fd.getModifiers()) && !fd.isSynthetic()) {
                        check(fd.getGenericType(), fd.toString(), leaks);
                    }
                }
                if (c.isRecord()) {
                    for (RecordComponent rc : c.getRecordComponents()) {
                        check(rc.getGenericType(), c + " component " + rc.getName(), leaks);
                    }
                }
            }
        }
        assertTrue(types > 20, "the API's public types were found: " + types);
        assertEquals(List.of(), leaks, "public signatures of the API that name types of unexported packages");
    }

    private static boolean visible(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            if (!Modifier.isPublic(k.getModifiers()) && !(k != c && Modifier.isProtected(k.getModifiers()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void check(Type t, String where, List<String> leaks) {
        switch (t) {
            case null -> { }
            case Class<?> c -> {
                Class<?> e = c;
                while (e.isArray()) {
                    e = e.getComponentType();
                }
                if (e.isPrimitive()) {
                    return;
                }
                String pkg = e.getPackageName();
                boolean jdk = pkg.startsWith("java.") || pkg.startsWith("javax.") || pkg.startsWith("jdk.");
                if (!jdk && !API.contains(pkg)) {
                    leaks.add(where + " names " + e.getName());
                }
            }
            case ParameterizedType p -> {
                check(p.getRawType(), where, leaks);
                for (Type a : p.getActualTypeArguments()) {
                    check(a, where, leaks);
                }
            }
            case GenericArrayType g -> check(g.getGenericComponentType(), where, leaks);
            case WildcardType w -> {
                for (Type b : w.getUpperBounds()) {
                    check(b, where, leaks);
                }
                for (Type b : w.getLowerBounds()) {
                    check(b, where, leaks);
                }
            }
            case TypeVariable<?> v -> {
                for (Type b : v.getBounds()) {
                    check(b, where, leaks);
                }
            }
            default -> leaks.add(where + " has a type this test cannot read: " + t);
        }
    }
}
