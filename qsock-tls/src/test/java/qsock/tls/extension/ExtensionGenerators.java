package qsock.tls.extension;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import qsock.core.testing.Generators;
import qsock.tls.codec.Opaque;
import qsock.tls.message.HandshakeType;

/** Random valid extensions and extension blocks for each message that carries them, for property checks. */
public final class ExtensionGenerators {

    /** A message that carries an extension block, as {@link ExtensionCodec} takes it. */
    public record Context(HandshakeType message, boolean helloRetryRequest) {
        @Override
        public String toString() {
            return helloRetryRequest ? "hello_retry_request" : message.toString();
        }
    }

    public static final Context CLIENT_HELLO = new Context(HandshakeType.CLIENT_HELLO, false);
    public static final Context SERVER_HELLO = new Context(HandshakeType.SERVER_HELLO, false);
    public static final Context HELLO_RETRY_REQUEST = new Context(HandshakeType.SERVER_HELLO, true);
    public static final Context ENCRYPTED_EXTENSIONS = new Context(HandshakeType.ENCRYPTED_EXTENSIONS, false);
    public static final Context CERTIFICATE = new Context(HandshakeType.CERTIFICATE, false);
    public static final Context CERTIFICATE_REQUEST = new Context(HandshakeType.CERTIFICATE_REQUEST, false);
    public static final Context NEW_SESSION_TICKET = new Context(HandshakeType.NEW_SESSION_TICKET, false);

    /** Every context, in the order of RFC 8446 §4.2's table columns. */
    public static final List<Context> CONTEXTS = List.of(CLIENT_HELLO, SERVER_HELLO, HELLO_RETRY_REQUEST,
            ENCRYPTED_EXTENSIONS, CERTIFICATE, CERTIFICATE_REQUEST, NEW_SESSION_TICKET);

    private ExtensionGenerators() {}

    /** {@return a context chosen at random} */
    public static Context context(SplittableRandom r) {
        return CONTEXTS.get(r.nextInt(CONTEXTS.size()));
    }

    /** {@return random bytes, their count in {@code [min, max]}, usually short} */
    public static Opaque opaque(SplittableRandom r, int min, int max) {
        int top = r.nextInt(8) == 0 ? max : Math.min(max, min + 40);
        return Opaque.of(Generators.bytes(r, min + r.nextInt(top - min + 1)));
    }

