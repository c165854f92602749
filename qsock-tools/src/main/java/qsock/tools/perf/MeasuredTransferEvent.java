package qsock.tools.perf;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A JFR event spanning one measured bulk transfer of {@code qsock perf}, so that a profile of the run can be
 * cut to exactly that window (warm-up and handshakes left out). Costs nothing unless a recording is on.
 */
@Name("qsock.perf.Transfer")
@Label("qsock perf transfer")
@Category("qsock")
@Description("One measured bulk transfer of qsock perf, from the first byte sent to the server's count received")
@StackTrace(false)
final class MeasuredTransferEvent extends Event {

    @Label("Bytes")
    @DataAmount
    long bytes;

    @Label("Warm-up")
    @Description("True for a warm-up transfer, whose result is not reported")
    boolean warmup;
}
