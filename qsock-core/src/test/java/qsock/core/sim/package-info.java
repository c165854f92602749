/**
 * A deterministic network simulator for tests: hosts exchange datagrams in virtual time over links that
 * lose, duplicate, reorder, corrupt, delay and rate-limit them, all decided by one seed.
 *
 * <p>{@link qsock.core.sim.SimNetwork} runs one thread and never reads a clock. Hosts are adapters behind
 * {@link qsock.core.sim.SimHost}, so the simulator does not depend on the connection's API. A failing run
 * throws {@link qsock.core.sim.SimulationFailure}, whose message names the seed that replays it.
 */
package qsock.core.sim;
