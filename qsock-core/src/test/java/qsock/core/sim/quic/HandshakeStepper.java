package qsock.core.sim.quic;

/**
 * A handshake running on one connection, stepped by its host after every input: it reads what arrived through its
 * handshake channel and writes, installs and completes as far as that lets it. Never blocks.
 */
@FunctionalInterface
public interface HandshakeStepper {

    /** Takes the handshake as far as what arrived lets it; work a real engine would delegate runs inline. */
    void step() throws Exception;
}
