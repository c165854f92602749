package qsock.tls.extension;

import qsock.tls.TlsAlertException;
import qsock.tls.codec.TlsChecks;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * early_data in a NewSessionTicket (RFC 8446 §4.2.10): the ticket may be used for 0-RTT, up to
 * max_early_data_size bytes. QUIC requires the value 0xffffffff (RFC 9001 §4.6.1: anything else is a
 * PROTOCOL_VIOLATION), which is the engine's check; the codec reports the value.
 *
 * @param maxEarlyDataSize the limit, a uint32
 */
public record EarlyDataNewSessionTicket(long maxEarlyDataSize) implements EarlyData {

    /** The only value QUIC allows (RFC 9001 §4.6.1). */
    public static final long QUIC_MAX_EARLY_DATA_SIZE = 0xFFFF_FFFFL;

    /** @throws IllegalArgumentException if the value is not a uint32 */
    public EarlyDataNewSessionTicket {
        TlsChecks.u32(maxEarlyDataSize, "max_early_data_size");
    }

    void encodeData(TlsWriter w) {
        w.u32(maxEarlyDataSize);
    }

    static EarlyDataNewSessionTicket decode(TlsReader data) throws TlsAlertException {
        return new EarlyDataNewSessionTicket(data.u32());
    }
}
