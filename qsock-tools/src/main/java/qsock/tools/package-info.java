/** The {@code qsock} command ({@link qsock.tools.Qsock}): server, client, perf and demo, built on {@code QuicSocket}. */
package qsock.tools;
