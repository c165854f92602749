package qsock.core.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@link SendBuffer} holding regions of files beside copied bytes ({@code QuicSocket.sendFile}'s buffer). */
class SendBufferFileRegionTest {

    private static final int FILE_SIZE = 100_000;

    @TempDir
    Path dir;
    private Path path;
    private byte[] content;
    private FileChannel file;

    @BeforeEach
    void createFile() throws IOException {
        content = new byte[FILE_SIZE];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 131 + (i >> 8));
        }
        path = dir.resolve("data");
        Files.write(path, content);
        file = FileChannel.open(path, StandardOpenOption.READ);
    }

    @AfterEach
    void closeFile() throws IOException {
        file.close();
    }

    private static byte[] read(SendBuffer b, long offset, int length) {
        ByteBuffer dst = ByteBuffer.allocate(length + 10);
        dst.position(5);
        b.write(dst, offset, length);
        assertEquals(5 + length, dst.position(), "write advances the packet by the bytes written");
        assertEquals(length + 10, dst.limit(), "write leaves the packet's limit as it was");
        return Arrays.copyOfRange(dst.array(), 5, 5 + length);
    }

    private byte[] fileBytes(long position, int length) {
        return Arrays.copyOfRange(content, (int) position, (int) position + length);
    }

    @Test
    void aRegionIsReadFromTheFileAtSendTimeNotCopiedWhenAppended() throws IOException {
        SendBuffer b = new SendBuffer(1 << 20);
        assertEquals(FILE_SIZE, b.appendFile(file, 0, FILE_SIZE, Integer.MAX_VALUE));
        assertEquals(0, b.chunksHeld(), "a file region takes no storage of the buffer's own");
        assertEquals(1, b.fileRegionsHeld());
        assertEquals(FILE_SIZE, b.held(), "the region counts as held bytes");
        // The file changes after the append: the packet gets what the file holds when it is built.
        FileChannel writer = FileChannel.open(path, StandardOpenOption.WRITE);
        writer.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 10);
        writer.close();
        content[10] = 1;
        content[11] = 2;
        content[12] = 3;
        assertArrayEquals(fileBytes(0, 1200), read(b, 0, 1200));
        b.onSent(0, 1200);
    }

    @Test
    void aRegionSplitAcrossFramesIsSentLostSentAgainAndAcknowledged() {
        SendBuffer b = new SendBuffer(1 << 20);
        long position = 12_345;
        int count = 10_000;
        b.appendFile(file, position, count, Integer.MAX_VALUE);
        // Frames of 1,200 bytes, the last one short.
        for (long off = 0; off < count; off += 1200) {
            int n = (int) Math.min(1200, count - off);
            assertEquals(off, b.nextSendOffset());
            assertArrayEquals(fileBytes(position + off, n), read(b, off, n), "frame at " + off);
            b.onSent(off, n);
        }
        assertEquals(-1, b.nextSendOffset());
        b.onAcked(0, 2400);
        b.onLost(2400, 1200);
        b.onAcked(3600, count - 3600);
        assertEquals(2400, b.nextSendOffset(), "the lost frame waits to be sent again");
        assertEquals(3600, b.nextSendEnd());
        // Sent again in two smaller frames, read from the file again.
        assertArrayEquals(fileBytes(position + 2400, 700), read(b, 2400, 700));
        b.onSent(2400, 700);
        assertArrayEquals(fileBytes(position + 3100, 500), read(b, 3100, 500));
        b.onSent(3100, 500);
        assertEquals(1, b.fileRegionsHeld());
        b.onAcked(2400, 1200);
        assertTrue(b.allAcked());
        assertEquals(0, b.fileRegionsHeld(), "an acknowledged region no longer references its file");
        assertEquals(0, b.held());
    }

    @Test
    void regionsAndCopiedBytesMixOnOneStreamInOrder() {
        SendBuffer b = new SendBuffer(1 << 20);
        byte[] head = "GET /x\r\n".getBytes();
        byte[] tail = new byte[3000];
        Arrays.fill(tail, (byte) 0x5a);
        b.append(ByteBuffer.wrap(head));
        b.appendFile(file, 100, 5000, Integer.MAX_VALUE);
        b.appendFile(file, 5100, 1000, Integer.MAX_VALUE);
        assertEquals(1, b.fileRegionsHeld(), "a region continuing the last one in the same file merges with it");
        b.append(ByteBuffer.wrap(tail));
        b.appendFile(file, 0, 50, Integer.MAX_VALUE);
        assertEquals(2, b.fileRegionsHeld());
        byte[] expected = new byte[head.length + 6000 + tail.length + 50];
        System.arraycopy(head, 0, expected, 0, head.length);
        System.arraycopy(content, 100, expected, head.length, 6000);
        System.arraycopy(tail, 0, expected, head.length + 6000, tail.length);
        System.arraycopy(content, 0, expected, head.length + 6000 + tail.length, 50);
        assertEquals(expected.length, b.writeOffset());
        // Frames that straddle every boundary between copied bytes and regions.
        int frame = 1000;
        for (int off = 0; off < expected.length; off += frame) {
            int n = Math.min(frame, expected.length - off);
            assertArrayEquals(Arrays.copyOfRange(expected, off, off + n), read(b, off, n), "frame at " + off);
            b.onSent(off, n);
        }
        // One frame over the whole stream, as a retransmission of everything would be.
        b.onLost(0, expected.length);
        assertArrayEquals(expected, read(b, 0, expected.length));
        b.onSent(0, expected.length);
        b.onAcked(0, head.length + 6000);
        assertEquals(1, b.fileRegionsHeld(), "the first region went with its acknowledgement");
        b.onAcked(0, expected.length);
        assertEquals(0, b.fileRegionsHeld());
    }

    @Test
    void aRegionCountsAgainstTheCapacityAndIsTakenInPiecesAsRoomFrees() {
        SendBuffer b = new SendBuffer(16_384);
        b.append(ByteBuffer.allocate(384));
        long taken = b.appendFile(file, 0, FILE_SIZE, Integer.MAX_VALUE);
        assertEquals(16_000, taken, "the region fills the room left, no more");
        assertEquals(0, b.available());
        assertEquals(0, b.appendFile(file, taken, FILE_SIZE - taken, Integer.MAX_VALUE), "a full buffer takes none");
        b.onSent(0, 16_384);
        b.onAcked(0, 4000);
        assertEquals(4000, b.appendFile(file, taken, FILE_SIZE - taken, Integer.MAX_VALUE),
                "acknowledged bytes make room for as much more");
    }

    @Test
    void theCallersCapLimitsARegionAndRoomFreedByAcknowledgementsTakesTheRest() {
        SendBuffer b = new SendBuffer(16_384);
        assertEquals(100, b.appendFile(file, 0, 50_000, 100), "the caller's cap (the connection's bound) holds");
        long position = 100;
        long sentBytes = 0;
        // Takes the rest of the file in pieces, as a blocking sendFile does while acknowledgements free room.
        for (int round = 0; round < 1000 && position < FILE_SIZE; round++) {
            position += b.appendFile(file, position, FILE_SIZE - position, Integer.MAX_VALUE);
            assertTrue(b.held() <= 16_384, "never more than the capacity held: " + b.held());
            long end = b.writeOffset();
            byte[] sent = read(b, sentBytes, (int) (end - sentBytes));
            assertArrayEquals(fileBytes(sentBytes, (int) (end - sentBytes)), sent);
            b.onSent(sentBytes, (int) (end - sentBytes));
            b.onAcked(sentBytes, (int) (end - sentBytes));
            sentBytes = end;
        }
        assertEquals(FILE_SIZE, position);
        assertTrue(b.allAcked());
        assertEquals(0, b.fileRegionsHeld());
    }

    @Test
    void aRegionOfAClosedOrTruncatedFileFailsToBeWrittenWithTheCause() throws IOException {
        SendBuffer b = new SendBuffer(1 << 20);
        b.appendFile(file, 0, FILE_SIZE, Integer.MAX_VALUE);
        read(b, 0, 1000);
        b.onSent(0, 1000);
        try (FileChannel writer = FileChannel.open(path, StandardOpenOption.WRITE)) {
            // At a page boundary (12 pages of 4 KiB): the mapping faults on every page past it.
            writer.truncate(49_152);
        }
        assertArrayEquals(fileBytes(1000, 1000), read(b, 1000, 1000), "what is left of the file still reads");
        ByteBuffer packet = ByteBuffer.allocate(2000);
        UncheckedIOException truncated = assertThrows(UncheckedIOException.class, () -> b.write(packet, 49_000, 1000));
        assertInstanceOf(EOFException.class, truncated.getCause());
        assertEquals(2000, packet.limit(), "the packet's limit is restored");

        file.close();
        UncheckedIOException closed = assertThrows(UncheckedIOException.class, () -> b.write(packet.clear(), 0, 10));
        assertInstanceOf(ClosedChannelException.class, closed.getCause());
    }

    @Test
    void anInterruptedThreadReadsTheFileWithoutClosingIt() {
        SendBuffer b = new SendBuffer(1 << 20);
        b.appendFile(file, 0, FILE_SIZE, Integer.MAX_VALUE);
        Thread.currentThread().interrupt();
        try {
            assertArrayEquals(fileBytes(0, 1000), read(b, 0, 1000));
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept for the caller");
        } finally {
            Thread.interrupted();
        }
        assertTrue(file.isOpen(), "the application's file stays open");
    }

    @Test
    void framesStraddlingTheMappedWindowsOfALargeFileReadTheRightBytes() throws IOException {
        int size = (int) FileRegions.WINDOW * 2 + 5000;
        byte[] large = new byte[size];
        new java.util.SplittableRandom(7).nextBytes(large);
        Path largePath = dir.resolve("large");
        Files.write(largePath, large);
        try (FileChannel f = FileChannel.open(largePath, StandardOpenOption.READ)) {
            SendBuffer b = new SendBuffer(Integer.MAX_VALUE);
            long position = 3;
            b.appendFile(f, position, size - position, Integer.MAX_VALUE);
            // First sends across each window boundary, then a retransmission back in the first window.
            for (long at : new long[] {FileRegions.WINDOW - 700, 2 * FileRegions.WINDOW - 3, 10, size - 1203}) {
                long offset = at - position;
                assertArrayEquals(Arrays.copyOfRange(large, (int) at, (int) at + 1200), read(b, offset, 1200),
                        "1200 bytes from file position " + at);
            }
        }
    }

    @Test
    void aDiscardedBufferDropsItsRegions() {
        SendBuffer b = new SendBuffer(1 << 20);
        b.appendFile(file, 0, FILE_SIZE, Integer.MAX_VALUE);
        b.onSent(0, 5000);
        b.discard();
        assertEquals(0, b.fileRegionsHeld());
        assertEquals(0, b.held());
        assertThrows(IllegalArgumentException.class, () -> b.appendFile(file, -1, 10, 10));
    }
}
