package qsock.tls.interop;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import qsock.core.handshake.CipherSuite;
import qsock.tls.jca.NamedGroup;

/**
 * One run of the interop matrix: the certificate (a key type of the test PKI) the server presents, and the
 * cipher suite and group the peer is pinned to (qsock offers all of them, so the peer's pin decides).
 */
record InteropCase(String pki, CipherSuite suite, NamedGroup group) {

    /** The groups qsock and both peers implement. */
    static final List<NamedGroup> GROUPS = List.of(NamedGroup.X25519, NamedGroup.SECP256R1, NamedGroup.SECP384R1);

    /**
     * {@return every suite with every group, with the ECDSA P-256 certificate; then each other certificate
     * type once, with suites and groups spread over them}
     */
    static Stream<InteropCase> matrix() {
        List<InteropCase> cases = new ArrayList<>();
        for (CipherSuite suite : CipherSuite.values()) {
            for (NamedGroup group : GROUPS) {
                cases.add(new InteropCase("ecdsa-p256", suite, group));
            }
        }
        cases.add(new InteropCase("rsa", CipherSuite.TLS_AES_256_GCM_SHA384, NamedGroup.X25519));
        cases.add(new InteropCase("ecdsa-p384", CipherSuite.TLS_AES_256_GCM_SHA384, NamedGroup.SECP384R1));
        cases.add(new InteropCase("ed25519", CipherSuite.TLS_CHACHA20_POLY1305_SHA256, NamedGroup.SECP256R1));
        return cases.stream();
    }

    /** {@return a seed for this case's randomness and payloads, different per case} */
    long seed() {
        return 31L * (31L * pki.hashCode() + suite.code()) + group.code();
    }

    @Override
    public String toString() {
        return pki + " " + suite.name() + " " + group.name().toLowerCase(java.util.Locale.ROOT);
    }
}
