package qsock.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --qlog-dir} on {@code qsock server}, {@code client} and {@code perf}, and the QLOGDIR fallback. */
class QlogOptionsTest {

    @Test
    void everyCommandTakesQlogDirAndFallsBackToTheQlogdirProperty() {
        Assumptions.assumeTrue(System.getenv(QlogOptions.VARIABLE) == null, "QLOGDIR is set in this environment");
        String before = System.getProperty(QlogOptions.VARIABLE);
        try {
            for (String name : List.of("server", "client", "perf")) {
                System.clearProperty(QlogOptions.VARIABLE);
                assertEquals(Path.of("traces"), parse(name, "--qlog-dir", "traces").directory(), name);
                assertNull(parse(name).directory(), name + ": no qlog without the option or QLOGDIR");
                System.setProperty(QlogOptions.VARIABLE, "from-property");
                assertEquals(Path.of("from-property"), parse(name).directory(), name);
                assertEquals(Path.of("traces"), parse(name, "--qlog-dir", "traces").directory(),
                        name + ": the option wins over QLOGDIR");
            }
        } finally {
            if (before == null) {
                System.clearProperty(QlogOptions.VARIABLE);
            } else {
                System.setProperty(QlogOptions.VARIABLE, before);
            }
        }
    }

    private static QlogOptions parse(String name, String... args) {
        return switch (name) {
            case "server" -> {
                ServerCommand c = new ServerCommand();
                new CommandLine(c).parseArgs(args);
                yield c.qlog;
            }
            case "client" -> {
                ClientCommand c = new ClientCommand();
                new CommandLine(c).parseArgs(with(args, "https://127.0.0.1:1/x"));
                yield c.qlog;
            }
            default -> {
                PerfCommand c = new PerfCommand();
                new CommandLine(c).parseArgs(args);
                yield c.qlog;
            }
        };
    }

    private static String[] with(String[] args, String last) {
        String[] out = java.util.Arrays.copyOf(args, args.length + 1);
        out[args.length] = last;
        return out;
    }
}
