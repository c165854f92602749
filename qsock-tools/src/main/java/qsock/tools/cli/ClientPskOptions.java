package qsock.tools.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import picocli.CommandLine.Option;
import qsock.core.error.PeerText;
import qsock.tls.ExternalPsk;
import qsock.tls.PskKeyring;
import qsock.tls.PskMode;
import qsock.tls.TlsClientConfig;

/**
 * The external pre-shared key a client offers (RFC 8446 §4.2.11), the way tlshd's PSK users configure one: an
 * identity, and its key from a file (never from the command line, where {@code ps} shows it) or from a keyring
 * file of {@code identity:hex-key} lines. No message names the key or a line of those files.
 */
public final class ClientPskOptions {

    /** Longer than any sensible key file: 2 KiB of key as hex, with room for white space. */
    private static final long MAX_KEY_FILE_SIZE = 8192;

    @Option(names = "--psk-identity", paramLabel = "ID",
            description = "Offer the external pre-shared key of this identity (with --psk-key-file or --psk-keyring).")
    String identity;

    @Option(names = "--psk-key-file", paramLabel = "FILE",
            description = "File holding the pre-shared key as hex digits (white space around them ignored).")
    Path keyFile;

    @Option(names = "--psk-keyring", paramLabel = "FILE",
            description = "Take the key of --psk-identity from this keyring file (identity:hex-key lines).")
    Path keyring;

    @Option(names = "--psk-ke",
            description = "Offer psk_ke alone (the PSK without (EC)DHE: no forward secrecy, less work) instead of "
                    + "psk_dhe_ke; a server that does not allow psk_ke refuses the key.")
    boolean pskKe;

    /**
     * {@return {@code config} offering the pre-shared key, or {@code config} itself without one}
     *
     * @throws IllegalArgumentException for options that do not go together, a malformed key file, or an identity
     *     the keyring does not hold; the message never holds a key
     * @throws IOException if a file cannot be read
     */
    public TlsClientConfig apply(TlsClientConfig config) throws IOException {
        if (identity == null) {
            if (keyFile != null || keyring != null || pskKe) {
                throw new IllegalArgumentException("--psk-key-file, --psk-keyring and --psk-ke need --psk-identity ID");
            }
            return config;
        }
        if ((keyFile == null) == (keyring == null)) {
            throw new IllegalArgumentException(keyFile == null
                    ? "--psk-identity needs its key: --psk-key-file FILE or --psk-keyring FILE"
                    : "--psk-key-file and --psk-keyring exclude each other");
        }
        ExternalPsk psk = keyFile != null ? new ExternalPsk(identity, readKeyFile(keyFile)) : fromKeyring();
        List<PskMode> modes = pskKe ? List.of(PskMode.PSK_KE) : List.of(PskMode.PSK_DHE_KE);
        return config.withExternalPsk(psk, modes);
    }

    private ExternalPsk fromKeyring() throws IOException {
        // The keyring's parse errors name the file and line number only.
        ExternalPsk psk = PskKeyring.load(keyring).find(identity.getBytes(StandardCharsets.UTF_8));
        if (psk == null) {
            throw new IllegalArgumentException("--psk-keyring " + keyring + " holds no key for the identity '"
                    + PeerText.escape(identity) + "'");
        }
        return psk;
    }

    /** {@return the key in {@code file}: hex digits, an even number of them, white space around them ignored} */
    private static byte[] readKeyFile(Path file) throws IOException {
        if (Files.size(file) > MAX_KEY_FILE_SIZE) {
            throw new IllegalArgumentException("--psk-key-file " + file + " is larger than " + MAX_KEY_FILE_SIZE
                    + " bytes: not a key");
        }
        String hex = Files.readString(file, StandardCharsets.ISO_8859_1).strip();
        if (hex.isEmpty()) {
            throw new IllegalArgumentException("--psk-key-file " + file + " holds no key");
        }
        if (hex.length() % 2 != 0 || !hex.chars().allMatch(HexFormat::isHexDigit)) {
            // The content is not repeated: it may be the key with a typo.
            throw new IllegalArgumentException("--psk-key-file " + file
                    + " does not hold a key as an even number of hex digits");
        }
        return HexFormat.of().parseHex(hex);
    }
}
