package qsock.tools.cli;

import picocli.CommandLine.ITypeConverter;
import qsock.tools.term.Sizes;

/** Lets picocli read sizes like {@code 64M} (see {@link Sizes}). */
public final class SizeConverter implements ITypeConverter<Long> {

    @Override
    public Long convert(String value) {
        return Sizes.parse(value);
    }
}
