package qsock.tls.extension;

import java.util.List;
import java.util.Optional;

/**
 * Finders over a message's extensions. A block holds at most one extension of each type (RFC 8446 §4.2),
 * so "the" extension of a kind is well defined.
 */
public final class Extensions {

    private Extensions() {}

    /**
     * {@return the first extension that is an instance of {@code kind}}, for instance
     * {@code find(ch.extensions(), KeyShareClientHello.class)} or, for any form, {@code KeyShare.class}
     */
    public static <T extends Extension> Optional<T> find(List<? extends Extension> extensions, Class<T> kind) {
        for (Extension e : extensions) {
            if (kind.isInstance(e)) {
                return Optional.of(kind.cast(e));
            }
        }
        return Optional.empty();
    }

    /** {@return the extension with this type code}, whatever its record */
    public static Optional<Extension> find(List<? extends Extension> extensions, int typeCode) {
        for (Extension e : extensions) {
            if (e.typeCode() == typeCode) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** {@return true if an extension with this type code is present} */
    public static boolean contains(List<? extends Extension> extensions, int typeCode) {
        return find(extensions, typeCode).isPresent();
    }
}
