/**
 * JMH benchmarks: qsock's packet protection against the JDK's ciphers alone (core internals, which qsock-core exports
 * to this module by name and to no one else), and the CPU cost of qsock-tls's handshakes.
 */
module qsock.bench {
    requires qsock.core;
    requires qsock.tls;
    requires java.management;
    requires jdk.management;
    requires jmh.core;

    opens qsock.bench.crypto;
    opens qsock.bench.tls;
    opens qsock.bench.udp;
}
