package qsock.tools.term;

import java.util.Locale;

/** Human-readable sizes, durations and rates, in binary units (KiB, MiB, GiB) as the kernel's perf tool prints. */
public final class Units {

    private static final String[] SIZE_UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Units() {}

    /** {@return {@code bytes} in the largest binary unit that keeps the number at least 1, e.g. "64.0 MiB"} */
    public static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, SIZE_UNITS[unit]);
    }

    /** {@return a duration: nanoseconds as "850 ns", "12.3 us", "45.6 ms" or "1.234 s"} */
    public static String duration(long nanos) {
        if (nanos < 1_000) {
            return nanos + " ns";
        } else if (nanos < 1_000_000) {
            return String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
        } else if (nanos < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.3f s", nanos / 1e9);
    }

    /** {@return the throughput of {@code bytes} moved in {@code nanos}, e.g. "312.5 MiB/s"; "-" when no time passed} */
    public static String rate(long bytes, long nanos) {
        if (nanos <= 0) {
            return "-";
        }
        return bytes((long) (bytes * 1e9 / nanos)) + "/s";
    }

    /** {@return an address as host:port, an IPv6 host in brackets, without the JDK's leading slash} */
    public static String address(java.net.SocketAddress address) {
        if (address instanceof java.net.InetSocketAddress a && a.getAddress() != null) {
            String host = a.getAddress().getHostAddress();
            if (a.getAddress() instanceof java.net.Inet6Address v6 && (v6.isAnyLocalAddress() || v6.isLoopbackAddress())) {
                host = v6.isAnyLocalAddress() ? "::" : "::1"; // the two a user meets most, in their short form
            }
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
        }
        return String.valueOf(address);
    }

    /** {@return the throughput in MiB/s as a number} */
    public static double mibPerSecond(long bytes, long nanos) {
        return nanos <= 0 ? 0 : bytes * 1e9 / nanos / (1024.0 * 1024.0);
    }
}
