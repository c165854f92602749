package qsock.tools.hq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServedDirectoryTest {

    @TempDir
    Path temp;
    private Path root;
    private ServedDirectory served;

    @BeforeEach
    void layOut() throws Exception {
        root = Files.createDirectories(temp.resolve("www"));
        Files.writeString(root.resolve("index.html"), "hello");
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/file.bin"), "data");
        Files.writeString(temp.resolve("secret.txt"), "secret");
        served = new ServedDirectory(root);
    }

    @Test
    void resolvesFilesUnderTheRoot() throws Exception {
        assertEquals(Optional.of(root.toRealPath().resolve("index.html")), served.resolve("/index.html"));
        assertEquals(Optional.of(root.toRealPath().resolve("sub/file.bin")), served.resolve("/sub/file.bin"));
        assertEquals(Optional.of(root.toRealPath().resolve("sub/file.bin")), served.resolve("//sub///file.bin"));
    }

    @Test
    void refusesDotSegmentsEvenWhenTheyWouldStayInside() {
        assertTrue(served.resolve("/../secret.txt").isEmpty());
        assertTrue(served.resolve("/sub/../../secret.txt").isEmpty());
        assertTrue(served.resolve("/sub/../index.html").isEmpty());
        assertTrue(served.resolve("/./index.html").isEmpty());
        assertTrue(served.resolve("/..").isEmpty());
    }

    @Test
    void refusesDirectoriesMissingFilesAndRelativeOrNulPaths() {
        assertTrue(served.resolve("/").isEmpty());
        assertTrue(served.resolve("/sub").isEmpty());
        assertTrue(served.resolve("/sub/").isEmpty());
        assertTrue(served.resolve("/missing").isEmpty());
        assertTrue(served.resolve("index.html").isEmpty());
        assertTrue(served.resolve("/index.html\0.png").isEmpty());
    }

    @Test
    void refusesSymbolicLinksLeadingOutsideAndFollowsThoseStayingInside() throws Exception {
        Files.createSymbolicLink(root.resolve("escape"), temp.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("escape-dir"), temp);
        Files.createSymbolicLink(root.resolve("inside"), root.resolve("sub/file.bin"));
        assertTrue(served.resolve("/escape").isEmpty());
        assertTrue(served.resolve("/escape-dir/secret.txt").isEmpty());
        assertEquals(Optional.of(root.toRealPath().resolve("sub/file.bin")), served.resolve("/inside"));
    }
}
