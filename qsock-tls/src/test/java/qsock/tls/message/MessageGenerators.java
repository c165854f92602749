package qsock.tls.message;

import static qsock.tls.extension.ExtensionGenerators.opaque;
import static qsock.tls.extension.ExtensionGenerators.u16;
import static qsock.tls.extension.ExtensionGenerators.u16s;
import static qsock.tls.extension.ExtensionGenerators.u32;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import qsock.tls.codec.Opaque;
import qsock.tls.extension.ExtensionGenerators;

/** Random valid handshake messages of every type, for property checks. */
final class MessageGenerators {

    private MessageGenerators() {}

    /** {@return a random valid message of a random type} */
    static HandshakeMessage message(SplittableRandom r) {
        return switch (r.nextInt(10)) {
            case 0 -> clientHello(r);
            case 1 -> serverHello(r);
            case 2 -> new EncryptedExtensions(ExtensionGenerators.block(r, ExtensionGenerators.ENCRYPTED_EXTENSIONS));
            case 3 -> new CertificateRequest(opaque(r, 0, 255),
                    ExtensionGenerators.block(r, ExtensionGenerators.CERTIFICATE_REQUEST));
            case 4 -> certificate(r);
            case 5 -> new CertificateVerify(u16(r), opaque(r, 0, 600));
            case 6 -> new Finished(opaque(r, 1, 255));
            case 7 -> new NewSessionTicket(u32(r), u32(r), opaque(r, 0, 255), opaque(r, 1, 600),
                    ExtensionGenerators.block(r, ExtensionGenerators.NEW_SESSION_TICKET));
            case 8 -> new EndOfEarlyData();
            default -> new KeyUpdate(r.nextBoolean() ? KeyUpdateRequest.UPDATE_REQUESTED : KeyUpdateRequest.UPDATE_NOT_REQUESTED);
        };
    }

    static ClientHello clientHello(SplittableRandom r) {
        int version = r.nextInt(4) == 0 ? u16(r) : ClientHello.LEGACY_VERSION;
        Opaque compression = r.nextInt(4) == 0 ? opaque(r, 1, 255) : ClientHello.NULL_COMPRESSION;
        List<Integer> suites = u16s(r, r.nextInt(10) == 0 ? 200 : 5);
        return new ClientHello(version, opaque(r, 32, 32), opaque(r, 0, 32), suites, compression,
                ExtensionGenerators.block(r, ExtensionGenerators.CLIENT_HELLO));
    }

    static ServerHello serverHello(SplittableRandom r) {
        boolean hrr = r.nextInt(3) == 0;
        Opaque random = hrr ? ServerHello.HELLO_RETRY_REQUEST_RANDOM : opaque(r, 32, 32);
        int version = r.nextInt(4) == 0 ? u16(r) : ClientHello.LEGACY_VERSION;
        return new ServerHello(version, random, opaque(r, 0, 32), u16(r), r.nextInt(8) == 0 ? r.nextInt(256) : 0,
                ExtensionGenerators.block(r, hrr ? ExtensionGenerators.HELLO_RETRY_REQUEST : ExtensionGenerators.SERVER_HELLO));
    }

    static Certificate certificate(SplittableRandom r) {
        List<CertificateEntry> entries = new ArrayList<>();
        for (int i = r.nextInt(4); i > 0; i--) {
            entries.add(new CertificateEntry(opaque(r, 1, 2000),
                    ExtensionGenerators.block(r, ExtensionGenerators.CERTIFICATE)));
        }
        return new Certificate(opaque(r, 0, 255), entries);
    }

    /** {@return the verify_data length to decode {@code m} with: its own for a Finished, else a hash length} */
    static int verifyDataLength(HandshakeMessage m) {
        return m instanceof Finished f ? f.verifyData().length() : 32;
    }
}
