package qsock.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import qsock.tls.cert.CertificateValidator;
import qsock.tls.cert.PemFiles;

/**
 * The configuration of qsock-tls's {@link qsock.socket.HandshakeService}, read from a file in the spirit of
 * tlshd's {@code /etc/tlshd.conf}: what a consumer that knows no TLS must not have to know (certificates, keys,
 * trust anchors, pre-shared keys, the client-certificate policy) is the system's, in one place.
 *
 * <pre>
 * # comments start with '#' or ';'
 * [authenticate]
 * keyrings = psk.keys                  # identity:hex-key lines (PskKeyring); several separated by ','
 *
 * [authenticate.client]
 * x509.truststore = ca.pem             # the server's trust anchors (PEM); absent: the system's trust store
 * x509.certificate = client-chain.pem  # a chain and key to answer a CertificateRequest with; both or neither
 * x509.private_key = client.key
 * alpn = smb, nfs                      # offered when the request names none
 * session_ticket_wait = 0              # milliseconds to wait after the handshake for a session ticket (0-255000)
 *
 * [authenticate.server]
 * x509.truststore = clients-ca.pem     # the client certificates' trust anchors; absent: the system's
 * x509.certificate = server-chain.pem  # needed unless every client authenticates with a PSK
 * x509.private_key = server.key
 * alpn = smb                           # accepted when the request names none
 * client_certificate = none            # none, request or require (RFC 8446 §4.3.2)
 * </pre>
 *
 * <p>Relative paths are taken from the configuration file's directory. Parsing is strict: an unknown section or
 * key, a key twice in a section, a line that is neither, a bad value or a file that cannot be read is an error
 * naming the file and the line. Immutable once loaded: the files it names are read when it is.
 */
public final class HandshakeServiceConfig {

    /** The system property naming the configuration file. */
    public static final String PROPERTY = "qsock.handshake.config";

    /** Where the configuration file is when {@link #PROPERTY} is not set. */
    public static final Path DEFAULT_PATH = Path.of("/etc/qsock/handshake.conf");

    /** A configuration file larger than this is refused (it holds paths, not keys). */
    public static final int MAX_FILE_BYTES = 1 << 20;

    private static final Duration MAX_TICKET_WAIT = Duration.ofSeconds(255);

    private static final Map<String, Set<String>> KEYS = Map.of(
            "authenticate", Set.of("keyrings"),
            "authenticate.client", Set.of("x509.truststore", "x509.certificate", "x509.private_key", "alpn",
                    "session_ticket_wait"),
            "authenticate.server", Set.of("x509.truststore", "x509.certificate", "x509.private_key", "alpn",
                    "client_certificate"));

    /**
     * One side's settings; {@code validator} checks the peer's chain against the configured trust anchors, else the
     * system's trust store. Made once: a trust manager is costly to build, and every handshake needs one.
     */
    record Side(CertificateValidator validator, Credential credential, List<String> applicationProtocols) {}

    private final PskKeyring keyring;
    private final Side client;
    private final Side server;
    private final Duration sessionTicketWait;
    private final ClientAuth clientCertificate;

    private HandshakeServiceConfig(PskKeyring keyring, Side client, Side server, Duration sessionTicketWait,
                                   ClientAuth clientCertificate) {
        this.keyring = keyring;
        this.client = client;
        this.server = server;
        this.sessionTicketWait = sessionTicketWait;
        this.clientCertificate = clientCertificate;
    }

    /** {@return the file {@link #PROPERTY} names, else {@link #DEFAULT_PATH}} */
    public static Path configuredPath() {
        String property = System.getProperty(PROPERTY);
        return property == null || property.isBlank() ? DEFAULT_PATH : Path.of(property);
    }

    /**
     * Reads a configuration file and the files it names.
     *
     * @throws IOException if the file cannot be read, or a file it names cannot (naming its line)
     * @throws IllegalArgumentException naming the file and line of a malformed line or value
     */
    public static HandshakeServiceConfig load(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw new IllegalArgumentException(file + ": larger than " + MAX_FILE_BYTES + " bytes");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Path base = file.toAbsolutePath().getParent();
        return parse(file.toString(), text, base == null ? Path.of("") : base);
    }

