package qsock.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A QUIC connection an endpoint forgot: how it ended and what it carried. */
@Name("qsock.ConnectionClose")
@Label("QUIC Connection Close")
@Category({"qsock", "Connection"})
@Description("A QUIC connection ended and its endpoint forgot it")
@StackTrace(false)
public final class ConnectionCloseEvent extends Event {

    @Label("Role")
    public String role;

    @Label("Cause")
    @Description("LOCAL_CLOSE, PEER_CLOSE, IDLE_TIMEOUT, STATELESS_RESET, LOCAL_ERROR, PEER_ERROR or DROPPED")
    public String cause;

    @Label("Error Code")
    public long errorCode;

    @Label("Reason")
    public String reason;

    @Label("Established")
    @Description("The handshake had completed")
    public boolean established;

    @Label("Bytes Sent")
    @DataAmount
    public long bytesSent;

    @Label("Bytes Received")
    @DataAmount
    public long bytesReceived;

    @Label("Packets Lost")
    public long packetsLost;
}
