package qsock.core.runtime.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc calls the batched UDP runtime makes, as FFM downcalls (Linux, x86-64 and aarch64 share these
 * signatures and struct layouts): socket, bind, getsockname, setsockopt, sendmmsg, recvmmsg, close. Each call captures
 * errno, so that a failure says why ({@link #error}). Looked up once; {@link #AVAILABLE} is false where a symbol is
 * missing or native access is refused, and the NIO runtime is used instead.
 */
final class Libc {

    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_DGRAM = 2;
    static final int SOL_SOCKET = 1;
    static final int SO_RCVBUF = 8;
    static final int SO_SNDBUF = 7;
    static final int SOL_UDP = 17;
    /** UDP generic segmentation offload: one send of up to 64 segments of one size (linux/udp.h). */
    static final int UDP_SEGMENT = 103;
    /** UDP generic receive offload: one receive of coalesced same-size datagrams (linux/udp.h). */
    static final int UDP_GRO = 104;
    static final int MSG_DONTWAIT = 0x40;
    static final int EAGAIN = 11;
    static final int EINTR = 4;

    /** struct sockaddr_in: family (2), port (2, network order), address (4), zero (8). */
    static final long SOCKADDR_IN_SIZE = 16;
    /** struct sockaddr_in6: family (2), port (2), flow info (4), address (16), scope id (4). */
    static final long SOCKADDR_IN6_SIZE = 28;
    /** struct iovec: base pointer, length. */
    static final long IOVEC_SIZE = 16;
    /** struct msghdr on LP64: name, namelen (+4), iov, iovlen, control, controllen, flags (+4). */
    static final long MSGHDR_SIZE = 56;
    static final long MSG_NAME = 0;
    static final long MSG_NAMELEN = 8;
    static final long MSG_IOV = 16;
    static final long MSG_IOVLEN = 24;
    static final long MSG_CONTROL = 32;
    static final long MSG_CONTROLLEN = 40;
    static final long MSG_FLAGS = 48;
    /** struct mmsghdr: a msghdr and the bytes sent or received (+4 padding). */
    static final long MMSGHDR_SIZE = 64;
    static final long MMSG_LEN = 56;
    /** struct cmsghdr on LP64: length (8), level (4), type (4), then the data, aligned to 8. */
    static final long CMSG_HEADER = 16;

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static final boolean AVAILABLE;
    private static final String UNAVAILABLE_REASON;
    private static final MethodHandle SOCKET;
    private static final MethodHandle BIND;
    private static final MethodHandle GETSOCKNAME;
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle SENDMMSG;
    private static final MethodHandle RECVMMSG;
    private static final MethodHandle CLOSE;

    static {
        MethodHandle socket = null;
        MethodHandle bind = null;
        MethodHandle getsockname = null;
        MethodHandle setsockopt = null;
        MethodHandle sendmmsg = null;
        MethodHandle recvmmsg = null;
        MethodHandle close = null;
        String reason = null;
        try {
            if (!System.getProperty("os.name", "").startsWith("Linux")) {
                throw new UnsupportedOperationException("not Linux: " + System.getProperty("os.name"));
            }
            socket = downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
            bind = downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
            getsockname = downcall("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
            setsockopt = downcall("setsockopt",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
            sendmmsg = downcall("sendmmsg", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
            recvmmsg = downcall("recvmmsg",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
            close = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        } catch (RuntimeException | LinkageError e) {
            // IllegalCallerException when native access is refused; NoSuchElementException for a missing symbol.
            reason = e.toString();
        }
        AVAILABLE = reason == null;
        UNAVAILABLE_REASON = reason;
        SOCKET = socket;
        BIND = bind;
        GETSOCKNAME = getsockname;
        SETSOCKOPT = setsockopt;
        SENDMMSG = sendmmsg;
        RECVMMSG = recvmmsg;
        CLOSE = close;
    }

    private Libc() {}

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        Linker linker = Linker.nativeLinker();
        MemorySegment symbol = linker.defaultLookup().find(name).orElseThrow();
        // The first argument of every handle is then the segment errno is captured into.
        return linker.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"));
    }

    /** {@return why the downcalls are not available, or null if they are} */
    static String unavailableReason() {
        return UNAVAILABLE_REASON;
    }

    /** {@return a segment for {@code errno} captures, from {@code arena}} */
    static MemorySegment errnoSegment(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    /** {@return the errno the last call captured into {@code state}} */
    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** {@return an IOException naming the call and its errno} */
    static IOException error(String call, MemorySegment state) {
        return new IOException(call + " failed: errno " + errno(state));
    }

    static int socket(MemorySegment state, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(state, domain, type, protocol);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int bind(MemorySegment state, int fd, MemorySegment address, int length) {
        try {
            return (int) BIND.invokeExact(state, fd, address, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getsockname(MemorySegment state, int fd, MemorySegment address, MemorySegment length) {
        try {
            return (int) GETSOCKNAME.invokeExact(state, fd, address, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int setsockopt(MemorySegment state, int fd, int level, int name, MemorySegment value, int length) {
        try {
            return (int) SETSOCKOPT.invokeExact(state, fd, level, name, value, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int sendmmsg(MemorySegment state, int fd, MemorySegment messages, int count, int flags) {
        try {
            return (int) SENDMMSG.invokeExact(state, fd, messages, count, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int recvmmsg(MemorySegment state, int fd, MemorySegment messages, int count, int flags) {
        try {
            return (int) RECVMMSG.invokeExact(state, fd, messages, count, flags, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int close(MemorySegment state, int fd) {
        try {
            return (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
