package qsock.tools.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import qsock.api.FleetKeys;

/**
 * {@code qsock fleet-keys --out FILE}: writes a fresh fleet key file ({@link FleetKeys}) for {@code qsock server
 * --fleet-keys}, readable by its owner only, since it holds secrets.
 */
@Command(name = "fleet-keys", mixinStandardHelpOptions = true,
        description = {"Write a fresh fleet key file: a token key, a session ticket key and a stateless reset key, "
                + "for every server of a fleet to load with 'qsock server --fleet-keys FILE'.",
                "To rotate, put a new key of a kind first and keep the old one second until what it sealed "
                        + "expired (see the README)."})
public final class FleetKeysCommand implements Callable<Integer> {

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", required = true,
            description = "Where to write the keys; an existing file is not replaced.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        String text = FleetKeys.generate(new SecureRandom()).format();
        write(out, text);
        spec.commandLine().getOut().println("fleet keys written to " + out + " (owner read/write only)");
        return 0;
    }

    /** Creates {@code file} with {@code text}, owner-only where the file system has POSIX permissions. */
    private static void write(Path file, String text) throws IOException {
        if (Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString(), null, "a fleet key file is not replaced");
        }
        boolean posix = file.toAbsolutePath().getParent().getFileSystem().supportedFileAttributeViews()
                .contains("posix");
        if (posix) {
            // Created with the permissions, so the keys are never readable by others, even for a moment.
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        } else {
            Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW);
        }
    }
}
