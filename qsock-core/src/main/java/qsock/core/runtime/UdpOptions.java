package qsock.core.runtime;

/**
 * The UDP socket settings of an {@link IoEndpoint}.
 *
 * @param receiveBufferSize SO_RCVBUF in bytes; the kernel may cap it (net.core.rmem_max on Linux)
 * @param sendBufferSize SO_SNDBUF in bytes; the kernel may cap it (net.core.wmem_max on Linux)
 */
public record UdpOptions(int receiveBufferSize, int sendBufferSize) {

    /** 4 MiB each way: a window of a fast path's datagrams survives a scheduling hiccup of the I/O thread. */
    public static final int DEFAULT_BUFFER_SIZE = 4 << 20;

    /** Checks the sizes. */
    public UdpOptions {
        if (receiveBufferSize <= 0 || sendBufferSize <= 0) {
            throw new IllegalArgumentException("UDP buffer sizes must be positive: " + receiveBufferSize + ", "
                    + sendBufferSize);
        }
    }

    /** {@return 4 MiB buffers both ways} */
    public static UdpOptions defaults() {
        return new UdpOptions(DEFAULT_BUFFER_SIZE, DEFAULT_BUFFER_SIZE);
    }
}
