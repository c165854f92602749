package qsock.core.runtime;

import java.io.IOException;
import qsock.core.runtime.ffm.BatchUdpSocket;

/**
 * Picks the {@link IoDriver} of new endpoints: qsock's FFM sockets on Linux when the JVM grants qsock native access
 * ({@code --enable-native-access=ALL-UNNAMED}, or {@code =qsock.core} on the module path), else NIO; the system
 * property {@value #PROPERTY} ({@code ffm}, {@code nio}, or {@code auto}, the default) chooses. What was chosen,
 * and why NIO when FFM was possible to want, is logged once.
 */
final class IoDrivers {

    /** The system property that picks the driver. */
    static final String PROPERTY = "qsock.io";

    private static final System.Logger LOG = System.getLogger(IoEndpoint.class.getName());
    private static final String CHOICE = System.getProperty(PROPERTY, "auto");
    /** Why FFM is not used, or null if it is. */
    private static final String NO_FFM = whyNoFfm();

    static {
        if (!CHOICE.equals("ffm") && !CHOICE.equals("nio") && !CHOICE.equals("auto")) {
            LOG.log(System.Logger.Level.WARNING, "qsock: " + PROPERTY + "=" + CHOICE + " is not ffm, nio or auto;"
                    + " taken as auto");
        }
        LOG.log(System.Logger.Level.INFO, NO_FFM == null
                ? "qsock I/O: FFM batched UDP (sendmmsg/recvmmsg, GSO, GRO)"
                : "qsock I/O: NIO, one system call per datagram (" + NO_FFM + ")");
    }

    private IoDrivers() {}

    private static String whyNoFfm() {
        if (CHOICE.equals("nio")) {
            return PROPERTY + "=nio";
        }
        if (!IoDrivers.class.getModule().isNativeAccessEnabled()) {
            return "native access not granted: run java with --enable-native-access="
                    + (IoDrivers.class.getModule().isNamed() ? "qsock.core" : "ALL-UNNAMED");
        }
        if (!BatchUdpSocket.isSupported()) {
            return BatchUdpSocket.unsupportedReason();
        }
        return null;
    }

    /** {@return whether new endpoints use the FFM driver} */
    static boolean ffm() {
        return NO_FFM == null;
    }

    /** {@return a driver for a new endpoint} */
    static IoDriver open() throws IOException {
        return NO_FFM == null ? new FfmDriver() : new NioDriver();
    }
}
