package qsock.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import qsock.core.runtime.ffm.BatchUdpSocket;

/**
 * The runtime's choice of system calls: FFM where it can run and nothing says otherwise, NIO when the system property
 * asks. The build runs the socket tests once each way; this test fails if a run is not on the runtime it claims.
 */
class IoDriversTest {

    @Test
    void theDriverIsFfmWhereItCanRunUnlessThePropertyAsksForNio() throws Exception {
        boolean nio = "nio".equals(System.getProperty(IoDrivers.PROPERTY));
        boolean ffmPossible = BatchUdpSocket.isSupported() && IoDrivers.class.getModule().isNativeAccessEnabled();
        assertEquals(!nio && ffmPossible, IoDrivers.ffm());
        IoDriver driver = IoDrivers.open();
        try {
            assertTrue(driver instanceof FfmDriver == IoDrivers.ffm(), driver.toString());
            assertEquals(IoDrivers.ffm(), driver.marksEcn(), "only the FFM sockets carry ECN codepoints");
        } finally {
            driver.close();
        }
    }
}
