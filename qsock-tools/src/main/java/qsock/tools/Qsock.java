package qsock.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import qsock.tools.cli.ClientCommand;
import qsock.tools.cli.DemoCommand;
import qsock.tools.cli.FleetKeysCommand;
import qsock.tools.cli.HandshakedCommand;
import qsock.tools.cli.PerfCommand;
import qsock.tools.cli.RouterdCommand;
import qsock.tools.cli.ServerCommand;
import qsock.tools.cli.StatsCommand;

/**
 * The {@code qsock} command: {@code server}, {@code client}, {@code perf}, {@code demo}, {@code routerd}, {@code
 * fleet-keys}, {@code handshaked} and {@code stats}.
 */
@Command(name = "qsock", mixinStandardHelpOptions = true, version = "qsock 0.1.0",
        description = "QUIC for the JVM: serve and fetch files, echo, measure, and see it work on loopback.",
        subcommands = {ServerCommand.class, ClientCommand.class, PerfCommand.class, DemoCommand.class,
                RouterdCommand.class, FleetKeysCommand.class, HandshakedCommand.class, StatsCommand.class,
                CommandLine.HelpCommand.class})
public final class Qsock implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** {@return the command line, with errors shown as one message rather than a stack trace} */
    public static CommandLine commandLine() {
        CommandLine line = new CommandLine(new Qsock());
        line.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("qsock " + commandLine.getCommandName() + ": " + message(e));
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        return line;
    }

    private static String message(Throwable e) {
        if (e instanceof java.nio.file.NoSuchFileException missing) {
            return "no such file: " + missing.getFile();
        }
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage() != null ? e.getMessage() : e));
        for (Throwable cause = e.getCause(); cause != null && cause != e; cause = cause.getCause()) {
            if (cause.getMessage() != null && !text.toString().contains(cause.getMessage())) {
                text.append(": ").append(cause.getMessage());
            }
        }
        return text.toString();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
