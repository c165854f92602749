/**
 * Connection IDs (RFC 9000 §5.1): the IDs this endpoint issues to its peer ({@link qsock.core.cid.LocalConnectionIds}),
 * the IDs the peer issued to it ({@link qsock.core.cid.PeerConnectionIds}), and the stateless reset tokens bound to
 * them ({@link qsock.core.cid.StatelessResetTokens}). Each class keeps the NEW_CONNECTION_ID or
 * RETIRE_CONNECTION_ID frames it owes the peer until they are acknowledged; the connection writes them into
 * packets and reports their loss or acknowledgement by sequence number.
 *
 * <p>Every structure the peer can grow is bounded: the peer's IDs by our active_connection_id_limit, the
 * retirements we owe by four times that limit, and our own IDs by {@link qsock.core.cid.LocalConnectionIds#MAX_ACTIVE}.
 * None of these classes is thread-safe; the connection owns them.
 *
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-5.1 RFC 9000 §5.1, Connection ID
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-10.3 RFC 9000 §10.3, Stateless Reset
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-19.15 RFC 9000 §19.15, NEW_CONNECTION_ID Frames
 * @spec https://www.rfc-editor.org/rfc/rfc9000#section-19.16 RFC 9000 §19.16, RETIRE_CONNECTION_ID Frames
 */
package qsock.core.cid;
