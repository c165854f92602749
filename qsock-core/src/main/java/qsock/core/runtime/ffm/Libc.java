package qsock.core.runtime.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

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
 * signatures and struct layouts): socket, bind, getsockname, setsockopt, getsockopt, sendmmsg, recvmmsg, close. Each
 * call captures errno, so that a failure says why ({@link #error}: an {@link ErrnoException} naming the call and the
 * errno's symbol and text, from a table of the errnos these calls give). Looked up once; {@link #AVAILABLE} is false
 * where a symbol is missing or native access is refused, and the NIO runtime is used instead.
 */
final class Libc {

    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_DGRAM = 2;
    static final int SOL_SOCKET = 1;
    static final int SO_RCVBUF = 8;
    static final int SO_SNDBUF = 7;
    static final int SO_REUSEPORT = 15;
    static final int SOL_UDP = 17;
    /** SOL_IP: IPv4 options, also on an IPv6 socket for its IPv4-mapped traffic. */
    static final int SOL_IP = 0;
    static final int SOL_IPV6 = 41;
    /** The TOS byte: a cmsg on send (int or byte), the cmsg IP_RECVTOS delivers (one byte). */
    static final int IP_TOS = 1;
    static final int IP_PKTINFO = 8;
    static final int IP_MTU_DISCOVER = 10;
    static final int IP_RECVERR = 11;
    static final int IP_RECVTOS = 13;
    /** Set DF, never fragment locally, and ignore the kernel's own path MTU cache (linux/in.h). */
    static final int IP_PMTUDISC_PROBE = 3;
    static final int IPV6_MTU_DISCOVER = 23;
    static final int IPV6_RECVPKTINFO = 49;
    static final int IPV6_PKTINFO = 50;
    static final int IPV6_RECVTCLASS = 66;
    static final int IPV6_TCLASS = 67;
    static final int IPV6_PMTUDISC_PROBE = 3;
    /** UDP generic segmentation offload: one send of up to 64 segments of one size (linux/udp.h). */
    static final int UDP_SEGMENT = 103;
    /** UDP generic receive offload: one receive of coalesced same-size datagrams (linux/udp.h). */
    static final int UDP_GRO = 104;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_CTRUNC = 0x8;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EINVAL = 22;
    static final int EMSGSIZE = 90;
    static final int EADDRINUSE = 98;
    static final int ENETUNREACH = 101;
    static final int ECONNREFUSED = 111;
    static final int EHOSTDOWN = 112;
    static final int EHOSTUNREACH = 113;

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
    /** struct in_pktinfo: interface index (4), local address ipi_spec_dst (4), header destination ipi_addr (4). */
    static final long IN_PKTINFO_SIZE = 12;
    /** struct in6_pktinfo: address (16), interface index (4). */
    static final long IN6_PKTINFO_SIZE = 20;

    /** Linux's errno values on x86-64 and aarch64 (asm-generic/errno*.h), with their symbols and strerror texts. */
    private static final String[][] ERRNOS = new String[134][];

    static {
        String[][] known = {
            {"1", "EPERM", "Operation not permitted"}, {"4", "EINTR", "Interrupted system call"},
            {"5", "EIO", "Input/output error"}, {"9", "EBADF", "Bad file descriptor"},
            {"11", "EAGAIN", "Resource temporarily unavailable"}, {"12", "ENOMEM", "Cannot allocate memory"},
            {"13", "EACCES", "Permission denied"}, {"14", "EFAULT", "Bad address"},
            {"22", "EINVAL", "Invalid argument"}, {"23", "ENFILE", "Too many open files in system"},
            {"24", "EMFILE", "Too many open files"}, {"32", "EPIPE", "Broken pipe"},
            {"71", "EPROTO", "Protocol error"}, {"88", "ENOTSOCK", "Socket operation on non-socket"},
            {"89", "EDESTADDRREQ", "Destination address required"}, {"90", "EMSGSIZE", "Message too long"},
            {"92", "ENOPROTOOPT", "Protocol not available"}, {"93", "EPROTONOSUPPORT", "Protocol not supported"},
            {"95", "EOPNOTSUPP", "Operation not supported"},
            {"97", "EAFNOSUPPORT", "Address family not supported by protocol"},
            {"98", "EADDRINUSE", "Address already in use"},
            {"99", "EADDRNOTAVAIL", "Cannot assign requested address"}, {"100", "ENETDOWN", "Network is down"},
            {"101", "ENETUNREACH", "Network is unreachable"}, {"104", "ECONNRESET", "Connection reset by peer"},
            {"105", "ENOBUFS", "No buffer space available"}, {"111", "ECONNREFUSED", "Connection refused"},
            {"112", "EHOSTDOWN", "Host is down"}, {"113", "EHOSTUNREACH", "No route to host"},
        };
        for (String[] e : known) {
            ERRNOS[Integer.parseInt(e[0])] = new String[] {e[1], e[2]};
        }
    }

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static final boolean AVAILABLE;
    private static final String UNAVAILABLE_REASON;
    private static final MethodHandle SOCKET;
    private static final MethodHandle BIND;
    private static final MethodHandle CONNECT;
    private static final MethodHandle GETSOCKNAME;
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle GETSOCKOPT;
    private static final MethodHandle SENDMMSG;
    private static final MethodHandle RECVMMSG;
    private static final MethodHandle CLOSE;

    static {
        MethodHandle socket = null;
        MethodHandle bind = null;
        MethodHandle connect = null;
        MethodHandle getsockname = null;
        MethodHandle setsockopt = null;
        MethodHandle getsockopt = null;
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
            connect = downcall("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
            getsockname = downcall("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
            setsockopt = downcall("setsockopt",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
            getsockopt = downcall("getsockopt",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
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
        CONNECT = connect;
        GETSOCKNAME = getsockname;
        SETSOCKOPT = setsockopt;
        GETSOCKOPT = getsockopt;
        SENDMMSG = sendmmsg;
        RECVMMSG = recvmmsg;
        CLOSE = close;
    }

    private Libc() {}

    /** {@return a downcall handle to libc's {@code name}, errno captured into the segment passed first} */
    static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
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

    /** {@return an exception naming the call and the errno it captured into {@code state}} */
    static ErrnoException error(String call, MemorySegment state) {
        return new ErrnoException(call, errno(state), null);
    }

    /** {@return the symbol of {@code errno}, as "EMSGSIZE", or "errno N" for one the table lacks} */
    static String errnoName(int errno) {
        String[] e = errno > 0 && errno < ERRNOS.length ? ERRNOS[errno] : null;
        return e == null ? "errno " + errno : e[0];
    }

    /** {@return strerror's text for {@code errno}, or null for one the table lacks} */
    static String errnoText(int errno) {
        String[] e = errno > 0 && errno < ERRNOS.length ? ERRNOS[errno] : null;
        return e == null ? null : e[1];
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

    static int connect(MemorySegment state, int fd, MemorySegment address, int length) {
        try {
            return (int) CONNECT.invokeExact(state, fd, address, length);
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

    static int getsockopt(MemorySegment state, int fd, int level, int name, MemorySegment value,
            MemorySegment length) {
        try {
            return (int) GETSOCKOPT.invokeExact(state, fd, level, name, value, length);
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

    /** {@return {@code t} as thrown by a downcall's invokeExact: an unchecked exception, or an error thrown at once} */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
