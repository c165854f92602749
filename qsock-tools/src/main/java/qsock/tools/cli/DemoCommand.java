package qsock.tools.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import qsock.tools.demo.Demo;

/** {@code qsock demo}: a server and a client on loopback in this process, moving real data. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start a qsock server and client on loopback in this process: fetch a file of random bytes "
                + "over hq-interop and check its SHA-256, then an echo round trip. Exit status 0 when all arrived intact."})
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "64M", converter = SizeConverter.class,
            description = "Size of the file fetched (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--echo-size", paramLabel = "SIZE", defaultValue = "1M", converter = SizeConverter.class,
            description = "Bytes sent on the echo connection (default: ${DEFAULT-VALUE}).")
    long echoSize;

    @Override
    public Integer call() throws Exception {
        if (echoSize > Integer.MAX_VALUE - 1) {
            throw new IllegalArgumentException("--echo-size is at most 2 GiB");
        }
        return new Demo(spec.commandLine().getOut(), size, (int) echoSize).run() ? 0 : 1;
    }
}
