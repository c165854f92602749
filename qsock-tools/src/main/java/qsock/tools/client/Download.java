package qsock.tools.client;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * One response being saved: its body goes to a temporary file beside the final one, which it replaces only
 * when the server's FIN arrived, so that a download that fails (a reset, a lost connection, a full disk)
 * leaves no partial file under the final name and an older file there intact (issue 9, finding 9).
 */
final class Download {

    /** Room left for the temporary file's random part and suffix within a file name's usual 255 bytes. */
    private static final int MAX_PREFIX = 100;
    private static final SecureRandom RANDOM = new SecureRandom();

    final HqUrl url;
    final long streamId;
    private final Path target;
    private final Path temporary;
    private final FileChannel out;
    private final MessageDigest sha256;
    private final long startNanos;
    private long received;

    private Download(HqUrl url, long streamId, Path target, Path temporary, FileChannel out, long startNanos) {
        this.url = url;
        this.streamId = streamId;
        this.target = target;
        this.temporary = temporary;
        this.out = out;
        this.sha256 = HqClient.sha256();
        this.startNanos = startNanos;
    }

    /** Creates the temporary file for {@code url}'s body in {@code directory}. */
    static Download start(HqUrl url, long streamId, Path directory, long startNanos) throws IOException {
        Path target = directory.resolve(url.fileName());
        String name = url.fileName();
        String prefix = "." + (name.length() > MAX_PREFIX ? name.substring(0, MAX_PREFIX) : name) + ".";
        // Not Files.createTempFile: its files are private to the owner, and the temporary file becomes the
        // download, which should get the permissions any new file gets (the umask's).
        for (int attempt = 0; ; attempt++) {
            Path temporary = directory.resolve(prefix + Long.toHexString(RANDOM.nextLong() >>> 1) + ".part");
            FileChannel out;
            try {
                out = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                if (attempt < 10) {
                    continue;
                }
                throw e;
            }
            return new Download(url, streamId, target, temporary, out, startNanos);
        }
    }

    /** Writes the body bytes in {@code data}, position to limit. */
    void write(ByteBuffer data) throws IOException {
        sha256.update(data.duplicate());
        received += data.remaining();
        while (data.hasRemaining()) {
            out.write(data);
        }
    }

    /** {@return the body bytes so far} */
    long received() {
        return received;
    }

    /** The server's FIN arrived: the file takes its final name. {@return what was fetched} */
    FetchResult complete(long nowNanos) throws IOException {
        try {
            out.close();
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            abandon();
            throw e;
        }
        return new FetchResult(url, target, received, nowNanos - startNanos, sha256.digest(), -1);
    }

    /** The server reset the response: nothing is kept. {@return the refusal} */
    FetchResult refused(long errorCode, long nowNanos) {
        abandon();
        return new FetchResult(url, null, received, nowNanos - startNanos, null, errorCode);
    }

    /** Closes and deletes the temporary file, whatever state it is in. */
    void abandon() {
        try {
            out.close();
        } catch (IOException e) {
            // Deleted below all the same.
        }
        try {
            Files.deleteIfExists(temporary);
        } catch (IOException e) {
            // Nothing more to do: it is not under the final name.
        }
    }
}
