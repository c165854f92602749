package qsock.tls.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.SplittableRandom;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import qsock.api.ConnectionConfig;
import qsock.core.error.StreamResetException;
import qsock.socket.FlowControlBlockedException;
import qsock.socket.QuicSocket;
import qsock.socket.StreamClosedException;
import qsock.socket.StreamFlags;
import qsock.socket.StreamMessage;
import qsock.socket.WouldBlockException;

/**
 * {@link QuicSocket#sendFile} on real sockets: a file's bytes arrive whole through send buffers far smaller than
 * the file, a region in the middle of a file, DONTWAIT on a full buffer, and a file the application truncates or
 * closes while its region is queued.
 */
class QuicSocketSendFileTest {

    private static final int FILE_SIZE = 4 << 20;

    @TempDir
    Path dir;

    private Path file(int size) throws IOException {
        byte[] content = new byte[size];
        new SplittableRandom(size).nextBytes(content);
        Path path = dir.resolve("file-" + size);
        Files.write(path, content);
        return path;
    }

    private static byte[] digest(Path path, long position, int count) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] all = Files.readAllBytes(path);
        md.update(all, (int) position, count);
        return md.digest();
    }

    /** Receives stream {@code id} to its FIN on {@code s}; {@return the digest and length of what came} */
    private static Received receiveAll(QuicSocket s, long maxBytes) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        ByteBuffer buf = ByteBuffer.allocate(64 << 10);
        long total = 0;
        // Each receive takes at least one byte or the FIN: bounded by the bytes sent.
        for (long calls = 0; calls <= maxBytes + 1; calls++) {
            buf.clear();
            StreamMessage m = s.receive(buf);
            buf.flip();
            md.update(buf);
            total += m.length();
            if (m.fin()) {
                return new Received(md.digest(), total, m.streamId());
            }
        }
        throw new AssertionError("no FIN after " + total + " bytes");
    }

    private record Received(byte[] digest, long length, long streamId) {}

    /** Send buffers of 256 KiB per stream and 512 KiB per connection: a file of 4 MiB goes in many pieces. */
    private static ConnectionConfig smallBuffers() {
        return ConnectionConfig.builder().streamSendBufferSize(256 << 10).connectionSendBufferSize(512 << 10).build();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFileOfSeveralMibArrivesByteForByteWithFin() throws Exception {
        Path path = file(FILE_SIZE);
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             Loopback.Connection c = loopback.connect(smallBuffers());
             FileChannel f = FileChannel.open(path, StandardOpenOption.READ)) {
            Future<Received> received = loopback.background(() -> receiveAll(c.server(), FILE_SIZE));
            long sent = c.client().sendFile(f, 0, FILE_SIZE, -1, StreamFlags.NEW | StreamFlags.FIN);
            assertEquals(FILE_SIZE, sent, "a blocking sendFile takes the whole file, piece by piece");
            Received r = received.get(50, TimeUnit.SECONDS);
            assertEquals(FILE_SIZE, r.length());
            assertArrayEquals(digest(path, 0, FILE_SIZE), r.digest(), "the file arrives byte for byte");
            assertTrue(f.isOpen(), "qsock leaves the application's file open");
            assertEquals(FILE_SIZE, f.size());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRegionInTheMiddleOfAFileAfterOrdinaryBytesArrivesWhole() throws Exception {
        Path path = file(FILE_SIZE);
        long position = 1_000_003;
        int count = 777_777;
        try (Loopback loopback = Loopback.listen("127.0.0.1");
             Loopback.Connection c = loopback.connect(smallBuffers());
             FileChannel f = FileChannel.open(path, StandardOpenOption.READ)) {
            Future<Received> received = loopback.background(() -> receiveAll(c.server(), count + 5));
            byte[] head = "head:".getBytes();
            long id = c.client().openStream(0);
            c.client().send(ByteBuffer.wrap(head), id, 0);
            assertEquals(count, c.client().sendFile(f, position, count, id, StreamFlags.FIN));
            Received r = received.get(50, TimeUnit.SECONDS);
            assertEquals(id, r.streamId());
            assertEquals(count + head.length, r.length());
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(head);
            md.update(Files.readAllBytes(path), (int) position, count);
            assertArrayEquals(md.digest(), r.digest(), "the ordinary bytes, then exactly the region");
            assertThrows(StreamClosedException.class, () -> c.client().sendFile(f, 0, 1, id, 0),
                    "the stream is finished");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void dontWaitOnAFullBufferThrowsAsSendDoes() throws Exception {
        Path path = file(FILE_SIZE);
        // The server reads nothing and lets the client send 64 KiB per stream: the client's buffer fills.
        ConnectionConfig server = ConnectionConfig.builder().initialMaxStreamData(64 << 10).build();
        try (Loopback loopback = Loopback.listen("127.0.0.1", server, 4);
             Loopback.Connection c = loopback.connect(smallBuffers());
             FileChannel f = FileChannel.open(path, StandardOpenOption.READ)) {
            QuicSocket client = c.client();
            long id = client.openStream(0);
            long taken = client.sendFile(f, 0, FILE_SIZE, id, StreamFlags.DONTWAIT);
            assertEquals(256 << 10, taken, "DONTWAIT takes what the stream's buffer holds and returns");
            // Until the 64 KiB the server allows are sent and acknowledged, a refusal may be the congestion
            // window's (WouldBlockException) and acknowledgements free room: take it until the buffer holds
            // all it can for good (its 256 KiB beyond the 64 KiB acknowledged) and the peer's flow control refuses.
            long[] position = {taken};
            WouldBlockException fileRefused = refuseUntilFlowControl(
                    () -> position[0] += client.sendFile(f, position[0], FILE_SIZE - position[0], id,
                            StreamFlags.DONTWAIT),
                    () -> position[0] == (256 << 10) + (64 << 10));
            long queued = client.sendBuffered();
            WouldBlockException sendRefused = assertThrows(WouldBlockException.class,
                    () -> client.send(ByteBuffer.allocate(1), id, StreamFlags.DONTWAIT));
            assertEquals(sendRefused.getClass(), fileRefused.getClass(), "the same refusal as send's");
            assertThrows(FlowControlBlockedException.class,
                    () -> client.sendFile(f, position[0], 1, id, StreamFlags.DONTWAIT), "and again");
            assertEquals(queued, client.sendBuffered(), "the refused calls queued nothing");
            assertThrows(IllegalArgumentException.class, () -> client.sendFile(f, FILE_SIZE - 10, 11, id, 0),
                    "a region beyond the file's end");
            assertThrows(IllegalArgumentException.class, () -> client.sendFile(f, 0, 0, id, 0),
                    "an empty region without FIN");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBlockedSendFileWhoseFileIsTruncatedThrowsStreamClosed() throws Exception {
        Path path = file(FILE_SIZE);
        ConnectionConfig server = ConnectionConfig.builder().initialMaxStreamData(64 << 10).build();
        try (Loopback loopback = Loopback.listen("127.0.0.1", server, 4);
             Loopback.Connection c = loopback.connect(smallBuffers());
             FileChannel f = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            QuicSocket client = c.client();
            long id = client.openStream(0);
            // Blocks: the stream's buffer takes 256 KiB, the server lets 64 KiB through and reads nothing yet.
            Future<Long> sending = loopback.background(() -> client.sendFile(f, 0, FILE_SIZE, id, StreamFlags.FIN));
            Waits.until("the stream's buffer is full", () -> client.sendBuffered() >= 256 << 10);
            f.truncate(0);
            // The server reads, opening its window: the next packets would read what the file no longer has.
            ByteBuffer buf = ByteBuffer.allocate(64 << 10);
            StreamResetException reset = null;
            for (int calls = 0; calls < 10_000 && reset == null; calls++) {
                try {
                    c.server().receive(buf.clear());
                } catch (StreamResetException e) {
                    reset = e;
                }
            }
            assertTrue(reset != null, "the stream is reset");
            assertEquals(QuicSocket.FILE_UNREADABLE, reset.errorCode());
            java.util.concurrent.ExecutionException failed = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> sending.get(30, TimeUnit.SECONDS));
            assertTrue(failed.getCause() instanceof StreamClosedException, "the blocked call ends: " + failed.getCause());
            assertTrue(failed.getCause().getMessage().contains("could not be read"), failed.getCause().getMessage());
        }
    }

    /** A call that queues or throws. */
    private interface Call {
        void run() throws Exception;
    }

    /**
     * {@return the first refusal of {@code call} by the peer's flow control once {@code full} holds, retried within a
     * bound}
     */
    private static WouldBlockException refuseUntilFlowControl(Call call, java.util.function.BooleanSupplier full)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (int calls = 0; calls < 1_000_000 && System.nanoTime() < deadline; calls++) {
            try {
                call.run();
            } catch (FlowControlBlockedException e) {
                if (full.getAsBoolean()) {
                    return e;
                }
                Thread.sleep(1); // acknowledgements still due
            } catch (WouldBlockException e) {
                Thread.sleep(1); // in flight: wait for the acknowledgements
            }
        }
        throw new AssertionError("never refused by flow control");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFileTruncatedWhileQueuedResetsTheStreamWithFileUnreadable() throws Exception {
        fileFailsWhileQueued(true);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFileClosedWhileQueuedResetsTheStreamWithFileUnreadable() throws Exception {
        fileFailsWhileQueued(false);
    }

    /**
     * Queues 1 MiB of a file while the receiver allows 64 KiB and reads nothing, then truncates the file to 100 KiB
     * or closes it: the receiver gets what the file still had, then the reset; the connection goes on.
     */
    private void fileFailsWhileQueued(boolean truncate) throws Exception {
        Path path = file(FILE_SIZE);
        ConnectionConfig server = ConnectionConfig.builder().initialMaxStreamData(64 << 10).build();
        try (Loopback loopback = Loopback.listen("127.0.0.1", server, 4);
             Loopback.Connection c = loopback.connect()) {
            QuicSocket client = c.client();
            FileChannel f = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            long id = client.openStream(0);
            assertEquals(1 << 20, client.sendFile(f, 0, 1 << 20, id, StreamFlags.FIN | StreamFlags.DONTWAIT));
            if (truncate) {
                f.truncate(100 << 10);
            } else {
                f.close();
            }
            ByteBuffer buf = ByteBuffer.allocate(64 << 10);
            long received = 0;
            StreamResetException reset = null;
            for (int calls = 0; calls < 10_000 && reset == null; calls++) {
                buf.clear();
                try {
                    StreamMessage m = c.server().receive(buf);
                    assertFalse(m.fin(), "the FIN of a region the file no longer holds is never sent");
                    received += m.length();
                } catch (StreamResetException e) {
                    reset = e;
                }
            }
            assertTrue(reset != null, "the stream is reset");
            assertEquals(id, reset.streamId());
            assertEquals(QuicSocket.FILE_UNREADABLE, reset.errorCode());
            assertTrue(received <= (truncate ? 100 << 10 : 64 << 10),
                    "what the file still supplied (and the first flush sent) arrives, nothing more: " + received);
            StreamClosedException closed = assertThrows(StreamClosedException.class,
                    () -> client.send(ByteBuffer.allocate(1), id, 0));
            assertTrue(closed.getMessage().contains("could not be read"), closed.getMessage());
            if (truncate) {
                assertTrue(f.isOpen(), "qsock does not close the application's file");
                f.close();
            }
            // The connection and its other streams go on.
            client.send(ByteBuffer.wrap(new byte[] {42}), -1, StreamFlags.NEW | StreamFlags.FIN);
            buf.clear();
            StreamMessage m = c.server().receive(buf);
            assertEquals(1, m.length());
            assertEquals(42, buf.get(0));
        }
    }
}
