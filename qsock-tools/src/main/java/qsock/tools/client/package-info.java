/** The hq-interop client: URLs, fetching on one connection, and what each fetch gave. */
package qsock.tools.client;
