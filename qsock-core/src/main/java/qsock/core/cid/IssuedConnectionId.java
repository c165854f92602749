package qsock.core.cid;

import java.util.Objects;
import qsock.core.params.StatelessResetToken;
import qsock.core.wire.ConnectionId;

/**
 * A connection ID this endpoint issued, with its sequence number and stateless reset token (RFC 9000 §5.1.1),
 * as handed out for the preferred_address transport parameter.
 *
 * @param sequenceNumber the ID's sequence number
 * @param connectionId the ID
 * @param statelessResetToken the token bound to it
 */
public record IssuedConnectionId(long sequenceNumber, ConnectionId connectionId,
        StatelessResetToken statelessResetToken) {

    /** Checks that nothing is missing. */
    public IssuedConnectionId {
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(statelessResetToken, "statelessResetToken");
    }
}
