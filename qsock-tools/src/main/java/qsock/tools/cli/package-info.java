/** The picocli commands and their shared options (certificates, trust, sizes). */
package qsock.tools.cli;
