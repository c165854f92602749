/**
 * qsock's JDK Flight Recorder events, for what an operator needs to see without a debugger: each handshake
 * ({@link qsock.core.jfr.HandshakeEvent}) and each connection's end ({@link qsock.core.jfr.ConnectionCloseEvent}).
 * They cost nothing while no recording asks for them (JFR's own check before anything is made); {@code jfr print
 * --events qsock.* FILE} and Mission Control show them.
 */
package qsock.core.jfr;
