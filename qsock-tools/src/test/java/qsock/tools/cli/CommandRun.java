package qsock.tools.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import qsock.tools.Qsock;

/**
 * One run of the {@code qsock} command line in this JVM, as the command-line tests make it: its exit status and what
 * it wrote to standard output and standard error.
 */
record CommandRun(int status, String out, String err) {

    /** {@return both outputs, labelled, for an assertion's message} */
    String both() {
        return "out:\n" + out + "\nerr:\n" + err;
    }

    /** {@return the run of {@code qsock args...}} */
    static CommandRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        CommandLine line = Qsock.commandLine();
        line.setErr(new PrintWriter(err, true));
        PrintWriter writer = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        line.setOut(writer);
        int status = line.execute(args);
        writer.flush();
        return new CommandRun(status, out.toString(StandardCharsets.UTF_8), err.toString());
    }
}
