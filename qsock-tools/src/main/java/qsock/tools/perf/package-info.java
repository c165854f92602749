/**
 * {@code qsock perf}, after the kernel QUIC module's perf test: its stream protocol, the server handler, the
 * client, and the results (throughput, nearest-rank latency percentiles).
 */
package qsock.tools.perf;
