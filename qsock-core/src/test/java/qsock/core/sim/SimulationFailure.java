package qsock.core.sim;

/**
 * A simulation that did not finish: a step or virtual-time cap was hit, nothing was left to happen, or a host
 * threw. The message names the seed, the virtual time and the step count, so the run can be replayed.
 */
public final class SimulationFailure extends AssertionError {

    private static final long serialVersionUID = 1L;

    private final long seed;
    private final long virtualTime;
    private final long steps;

    SimulationFailure(String message, long seed, long virtualTime, long steps, Throwable cause) {
        super(message, cause);
        this.seed = seed;
        this.virtualTime = virtualTime;
        this.steps = steps;
    }

    /** {@return the network's seed: a {@link SimNetwork} built with it replays the run} */
    public long seed() {
        return seed;
    }

    /** {@return the virtual time at the failure, in nanoseconds} */
    public long virtualTime() {
        return virtualTime;
    }

    /** {@return the number of steps the failing run had taken} */
    public long steps() {
        return steps;
    }
}
