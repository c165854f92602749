/** Terminal output: human-readable units, sizes on the command line, a progress bar. */
package qsock.tools.term;
