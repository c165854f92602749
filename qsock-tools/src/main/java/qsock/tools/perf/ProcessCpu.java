package qsock.tools.perf;

import java.lang.management.ManagementFactory;

/**
 * The CPU time of this whole process (every thread: both ends of a loopback run, the JIT compilers and the
 * garbage collector), as the operating system counts it.
 */
public final class ProcessCpu {

    private ProcessCpu() {}

    /** {@return the process's CPU time in nanoseconds so far, or -1 where the JVM cannot tell} */
    public static long nanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** {@return {@code end - start}, or -1 when either is unknown} */
    public static long between(long start, long end) {
        return start < 0 || end < 0 ? -1 : end - start;
    }
}
