package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import qsock.api.Role;
import qsock.core.error.QuicProtocolException;
import qsock.core.frame.Frame;
import qsock.core.frame.FrameDecoder;
import qsock.core.frame.ResetStreamFrame;
import qsock.core.frame.StreamFrame;
import qsock.core.packet.PacketType;

/** {@link StreamManager#writeFile}: file regions under the send bounds, in packets, and a file that fails. */
class StreamManagerSendFileTest {

    @TempDir
    Path dir;

    private final RecordingSink sink = new RecordingSink();

    /** Streams buffer 2000 bytes for sending, the connection 3000; the peer allows 1000 per stream at first. */
    private static StreamManager client() {
        StreamManager m = new StreamManager(Role.CLIENT,
                new StreamConfig(3000, 1000, 1000, 1000, 4, 4, 12_000, 4000, 2000, 3000, 64));
        m.setPeerLimits(1 << 20, 1000, 1000, 1000, 4, 4);
        return m;
    }

    private List<Frame> flush(StreamManager m) throws QuicProtocolException {
        List<Frame> frames = new ArrayList<>();
        for (int packets = 0; m.hasPendingFrames(); packets++) {
            assertTrue(packets < 1000, "writeFrames makes no progress");
            ByteBuffer p = ByteBuffer.allocate(600);
            int n = m.writeFrames(p, 600, sink, 0);
            if (n == 0) {
                break; // only data held back by flow control is left
            }
            p.flip();
            FrameDecoder.decodeAll(p, PacketType.ONE_RTT, frames);
        }
        return frames;
    }

    private FileChannel file(byte[] content) throws IOException {
        Path path = dir.resolve("f" + content.length);
        Files.write(path, content);
        return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    private static byte[] content(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    /** Appends the STREAM frames of {@code id} to {@code out} in order (they come in order here). */
    private static void collect(List<Frame> frames, long id, ByteArrayOutputStream out) {
        for (Frame f : frames) {
            if (f instanceof StreamFrame s && s.streamId() == id) {
                assertEquals(out.size(), s.offset(), "frames in order");
                ByteBuffer d = s.data();
                byte[] b = new byte[d.remaining()];
                d.get(b);
                out.write(b, 0, b.length);
            }
        }
    }

    @Test
    void regionsAndCopiedBytesShareTheBoundsAndLeaveInPacketsInStreamOrder() throws Exception {
        StreamManager m = client();
        byte[] content = content(10_000);
        try (FileChannel f = file(content)) {
            long a = m.openStream(true);
            long b = m.openStream(true);
            assertEquals(5, m.write(a, ByteBuffer.wrap("head:".getBytes()), false));
            assertEquals(1995, m.writeFile(a, f, 100, 5000, false), "the stream's buffer bounds the region");
            assertEquals(1000, m.writeFile(b, f, 0, 5000, true), "the connection's bound holds the rest back");
            assertEquals(3000, m.sendBuffered(), "regions count as buffered bytes");
            ByteArrayOutputStream outA = new ByteArrayOutputStream();
            ByteArrayOutputStream outB = new ByteArrayOutputStream();
            List<Frame> frames = flush(m);
            collect(frames, a, outA);
            collect(frames, b, outB);
            assertEquals(1000, outA.size(), "the peer's stream limit");
            byte[] expectedA = new byte[2000];
            System.arraycopy("head:".getBytes(), 0, expectedA, 0, 5);
            System.arraycopy(content, 100, expectedA, 5, 1995);
            assertArrayEquals(Arrays.copyOf(expectedA, 1000), outA.toByteArray());
            assertArrayEquals(Arrays.copyOf(content, 1000), outB.toByteArray());
            // Acknowledging frees room the next piece of the region takes.
            for (RecordingSink.Sent s : sink.take()) {
                s.acked(m);
            }
            assertEquals(1000, m.sendBuffered());
            assertEquals(500, m.writeFile(a, f, 2095, 3005, false),
                    "room freed takes more of the region, up to the stream's fair share while stream b waits");
            assertEquals(1500, m.sendBuffered());
            collect(flush(m), a, outA);
            assertEquals(1000, outA.size(), "the peer's limit still holds stream a at 1000");
            m.onMaxStreamData(a, 10_000);
            for (RecordingSink.Sent s : sink.take()) {
                s.acked(m);
            }
            collect(flush(m), a, outA);
            byte[] expected = new byte[2500];
            System.arraycopy("head:".getBytes(), 0, expected, 0, 5);
            System.arraycopy(content, 100, expected, 5, 2495);
            assertArrayEquals(expected, outA.toByteArray(), "copied bytes, then the region in two pieces");
        }
    }

    @Test
    void aTruncatedFileResetsTheStreamWithFileUnreadableAndTheNextWriteSaysWhy() throws Exception {
        StreamManager m = client();
        byte[] content = content(10_000);
        try (FileChannel f = file(content)) {
            long id = m.openStream(true);
            long other = m.openStream(true);
            assertEquals(1500, m.writeFile(id, f, 0, 1500, true));
            m.write(other, ByteBuffer.wrap(new byte[300]), true);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            collect(flush(m), id, out);
            assertEquals(1000, out.size(), "the peer's stream limit stops the stream at 1000");
            for (RecordingSink.Sent s : sink.take()) {
                s.acked(m);
            }
            f.truncate(0);
            m.onMaxStreamData(id, 5000);
            List<Frame> frames = flush(m);
            collect(frames, id, out);
            assertEquals(1000, out.size(), "nothing of a region the file no longer holds is sent");
            List<ResetStreamFrame> resets = new ArrayList<>();
            for (Frame fr : frames) {
                if (fr instanceof ResetStreamFrame r) {
                    resets.add(r);
                }
            }
            assertEquals(1, resets.size(), "RESET_STREAM: " + frames);
            assertEquals(id, resets.get(0).streamId());
            assertEquals(StreamManager.FILE_UNREADABLE, resets.get(0).applicationProtocolErrorCode());
            assertEquals(1000, resets.get(0).finalSize(), "the final size is what was sent");
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> m.writeFile(id, f, 0, 10, false));
            assertTrue(e.getMessage().contains("could not be read"), e.getMessage());
            assertTrue(f.isOpen(), "the file is the application's: it stays open");
            assertEquals(0, m.sendBuffered(), "the reset stream holds nothing any more");
            assertFalse(m.sendStream(id).isSending());
        }
    }
}
