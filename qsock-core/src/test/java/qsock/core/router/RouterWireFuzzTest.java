package qsock.core.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;

/**
 * Fuzzes routerd's control protocol as both of its readers see it: a stream of frames (RouterWire), each body read
 * as its type says (HELLO by the daemon, WELCOME and DATAGRAM by a listener). Its contract: reading ends in
 * {@link EOFException} or {@link ProtocolException}, nothing else, and a HELLO or WELCOME read encodes to a body
 * that reads back equal.
 */
class RouterWireFuzzTest {

    @FuzzTest
    void readsFramesOrRejectsAndRoundTripsWhatItRead(byte[] input) {
        ReadableByteChannel in = Channels.newChannel(new ByteArrayInputStream(input));
        ByteBuffer buffer = ByteBuffer.allocate(RouterWire.MAX_BODY + 5);
        // Every frame takes at least 5 bytes, so the loop ends by EOF within input.length / 5 + 1 rounds.
        for (int frames = 0; frames <= input.length / 5 + 1; frames++) {
            RouterWire.Frame frame;
            try {
                frame = RouterWire.read(in, buffer);
            } catch (EOFException | ProtocolException e) {
                return;
            } catch (IOException e) {
                throw new AssertionError("an undocumented IOException", e);
            }
            assertTrue(frame.body().remaining() <= RouterWire.MAX_BODY, "a body over the bound");
            try {
                readBody(frame);
            } catch (ProtocolException e) {
                // The documented rejection of a malformed body; the stream goes on for the fuzzer's sake.
            }
        }
        throw new AssertionError("more frames than the input can hold");
    }

    private static void readBody(RouterWire.Frame frame) throws ProtocolException {
        ByteBuffer body = frame.body();
        switch (frame.type()) {
            case HELLO -> {
                RouterWire.Hello hello = RouterWire.readHello(body);
                RouterWire.Hello again = RouterWire.readHello(
                        RouterWire.hello(hello.address(), hello.protocols(), hello.reusePort()));
                assertEquals(new RouterWire.Hello(RouterWire.VERSION, hello.reusePort(), hello.address(),
                        hello.protocols()), again, "HELLO round trip");
            }
            case WELCOME -> {
                RouterRegistration registration = RouterRegistration.decode(body);
                assertEquals(registration, RouterRegistration.decode(registration.encode()), "WELCOME round trip");
            }
            case DATAGRAM -> {
                RouterWire.getAddress(body);
                RouterWire.getAddress(body);
            }
            case REFUSED, WITHDRAW -> {
                // Bodies read as free text or not at all.
            }
        }
    }
}
