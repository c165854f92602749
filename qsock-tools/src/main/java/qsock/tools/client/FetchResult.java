package qsock.tools.client;

import java.nio.file.Path;
import java.util.HexFormat;
import qsock.tools.term.Units;

/**
 * What fetching one URL gave.
 *
 * @param url the URL
 * @param file where the body was saved, or null when the server refused the request
 * @param bytes the body's length
 * @param nanos from sending the request to the response's FIN (or its reset)
 * @param sha256 the body's SHA-256, or null when refused
 * @param resetCode the stream error code when the server reset the response (404 is 0x194), else -1
 */
public record FetchResult(HqUrl url, Path file, long bytes, long nanos, byte[] sha256, long resetCode) {

    /** {@return true if the server sent the whole body} */
    public boolean ok() {
        return resetCode < 0;
    }

    /** {@return one line for the terminal: path, size, time, throughput and hash, or the refusal} */
    public String describe() {
        if (!ok()) {
            return url.path() + ": refused, stream reset with code 0x" + Long.toHexString(resetCode)
                    + (resetCode == qsock.tools.hq.HqInterop.NOT_FOUND ? " (not found)" : "");
        }
        return url.path() + " -> " + file + ": " + Units.bytes(bytes) + " in " + Units.duration(nanos) + ", "
                + Units.rate(bytes, nanos) + ", sha256 " + HexFormat.of().formatHex(sha256);
    }
}
