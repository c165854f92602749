package qsock.interop.agent15;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import tech.kwik.agent15.extension.Extension;
import tech.kwik.agent15.extension.UnknownExtension;

/**
 * The quic_transport_parameters TLS extension (RFC 9001 §8.2) in agent15's terms: ours goes out carrying the
 * transport's encoding as it is, the peer's comes back from agent15's parser as an {@link UnknownExtension}
 * whose body the transport decodes. agent15 itself knows nothing of QUIC transport parameters.
 */
final class QuicTransportParametersExtension extends Extension {

    /** The extension's code point (RFC 9001 §8.2). */
    static final int TYPE = 0x39;

    private final byte[] encoded;

    /** An extension carrying {@code encoded}, the transport's quic_transport_parameters body. */
    QuicTransportParametersExtension(byte[] encoded) {
        if (encoded.length > 0xFFFF) {
            throw new IllegalArgumentException("transport parameters of " + encoded.length + " bytes do not fit an extension");
        }
        this.encoded = encoded.clone();
    }

    @Override
    public byte[] getBytes() {
        // RFC 8446 §4.2: extension_type (2 bytes), extension_data length (2 bytes), extension_data.
        return ByteBuffer.allocate(4 + encoded.length)
                .putShort((short) TYPE)
                .putShort((short) encoded.length)
                .put(encoded)
                .array();
    }

    /** {@return the body of the peer's quic_transport_parameters among {@code extensions}, or null if it sent none} */
    static byte[] find(List<Extension> extensions) {
        for (Extension e : extensions) {
            if (e instanceof UnknownExtension u && u.getType() == TYPE) {
                // agent15 3.1 keeps the whole extension, its 4-byte type and length header included.
                byte[] whole = u.getData();
                return Arrays.copyOfRange(whole, 4, whole.length);
            }
        }
        return null;
    }
}
