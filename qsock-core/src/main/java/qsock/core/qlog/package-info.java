/**
 * qlog, the QUIC ecosystem's trace format (draft-ietf-quic-qlog-main-schema, draft-ietf-quic-qlog-quic-events),
 * written per connection as JSON-SEQ ({@code .sqlog}, RFC 7464): one file {@code <ODCID hex>_<client|server>.sqlog}
 * in the directory {@code QuicSocketOptions.QLOG_DIR} names, which qvis draws.
 *
 * <p>A connection with a {@link qsock.core.qlog.QlogTrace} makes small {@link qsock.core.qlog.QlogEvent} records on
 * its I/O thread and offers them to the one {@link qsock.core.qlog.QlogWriter} of the JVM, whose bounded queue drops
 * (and counts) what does not fit rather than block; the writer's thread turns them into JSON
 * ({@link qsock.core.qlog.QlogJson}) and writes the files. A connection without a trace pays one null check.
 */
package qsock.core.qlog;
