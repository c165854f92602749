package qsock.core.connection;

/** What a client's move to another path came to (see {@link QuicConnection#takeMigrationOutcome()}). */
public enum MigrationOutcome {
    /** Nothing new to report. */
    NONE,
    /** The new path answered its PATH_CHALLENGE and the connection moved there (RFC 9000 §9.2). */
    MOVED,
    /** The new path did not answer in time (RFC 9000 §8.2.4): the connection stayed where it was. */
    ABANDONED
}
