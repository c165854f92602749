/** The main job in one process: a qsock server and client moving data on loopback. */
package qsock.tools.demo;
