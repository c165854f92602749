package qsock.socket;

/**
 * The {@link QuicSocketOptions#CONNECTION_ID} option, the socket draft's {@code struct quic_connection_id_info}
 * ({@code QUIC_SOCKOPT_CONNECTION_ID}): which connection IDs of a connection are in use (RFC 9000 §5.1).
 *
 * <p>Read, for the peer's IDs ({@code destination} true): {@code active} is the sequence number of the ID we send
 * to, {@code priorTo} the lowest we have not retired. For our own IDs ({@code destination} false): {@code active} and
 * {@code priorTo} are both the lowest sequence number the peer may still use (those below it were retired or asked to
 * be).
 *
 * <p>Set, with {@code destination} true: send to the peer's ID {@code active} from now on and retire the peer's IDs
 * below {@code priorTo} with RETIRE_CONNECTION_ID frames (RFC 9000 §5.1.2). With {@code destination} false: ask the
 * peer to retire our IDs below {@code priorTo}, with NEW_CONNECTION_ID frames carrying it as Retire Prior To
 * (§19.15) and replacements; {@code active} is ignored, as the peer picks which of our IDs it uses.
 *
 * @param destination the peer's IDs (true) or ours (false), the draft's {@code dest}
 * @param active the sequence number of the ID in use
 * @param priorTo the lowest sequence number not retired
 */
public record ConnectionIdInfo(boolean destination, long active, long priorTo) {

    /**
     * @throws IllegalArgumentException if a sequence number is negative
     */
    public ConnectionIdInfo {
        if (active < 0 || priorTo < 0) {
            throw new IllegalArgumentException("sequence numbers are not negative: active " + active + ", prior to "
                    + priorTo);
        }
    }
}
