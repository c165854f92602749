package qsock.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * A connection that had data to send and sent nothing for a long while: more than {@code max(4 x smoothed RTT, 100
 * ms)}, recorded when it sends again. The congestion window, the bytes in flight and the PTO count say what held it:
 * a full window waiting for acknowledgements that do not come (a path that went dark, a peer that acknowledges
 * nothing), or the pacer.
 */
@Name("qsock.Stall")
@Label("QUIC Stall")
@Category({"qsock", "Connection"})
@Description("A QUIC connection had data to send and sent nothing for more than max(4 x smoothed RTT, 100 ms)")
@StackTrace(false)
public final class StallEvent extends Event {

    @Label("Role")
    public String role;

    @Label("Stalled For")
    @Timespan(Timespan.NANOSECONDS)
    public long stalledFor;

    @Label("Smoothed RTT")
    @Timespan(Timespan.NANOSECONDS)
    public long smoothedRtt;

    @Label("Congestion Window")
    @DataAmount
    public long congestionWindow;

    @Label("Bytes In Flight")
    @DataAmount
    public long bytesInFlight;
}
