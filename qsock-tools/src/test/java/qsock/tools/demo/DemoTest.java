package qsock.tools.demo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class DemoTest {

    @Test
    @Timeout(120)
    void movesTheFileAndTheEchoIntactAndSaysSo() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintWriter out = new PrintWriter(new OutputStreamWriter(bytes, StandardCharsets.UTF_8), true);
        boolean ok = new Demo(out, 4 << 20, 256 * 1024).run();
        out.flush();
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(ok, text);
        assertTrue(text.contains("client: SHA-256 matches the served file"), text);
        assertTrue(text.contains("(not found)"), text);
        assertTrue(text.contains("client: echo of 256.0 KiB came back intact"), text);
        assertTrue(text.contains("server: 127.0.0.1:") && text.contains("alpn=hq-interop") && text.contains("alpn=echo"), text);
        assertTrue(text.endsWith("demo: OK, every byte arrived intact\n"), text);
    }
}
