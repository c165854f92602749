package qsock.api;

/** Which end of a connection an endpoint is. Several rules of RFC 9000 differ by role. */
public enum Role {
    /** The endpoint that opened the connection. */
    CLIENT,
    /** The endpoint that accepted it. */
    SERVER;

    /** {@return the other role} */
    public Role peer() {
        return this == CLIENT ? SERVER : CLIENT;
    }
}