    /**
     * Parses configuration text (see the class comment) and reads the files it names.
     *
     * @param name what to call the text in errors (the file's name)
     * @param baseDirectory where relative paths are taken from
     * @throws IOException if a file it names cannot be read (naming the line)
     * @throws IllegalArgumentException naming {@code name} and the line of a malformed line or value
     */
    public static HandshakeServiceConfig parse(String name, String text, Path baseDirectory) throws IOException {
        Map<String, Map<String, Entry>> sections = new HashMap<>();
        String section = null;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int number = i + 1;
            String line = stripComment(lines[i]).strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("[")) {
                if (!line.endsWith("]")) {
                    throw malformed(name, number, "a section header ends with ']'");
                }
                section = line.substring(1, line.length() - 1).strip().toLowerCase(Locale.ROOT);
                if (!KEYS.containsKey(section)) {
                    throw malformed(name, number, "unknown section [" + section + "]; known: " + KEYS.keySet());
                }
                if (sections.containsKey(section)) {
                    throw malformed(name, number, "section [" + section + "] appears twice");
                }
                sections.put(section, new HashMap<>());
                continue;
            }
            int equals = line.indexOf('=');
            if (equals < 0) {
                throw malformed(name, number, "neither a [section] nor a key = value line");
            }
            if (section == null) {
                throw malformed(name, number, "a key before any [section]");
            }
            String key = line.substring(0, equals).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(equals + 1).strip();
            if (!KEYS.get(section).contains(key)) {
                throw malformed(name, number, "unknown key '" + key + "' in [" + section + "]; known: "
                        + KEYS.get(section));
            }
            if (value.isEmpty()) {
                throw malformed(name, number, "'" + key + "' has no value");
            }
            Entry earlier = sections.get(section).put(key, new Entry(value, number));
            if (earlier != null) {
                throw malformed(name, number, "'" + key + "' again (first on line " + earlier.line() + ")");
            }
        }
        Reader reader = new Reader(name, baseDirectory);
        PskKeyring keyring = reader.keyring(sections.getOrDefault("authenticate", Map.of()).get("keyrings"));
        Map<String, Entry> clientKeys = sections.getOrDefault("authenticate.client", Map.of());
        Map<String, Entry> serverKeys = sections.getOrDefault("authenticate.server", Map.of());
        Side client = reader.side(clientKeys);
        Side server = reader.side(serverKeys);
        Duration wait = reader.ticketWait(clientKeys.get("session_ticket_wait"));
        ClientAuth policy = reader.clientAuth(serverKeys.get("client_certificate"));
        return new HandshakeServiceConfig(keyring, client, server, wait, policy);
    }

    /** A value and the line it was on. */
    private record Entry(String value, int line) {}

    /** Reads the values and the files they name, with errors naming the line. */
    private record Reader(String name, Path base) {

        PskKeyring keyring(Entry entry) throws IOException {
            if (entry == null) {
                return PskKeyring.empty();
            }
            List<ExternalPsk> keys = new ArrayList<>();
            for (String file : list(entry)) {
                Path path = base.resolve(file);
                PskKeyring one;
                try {
                    one = PskKeyring.load(path);
                } catch (IllegalArgumentException e) {
                    throw malformed(name, entry.line(), e.getMessage());
                } catch (IOException e) {
                    throw unreadable(entry, path, e);
                }
                keys.addAll(one.keys());
            }
            try {
                return PskKeyring.of(keys.toArray(ExternalPsk[]::new));
            } catch (IllegalArgumentException e) {
                throw malformed(name, entry.line(), "two keyrings hold a key for one identity");
            }
        }

        Side side(Map<String, Entry> keys) throws IOException {
            List<X509Certificate> anchors = null;
            Entry truststore = keys.get("x509.truststore");
            if (truststore != null) {
                anchors = certificates(truststore);
            }
            Entry certificate = keys.get("x509.certificate");
            Entry key = keys.get("x509.private_key");
            Credential credential = null;
            if (certificate != null && key == null) {
                throw malformed(name, certificate.line(), "x509.certificate without x509.private_key");
            }
            if (key != null && certificate == null) {
                throw malformed(name, key.line(), "x509.private_key without x509.certificate");
            }
            if (certificate != null) {
                List<X509Certificate> chain = certificates(certificate);
                PrivateKey privateKey;
                Path path = base.resolve(key.value());
                try {
                    privateKey = PemFiles.readPrivateKey(path);
                } catch (IOException e) {
                    throw unreadable(key, path, e);
                }
                try {
                    credential = new Credential(chain, privateKey);
                } catch (IllegalArgumentException e) {
                    throw malformed(name, key.line(), e.getMessage());
                }
            }
            List<String> alpn = List.of();
            Entry alpnEntry = keys.get("alpn");
            if (alpnEntry != null) {
                try {
                    alpn = TlsConfigs.protocols(list(alpnEntry));
                } catch (IllegalArgumentException e) {
                    throw malformed(name, alpnEntry.line(), e.getMessage());
                }
            }
            try {
                return new Side(anchors == null ? CertificateValidator.system()
                        : CertificateValidator.forTrustedCertificates(anchors), credential, alpn);
            } catch (RuntimeException e) {
                if (truststore == null) {
                    throw new IllegalArgumentException(name + ": no x509.truststore, and " + e.getMessage(), e);
                }
                throw malformed(name, truststore.line(), "the trust anchors cannot be used: " + e.getMessage());
            }
        }

        List<X509Certificate> certificates(Entry entry) throws IOException {
            Path path = base.resolve(entry.value());
            List<X509Certificate> certificates;
            try {
                certificates = PemFiles.readCertificates(path);
            } catch (IOException e) {
                throw unreadable(entry, path, e);
            }
            if (certificates.isEmpty()) {
                throw malformed(name, entry.line(), path + " holds no certificate");
            }
            return certificates;
        }

        Duration ticketWait(Entry entry) {
            if (entry == null) {
                return Duration.ZERO;
            }
            long millis;
            try {
                millis = Long.parseLong(entry.value());
            } catch (NumberFormatException e) {
                throw malformed(name, entry.line(), "session_ticket_wait is a number of milliseconds");
            }
            if (millis < 0 || millis > MAX_TICKET_WAIT.toMillis()) {
                throw malformed(name, entry.line(), "session_ticket_wait is 0-" + MAX_TICKET_WAIT.toMillis()
                        + " milliseconds");
            }
            return Duration.ofMillis(millis);
        }

        ClientAuth clientAuth(Entry entry) {
            if (entry == null) {
                return ClientAuth.NONE;
            }
            return switch (entry.value().toLowerCase(Locale.ROOT)) {
                case "none" -> ClientAuth.NONE;
                case "request" -> ClientAuth.REQUEST;
                case "require" -> ClientAuth.REQUIRE;
                default -> throw malformed(name, entry.line(), "client_certificate is none, request or require");
            };
        }

        private List<String> list(Entry entry) {
            List<String> items = new ArrayList<>();
            for (String item : entry.value().split(",", -1)) {
                String stripped = item.strip();
                if (stripped.isEmpty()) {
                    throw malformed(name, entry.line(), "an empty item in a ',' list");
                }
                items.add(stripped);
            }
            return items;
        }

        private IOException unreadable(Entry entry, Path path, IOException e) {
            return new IOException(name + " line " + entry.line() + ": cannot read " + path + ": " + e.getMessage(),
                    e);
        }
    }

    private static String stripComment(String line) {
        int hash = line.indexOf('#');
        int semicolon = line.indexOf(';');
        int cut = hash < 0 ? semicolon : semicolon < 0 ? hash : Math.min(hash, semicolon);
        return cut < 0 ? line : line.substring(0, cut);
    }

    private static IllegalArgumentException malformed(String name, int line, String why) {
        return new IllegalArgumentException(name + " line " + line + ": " + why);
    }

    /** {@return the pre-shared keys of the [authenticate] keyrings; empty when none are named} */
    public PskKeyring keyring() {
        return keyring;
    }

    /** {@return how long a client waits after its handshake for the server's first session ticket} */
    public Duration sessionTicketWait() {
        return sessionTicketWait;
    }

    /** {@return whether a server asks its clients for a certificate} */
    public ClientAuth clientCertificate() {
        return clientCertificate;
    }

    /** {@return the client's credential, or null when it has none} */
    public Credential clientCredential() {
        return client.credential();
    }

    /** {@return the server's credential, or null when it authenticates with PSKs only} */
    public Credential serverCredential() {
        return server.credential();
    }

    /** {@return the ALPNs a client offers when the request names none} */
    public List<String> clientApplicationProtocols() {
        return client.applicationProtocols();
    }

    /** {@return the ALPNs a server accepts when the request names none} */
    public List<String> serverApplicationProtocols() {
        return server.applicationProtocols();
    }

    /** {@return what a client checks a server's certificate with: [authenticate.client]'s trust store, else the system's} */
    public CertificateValidator serverCertificateValidator() {
        return client().validator();
    }

    /** {@return what a server checks a client's certificate with: [authenticate.server]'s trust store, else the system's} */
    public CertificateValidator clientCertificateValidator() {
        return server().validator();
    }

    Side client() {
        return client;
    }

    Side server() {
        return server;
    }

    /** What is configured, without keys or identities. */
    @Override
    public String toString() {
        return "HandshakeServiceConfig[" + keyring + ", client credential " + (client.credential() != null)
                + ", server credential " + (server.credential() != null) + ", client certificate "
                + clientCertificate + ", session ticket wait " + sessionTicketWait + "]";
    }
}
