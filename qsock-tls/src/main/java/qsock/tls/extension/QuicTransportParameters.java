package qsock.tls.extension;

import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsChecks;

/**
 * quic_transport_parameters (RFC 9001 §8.2, code point 0x39): the transport parameters, as the QUIC
 * transport encodes them (RFC 9000 §18), carried opaquely in the ClientHello and EncryptedExtensions. The
 * transport decodes and validates them; an endpoint that does not receive them closes the connection with
 * missing_extension (the engine's check).
 *
 * @param parameters the encoded transport parameters, the whole extension_data
 */
public record QuicTransportParameters(Opaque parameters) implements Extension {

    /** @throws IllegalArgumentException if the parameters are longer than 2^16-1 bytes */
    public QuicTransportParameters {
        TlsChecks.length(parameters, 0, 0xFFFF, "quic_transport_parameters");
    }

    @Override
    public int typeCode() {
        return ExtensionType.QUIC_TRANSPORT_PARAMETERS.code();
    }
}
