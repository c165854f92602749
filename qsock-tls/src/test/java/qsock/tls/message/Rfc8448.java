package qsock.tls.message;

import java.util.HexFormat;

/**
 * Handshake messages of RFC 8448 (Example Handshake Traces for TLS 1.3), exactly as its traces print them.
 * {@link Rfc8448Test} checks them against the transcript hashes the RFC publishes, so a wrong byte here
 * fails a test rather than testing the codec against itself.
 */
final class Rfc8448 {

    private Rfc8448() {}

    /** §3 Simple 1-RTT: {client} construct a ClientHello handshake message (196 octets). */
    static final String CLIENT_HELLO =
            "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece700000613011303130201"
            + "0000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400"
            + "230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b00"
            + "03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c"
            + "00024001";

    /** §3: {server} construct a ServerHello handshake message (90 octets). */
    static final String SERVER_HELLO =
            "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024"
            + "001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304";

    /** §3: {server} construct an EncryptedExtensions handshake message (40 octets). */
    static final String ENCRYPTED_EXTENSIONS =
            "080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000";

    /** §3: {server} construct a Certificate handshake message (445 octets). */
    static final String CERTIFICATE =
            "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a"
            + "06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a"
            + "0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d98"
            + "0836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced4312"
            + "0998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d0"
            + "3e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b060355"
            + "1d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f"
            + "8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102"
            + "702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8"
            + "f8961229ac9187b42b4de10000";

    /** §3: {server} construct a CertificateVerify handshake message (136 octets). */
    static final String CERTIFICATE_VERIFY =
            "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d3"
            + "3a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c"
            + "9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3";

    /** §3: {server} construct a Finished handshake message (36 octets). */
    static final String SERVER_FINISHED =
            "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718";

    /** §3: {client} construct a Finished handshake message (36 octets). */
    static final String CLIENT_FINISHED =
            "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61";

    /** §3: {server} construct a NewSessionTicket handshake message (205 octets). */
    static final String NEW_SESSION_TICKET =
            "040000c90000001efad6aac502000000b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf"
            + "1b0070ad3c498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827"
            + "db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228"
            + "bda40dda721470f9fbf297b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934a"
            + "e4d3570008002a000400000400";

    /** §4 Resumed 0-RTT: {server} construct a ServerHello handshake message (96 octets). */
    static final String RESUMED_SERVER_HELLO =
            "0200005c03033ccfd2dec890222763472ae8136777c9d7358777bb66e91ea5122495f559ea2d00130100003400290002"
            + "000000330024001d0020121761ee42c333e1b9e77b60dd57c2053cd94512ab47f115e86eff50942cea31002b00020304";

    /** §4: {server} construct an EncryptedExtensions handshake message (44 octets). */
    static final String RESUMED_ENCRYPTED_EXTENSIONS =
            "080000280026000a00140012001d00170018001901000101010201030104001c0002400100000000002a0000";

    /** §5 HelloRetryRequest: {client} construct a ClientHello handshake message (180 octets). */
    static final String RETRY_CLIENT_HELLO_1 =
            "010000b00303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f00000613011303130201"
            + "0000810000000b0009000006736572766572ff01000100000a00080006001d00170018003300260024001d0020e8e8e3"
            + "f3b93a25ed97a14a7dcacb8a272c6288e585c6484d05262fcad062ad1f002b0003020304000d0020001e040305030603"
            + "020308040805080604010501060102010402050206020202002d00020101001c00024001";

    /** §5: {server} construct a HelloRetryRequest: a ServerHello handshake message (176 octets). */
    static final String HELLO_RETRY_REQUEST =
            "020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c00130100008400330002"
            + "0017002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf6256"
            + "36e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16"
            + "aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002b00020304";

    /** §5: {server} construct a ServerHello handshake message (123 octets). */
    static final String RETRY_SERVER_HELLO =
            "020000770303bb341d847fd789c47c387172dc0c9bf147fccacb5043d86ca4c598d3ff571b9800130100004f00330045"
            + "0017004104583e054b7a66672ae020ad9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b04ac07d835"
            + "40eab3e3d9c547bc6528c4317d294686093a6cad7d002b00020304";

    /**
     * §4: the resumed ClientHello without its binders (477 octets), the "truncated" ClientHello the binder
     * is computed over (RFC 8446 §4.2.11.2); 87 zero bytes of padding sit before its pre_shared_key.
     */
    static final String RESUMED_CLIENT_HELLO_PREFIX =
            "010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d9500000613011303130201"
            + "0001cd0000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400"
            + "3300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe051a66b4f18d668f0b002a0000002b00"
            + "03020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c"
            + "00024001"
            + "00150057" + "00".repeat(87)
            + "002900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c9"
            + "367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454"
            + "a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fb"
            + "f297b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb";

    /** §4: the binders that complete it: one binder of 32 octets. */
    static final String RESUMED_CLIENT_HELLO_BINDERS =
            "0021" + "20"
            + "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d";

    /** §4: {client} send handshake record: the whole resumed ClientHello (512 octets). */
    static final String RESUMED_CLIENT_HELLO =
            RESUMED_CLIENT_HELLO_PREFIX + RESUMED_CLIENT_HELLO_BINDERS;

    /** §4: {client} send handshake record: EndOfEarlyData (4 octets). */
    static final String END_OF_EARLY_DATA =
            "05000000";

    /** §5: {client} construct a ClientHello handshake message (512 octets); 175 zero bytes of padding end it. */
    static final String RETRY_CLIENT_HELLO_2 =
            "010001fc0303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f00000613011303130201"
            + "0001cd0000000b0009000006736572766572ff01000100000a00080006001d001700180033004700450017004104a6da"
            + "7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac8f0151812677c4d6d2237e85cf01d6910cfb83954e"
            + "76ba7352830534159897e8065780002b0003020304000d0020001e040305030603020308040805080604010501060102"
            + "010402050206020202002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd00"
            + "30953f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b"
            + "0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002d00020101001c00024001"
            + "001500af" + "00".repeat(175);

    /** §3: the transcript hash over ClientHello and ServerHello, for "tls13 c hs traffic". */
    static final String HASH_HELLOS =
            "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8";

    /** §3: the transcript hash through the server's Finished, for "tls13 c ap traffic". */
    static final String HASH_THROUGH_SERVER_FINISHED =
            "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13";

    /** §3: the transcript hash through the client's Finished, for "tls13 res master". */
    static final String HASH_THROUGH_CLIENT_FINISHED =
            "209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d";

    /** §3: server_handshake_traffic_secret, from which the server's finished_key derives. */
    static final String SERVER_HANDSHAKE_TRAFFIC_SECRET =
            "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38";

    /** §4: the hash of the truncated ClientHello that the binder covers. */
    static final String HASH_TRUNCATED_CLIENT_HELLO =
            "63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14";

    /** §5: the transcript hash of message_hash(ClientHello1), HelloRetryRequest, ClientHello2, ServerHello. */
    static final String HASH_RETRY_HELLOS =
            "8aa8e828ec2f8a884fec95a3139de01c15a3daa7ff5bfc3f4bfcc21b438d7bf8";

    static byte[] bytes(String hex) {
        return HexFormat.of().parseHex(hex);
    }
}
