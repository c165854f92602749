package qsock.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** A QUIC handshake that completed on this side (RFC 9001 §4.1.1), with how long it took. */
@Name("qsock.Handshake")
@Label("QUIC Handshake")
@Category({"qsock", "Connection"})
@Description("A QUIC connection's TLS handshake completed on this side")
@StackTrace(false)
public final class HandshakeEvent extends Event {

    @Label("Role")
    @Description("client or server")
    public String role;

    @Label("Handshake Time")
    @Description("From the connection's first packet to the handshake's completion")
    @Timespan(Timespan.NANOSECONDS)
    public long handshakeTime;

    @Label("ALPN")
    public String alpn;

    @Label("QUIC Version")
    public String version;

    @Label("Retry")
    @Description("The client followed a Retry (RFC 9000 §17.2.5)")
    public boolean retry;
}
