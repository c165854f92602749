package qsock.core.sim.quic;

import qsock.core.connection.QuicConnection;

/** What a simulated endpoint does with an established connection, one turn at a time, never blocking. */
public interface Application {

    /** Reads events, writes and reads streams; called after every input the host processed. */
    void onTurn(QuicConnection connection, long now) throws Exception;

    /** An application that does nothing. */
    Application IDLE = (c, now) -> { };
}
