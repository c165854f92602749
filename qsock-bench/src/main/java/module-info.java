/**
 * JMH benchmarks of qsock's packet protection against the JDK's ciphers alone. They measure core internals, which
 * qsock-core exports to this module by name and to no one else.
 */
module qsock.bench {
    requires qsock.core;
    requires java.management;
    requires jdk.management;
    requires jmh.core;

    opens qsock.bench.crypto;
}
