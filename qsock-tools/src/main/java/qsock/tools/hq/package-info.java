/**
 * hq-interop, the QUIC interop runner's HTTP/0.9 over QUIC: the request codec, the stream error codes qsock uses,
 * and the rule for which files a request may name.
 */
package qsock.tools.hq;
