package qsock.tools.perf;

/**
 * The wire protocol of {@code qsock perf}, on bidirectional streams the client opens. The stream's first byte
 * says what the stream measures:
 * <ul>
 * <li>{@link #THROUGHPUT} {@code 'T'}: the client sends bytes until FIN; the server counts them and, at the
 *     FIN, answers with the count as an 8-byte big-endian integer and its own FIN. The client's clock runs from
 *     its first byte to that answer, so every byte is counted as delivered.</li>
 * <li>{@link #REQUEST_RESPONSE} {@code 'R'}: the server echoes every byte that follows, FIN after FIN; the client
 *     sends a request, waits for as many bytes back, and times each round trip.</li>
 * </ul>
 */
public final class PerfProtocol {

    /** The ALPN protocol name. */
    public static final String ALPN = "qsock-perf";
    /** The first byte of a throughput stream. */
    public static final byte THROUGHPUT = 'T';
    /** The first byte of a request/response stream. */
    public static final byte REQUEST_RESPONSE = 'R';
    /** A stream starting with another byte is reset with this code. */
    public static final long UNKNOWN_MODE = 1;

    private PerfProtocol() {}
}
