package qsock.tls.extension;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import qsock.tls.TlsAlertException;
import qsock.tls.codec.Opaque;
import qsock.tls.codec.TlsReader;
import qsock.tls.codec.TlsWriter;

/**
 * certificate_authorities (RFC 8446 §4.2.4): the distinguished names of the certificate authorities whose
 * certificates the sender accepts, "in DER-encoded format"; in a CertificateRequest, the client should pick
 * a chain issued by one of them (§4.4.2.3). On the wire:
 * <pre>
 * opaque DistinguishedName&lt;1..2^16-1&gt;;
 * struct { DistinguishedName authorities&lt;3..2^16-1&gt;; } CertificateAuthoritiesExtension;
 * </pre>
 *
 * <p>Decoding is strict: each name must be exactly one DER X.501 Name, as {@link X500Principal} reads it and
 * writes it back byte for byte (no trailing bytes, no BER length forms); anything else is a decode_error.
 *
 * @param authorities the names, in order, at least one
 */
public record CertificateAuthorities(List<X500Principal> authorities) implements Extension {

    /** The largest authorities vector: the extension_data (at most 2^16-1 bytes) also holds its 2-byte length. */
    public static final int MAX_AUTHORITIES_BYTES = 0xFFFF - 2;

    /**
     * @throws IllegalArgumentException if the list is empty, or the names do not fit the extension's
     *     16-bit lengths
     */
    public CertificateAuthorities {
        authorities = List.copyOf(authorities);
        if (authorities.isEmpty()) {
            throw new IllegalArgumentException("certificate_authorities needs at least one name");
        }
        if (encodedLength(authorities) > MAX_AUTHORITIES_BYTES) {
            throw new IllegalArgumentException("certificate_authorities longer than " + MAX_AUTHORITIES_BYTES
                    + " bytes");
        }
    }

    /**
     * {@return the bytes of the authorities vector for these names, without its own 2-byte length}, so that a
     * sender can decide whether a list fits before building the extension
     */
    public static int encodedLength(List<X500Principal> names) {
        long total = 0;
        for (X500Principal name : names) {
            total += 2 + name.getEncoded().length;
        }
        return (int) Math.min(total, Integer.MAX_VALUE);
    }

    @Override
    public int typeCode() {
        return ExtensionType.CERTIFICATE_AUTHORITIES.code();
    }

    void encodeData(TlsWriter w) {
        int vector = w.startVector16();
        for (X500Principal name : authorities) {
            w.opaque16(Opaque.of(name.getEncoded()));
        }
        w.endVector16(vector);
    }

    static CertificateAuthorities decode(TlsReader data) throws TlsAlertException {
        TlsReader vector = data.vector16("authorities", 3, 0xFFFF);
        List<X500Principal> names = new ArrayList<>();
        while (vector.hasRemaining()) {
            byte[] der = vector.opaque16("DistinguishedName", 1, 0xFFFF).toByteArray();
            X500Principal name;
            try {
                name = new X500Principal(der);
            } catch (RuntimeException e) {
                // The JDK's DER reader reports malformed input as IllegalArgumentException; any other runtime
                // exception from it is the same verdict on bytes the peer chose.
                throw Alerts.decodeError("certificate_authorities name " + (names.size() + 1)
                        + " is not a DER distinguished name");
            }
            if (!Arrays.equals(name.getEncoded(), der)) {
                throw Alerts.decodeError("certificate_authorities name " + (names.size() + 1)
                        + " is not in DER (RFC 8446 §4.2.4)");
            }
            names.add(name);
        }
        if (encodedLength(names) > MAX_AUTHORITIES_BYTES) {
            throw Alerts.decodeError("certificate_authorities does not fit its extension");
        }
        return new CertificateAuthorities(names);
    }
}
