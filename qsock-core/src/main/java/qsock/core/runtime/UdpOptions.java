package qsock.core.runtime;

/**
 * The UDP socket settings of an {@link IoEndpoint}.
 *
 * @param receiveBufferSize SO_RCVBUF in bytes; the kernel may cap it (net.core.rmem_max on Linux)
 * @param sendBufferSize SO_SNDBUF in bytes; the kernel may cap it (net.core.wmem_max on Linux)
 * @param reusePort SO_REUSEPORT, set before bind: the sockets of a listener's several I/O threads share its port
 *     ({@link IoEndpointGroup}), and the kernel spreads datagrams over them by the hash of their addresses
 */
public record UdpOptions(int receiveBufferSize, int sendBufferSize, boolean reusePort) {

    /** 4 MiB each way: a window of a fast path's datagrams survives a scheduling hiccup of the I/O thread. */
    public static final int DEFAULT_BUFFER_SIZE = 4 << 20;

    /** Checks the sizes. */
    public UdpOptions {
        if (receiveBufferSize <= 0 || sendBufferSize <= 0) {
            throw new IllegalArgumentException("UDP buffer sizes must be positive: " + receiveBufferSize + ", "
                    + sendBufferSize);
        }
    }

    /** Settings of a socket that shares its port with none. */
    public UdpOptions(int receiveBufferSize, int sendBufferSize) {
        this(receiveBufferSize, sendBufferSize, false);
    }

    /** {@return 4 MiB buffers both ways} */
    public static UdpOptions defaults() {
        return new UdpOptions(DEFAULT_BUFFER_SIZE, DEFAULT_BUFFER_SIZE);
    }

    /** {@return these settings with SO_REUSEPORT on or off} */
    public UdpOptions withReusePort(boolean on) {
        return new UdpOptions(receiveBufferSize, sendBufferSize, on);
    }
}
