package qsock.core.cid;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import qsock.core.params.StatelessResetToken;
import qsock.core.wire.ConnectionId;

/** A routing table for tests: what a connection registered, and IDs other connections hold. */
final class RecordingRegistry implements ConnectionIdRegistry {

    final Map<ConnectionId, StatelessResetToken> routes = new LinkedHashMap<>();
    final Set<ConnectionId> takenElsewhere = new HashSet<>();
    int removals;

    @Override
    public void add(ConnectionId cid, StatelessResetToken token) {
        if (routes.putIfAbsent(cid, token) != null) {
            throw new AssertionError("registered twice: " + cid);
        }
    }

    @Override
    public void remove(ConnectionId cid) {
        if (routes.remove(cid) == null) {
            throw new AssertionError("removed without being registered: " + cid);
        }
        removals++;
    }

    @Override
    public boolean isInUse(ConnectionId cid) {
        return routes.containsKey(cid) || takenElsewhere.contains(cid);
    }
}
