/** The self-signed certificate a server makes for itself on first run, kept as PEM. */
package qsock.tools.cert;
