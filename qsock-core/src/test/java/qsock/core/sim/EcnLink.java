package qsock.core.sim;

import qsock.core.packet.Ecn;

/**
 * What one direction of a simulated link does to the ECN field of the datagrams it carries (RFC 3168): an AQM
 * bottleneck that marks CE instead of dropping, a router that bleaches the field, one that remarks it. Decided as a
 * datagram joins the link, with no random draw (see {@link SimNetwork}).
 */
@FunctionalInterface
public interface EcnLink {

    /**
     * {@return the codepoint the datagram arrives with, or null to drop it (counted as a loss)}
     *
     * @param sent the codepoint it was sent with
     * @param queuedBytes the bytes queued at the link ahead of it (0 on a link without a bandwidth)
     */
    Ecn apply(Ecn sent, long queuedBytes);

    /**
     * {@return a bottleneck that marks an ECN-capable datagram CE when more than {@code thresholdBytes} wait ahead of
     * it, as an AQM does instead of dropping (RFC 3168 §5); a Not-ECT one still waits, and is tail-dropped at the
     * link's queue limit}
     */
    static EcnLink markCeAbove(long thresholdBytes) {
        return (sent, queued) -> sent != Ecn.NOT_ECT && queued > thresholdBytes ? Ecn.CE : sent;
    }

    /** {@return a router that clears the ECN field of every datagram: Not-ECT arrives} */
    static EcnLink bleach() {
        return (sent, queued) -> Ecn.NOT_ECT;
    }

    /** {@return a router that rewrites {@code from} to {@code to} and leaves the other codepoints alone} */
    static EcnLink remark(Ecn from, Ecn to) {
        return (sent, queued) -> sent == from ? to : sent;
    }

    /** {@return a faulty element that drops every ECN-capable datagram (RFC 9000 §13.4.2) and passes the others} */
    static EcnLink dropEcnCapable() {
        return (sent, queued) -> sent != Ecn.NOT_ECT ? null : sent;
    }

    /** {@return a router that marks CE on every ECN-capable datagram} */
    static EcnLink ceOnAll() {
        return (sent, queued) -> sent != Ecn.NOT_ECT ? Ecn.CE : sent;
    }
}