    /** {@return a uint16, often a small or edge value} */
    public static int u16(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> r.nextInt(256);
            case 1 -> new int[] {0, 1, 0xFFFE, 0xFFFF}[r.nextInt(4)];
            default -> r.nextInt(0x10000);
        };
    }

    /** {@return a uint32, often an edge value} */
    public static long u32(SplittableRandom r) {
        return r.nextInt(3) == 0 ? new long[] {0, 1, 0xFFFFFFFFL}[r.nextInt(3)] : r.nextLong(1L << 32);
    }

    /** {@return 1 to {@code max} random uint16 values} */
    public static List<Integer> u16s(SplittableRandom r, int max) {
        List<Integer> out = new ArrayList<>();
        int n = 1 + r.nextInt(max);
        for (int i = 0; i < n; i++) {
            out.add(u16(r));
        }
        return out;
    }

    /** {@return 1 to 4 distinguished names, with a common name and sometimes an organisation} */
    public static CertificateAuthorities certificateAuthorities(SplittableRandom r) {
        List<javax.security.auth.x500.X500Principal> names = new ArrayList<>();
        for (int i = r.nextInt(4); i >= 0; i--) {
            StringBuilder cn = new StringBuilder();
            for (int j = 1 + r.nextInt(30); j > 0; j--) {
                cn.append((char) ('a' + r.nextInt(26)));
            }
            names.add(new javax.security.auth.x500.X500Principal(
                    "CN=" + cn + (r.nextBoolean() ? ", O=qsock " + r.nextInt(1000) : "")));
        }
        return new CertificateAuthorities(names);
    }

    /** {@return a host name of printable ASCII} */
    public static String hostName(SplittableRandom r) {
        StringBuilder b = new StringBuilder();
        int n = 1 + r.nextInt(r.nextInt(10) == 0 ? 300 : 30);
        for (int i = 0; i < n; i++) {
            b.append((char) (0x21 + r.nextInt(0x7E - 0x21 + 1)));
        }
        return b.toString();
    }

    /** {@return an ALPN protocol name: 1 to 255 characters, each any byte value} */
    public static String protocol(SplittableRandom r) {
        StringBuilder b = new StringBuilder();
        int n = 1 + r.nextInt(r.nextInt(10) == 0 ? 255 : 12);
        for (int i = 0; i < n; i++) {
            b.append((char) r.nextInt(256));
        }
        return b.toString();
    }

    /** {@return a key share for {@code group}} */
    public static KeyShareEntry keyShare(SplittableRandom r, int group) {
        return new KeyShareEntry(group, opaque(r, 1, 200));
    }

    /** {@return a valid pre_shared_key for a ClientHello} */
    public static PreSharedKeyClientHello offeredPsks(SplittableRandom r) {
        int n = 1 + r.nextInt(3);
        List<PskIdentity> identities = new ArrayList<>();
        List<Opaque> binders = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            identities.add(new PskIdentity(opaque(r, 1, 300), u32(r)));
            binders.add(opaque(r, 32, 255));
        }
        return new PreSharedKeyClientHello(identities, binders);
    }

    /**
     * {@return an extension this package keeps as {@link Unknown}, valid in {@code context}}: either a type
     * outside the table or one of the table's unparsed types that the context allows
     */
    public static Unknown unknown(SplittableRandom r, Context context) {
        if (r.nextBoolean()) {
            List<ExtensionType> allowed = new ArrayList<>();
            for (ExtensionType t : ExtensionType.values()) {
                if (!t.parsed() && t.allowedIn(context.message(), context.helloRetryRequest())) {
                    allowed.add(t);
                }
            }
            if (!allowed.isEmpty()) {
                return new Unknown(allowed.get(r.nextInt(allowed.size())).code(), opaque(r, 0, 300));
            }
        }
        int type;
        do {
            type = u16(r);
        } while (ExtensionType.fromCode(type) != null);
        return new Unknown(type, opaque(r, 0, 300));
    }

    /** {@return the extensions of one kind that can appear in {@code context}, each built at random} */
    private static List<Supplier<Extension>> candidates(SplittableRandom r, Context c) {
        List<Supplier<Extension>> s = new ArrayList<>();
        switch (c.message()) {
            case CLIENT_HELLO -> {
                s.add(() -> new ServerName(hostName(r)));
                s.add(() -> new SupportedGroups(u16s(r, 10)));
                s.add(() -> new SignatureAlgorithms(u16s(r, 12)));
                s.add(() -> new SignatureAlgorithmsCert(u16s(r, 12)));
                s.add(() -> certificateAuthorities(r));
                s.add(() -> {
                    List<String> names = new ArrayList<>();
                    for (int i = r.nextInt(4); i >= 0; i--) {
                        names.add(protocol(r));
                    }
                    return new ApplicationLayerProtocolNegotiation(names);
                });
                s.add(() -> new SupportedVersionsClientHello(u16s(r, 5)));
                s.add(() -> {
                    List<KeyShareEntry> shares = new ArrayList<>();
                    Set<Integer> groups = new HashSet<>();
                    for (int i = r.nextInt(4); i > 0; i--) {
                        int g = u16(r);
                        if (groups.add(g)) {
                            shares.add(keyShare(r, g));
                        }
                    }
                    return new KeyShareClientHello(shares);
                });
                s.add(() -> {
                    List<Integer> modes = new ArrayList<>();
                    for (int i = r.nextInt(3); i >= 0; i--) {
                        modes.add(r.nextInt(256));
                    }
                    return new PskKeyExchangeModes(modes);
                });
                s.add(EarlyDataIndication::new);
                s.add(() -> new Cookie(opaque(r, 1, 300)));
                s.add(() -> new QuicTransportParameters(opaque(r, 0, 300)));
            }
            case SERVER_HELLO -> {
                s.add(() -> new SupportedVersionsServerHello(u16(r)));
                if (c.helloRetryRequest()) {
                    s.add(() -> new KeyShareHelloRetryRequest(u16(r)));
                    s.add(() -> new Cookie(opaque(r, 1, 300)));
                } else {
                    s.add(() -> new KeyShareServerHello(keyShare(r, u16(r))));
                    s.add(() -> new PreSharedKeyServerHello(u16(r)));
                }
            }
            case ENCRYPTED_EXTENSIONS -> {
                s.add(() -> ServerName.ACKNOWLEDGEMENT);
                s.add(() -> new SupportedGroups(u16s(r, 10)));
                s.add(() -> ApplicationLayerProtocolNegotiation.of(protocol(r)));
                s.add(EarlyDataIndication::new);
                s.add(() -> new QuicTransportParameters(opaque(r, 0, 300)));
            }
            case CERTIFICATE_REQUEST -> {
                s.add(() -> new SignatureAlgorithms(u16s(r, 12)));
                s.add(() -> new SignatureAlgorithmsCert(u16s(r, 12)));
                s.add(() -> certificateAuthorities(r));
            }
            case NEW_SESSION_TICKET -> s.add(() -> new EarlyDataNewSessionTicket(u32(r)));
            default -> { }
        }
        return s;
    }

    /**
     * {@return a random valid extension block for {@code context}}: distinct types, "pre_shared_key" last in
     * a ClientHello, and the block sizes the messages require (ClientHello and ServerHello blocks empty or
     * at least 8 and 6 bytes, CertificateRequest blocks non-empty)
     */
    public static List<Extension> block(SplittableRandom r, Context context) {
        while (true) {
            List<Extension> out = new ArrayList<>();
            for (Supplier<Extension> s : candidates(r, context)) {
                if (r.nextBoolean()) {
                    out.add(s.get());
                }
            }
            Set<Integer> types = new HashSet<>();
            for (Extension e : out) {
                types.add(e.typeCode());
            }
            for (int i = r.nextInt(3); i > 0; i--) {
                Unknown u = unknown(r, context);
                if (types.add(u.typeCode())) {
                    out.add(u);
                }
            }
            Collections.shuffle(out, new java.util.Random(r.nextLong()));
            if (context.message() == HandshakeType.CLIENT_HELLO && r.nextInt(4) == 0) {
                out.add(offeredPsks(r));
            }
            if (fits(context, out)) {
                return List.copyOf(out);
            }
        }
    }

    private static boolean fits(Context context, List<Extension> block) {
        if (block.isEmpty()) {
            return context.message() != HandshakeType.CERTIFICATE_REQUEST;
        }
        int length = ExtensionCodec.blockLength(block);
        return switch (context.message()) {
            case CLIENT_HELLO -> length >= 2 + 8;
            case SERVER_HELLO -> length >= 2 + 6;
            case NEW_SESSION_TICKET -> length <= 2 + 0xFFFE;
            default -> true;
        };
    }
}
