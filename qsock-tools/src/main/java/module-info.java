/**
 * The {@code qsock} command (server, client, perf, demo, handshaked, cert) over qsock's public API. picocli reads the
 * commands' annotated fields by reflection, hence the opened packages.
 */
module qsock.tools {
    requires qsock.tls;
    requires info.picocli;
    requires java.management;
    // qsock stats: a local JMX attach to a running process.
    requires jdk.attach;
    requires jdk.jfr;
    requires jdk.management;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.util;

    opens qsock.tools to info.picocli;
    opens qsock.tools.cli to info.picocli;
}
