package qsock.core.endpoint;

import qsock.api.TokenKeys;

/**
 * How a listening {@link QuicEndpoint} validates new clients' addresses (RFC 9000 §8.1) before it spends state on
 * them, and the tokens it hands out for that.
 *
 * @param alwaysRetry answer every Initial that brings no valid token with a Retry (RFC 9000 §8.1.2; the socket
 *     draft's {@code validate_peer_address}); default false
 * @param retryThreshold when not {@code alwaysRetry}: Retry starts once this many connections whose address is not
 *     validated are half-open (a flood of Initials from spoofed addresses then costs one stateless Retry each, no
 *     connection state), at least 1; default {@value #DEFAULT_RETRY_THRESHOLD}
 * @param keys the keys tokens are sealed with; null draws a key at random when the endpoint starts (tokens are then
 *     valid on this endpoint alone)
 * @param retryTokenLifetimeNanos how long a Retry token is accepted; default 10 s (it is echoed within a round trip)
 * @param newTokenLifetimeNanos how long a NEW_TOKEN token is accepted; default 24 hours
 * @param issueNewTokens send each client a NEW_TOKEN frame once the handshake is confirmed (RFC 9000 §8.1.3), so
 *     that its next connection skips Retry; default true
 */
public record AddressValidation(boolean alwaysRetry, int retryThreshold, TokenKeys keys, long retryTokenLifetimeNanos,
                                long newTokenLifetimeNanos, boolean issueNewTokens) {

    /** The default of {@link #retryThreshold()}: half of the default bound on half-open connections. */
    public static final int DEFAULT_RETRY_THRESHOLD = EndpointConfig.DEFAULT_MAX_HALF_OPEN_CONNECTIONS / 2;
    /** The default of {@link #retryTokenLifetimeNanos()}: 10 seconds. */
    public static final long DEFAULT_RETRY_TOKEN_LIFETIME_NANOS = 10_000_000_000L;
    /** The default of {@link #newTokenLifetimeNanos()}: 24 hours. */
    public static final long DEFAULT_NEW_TOKEN_LIFETIME_NANOS = 24 * 3_600_000_000_000L;

    /** Checks the settings. */
    public AddressValidation {
        if (retryThreshold < 1) {
            throw new IllegalArgumentException("retryThreshold must be at least 1: " + retryThreshold);
        }
        if (retryTokenLifetimeNanos <= 0 || newTokenLifetimeNanos <= 0) {
            throw new IllegalArgumentException("token lifetimes must be positive: " + retryTokenLifetimeNanos + ", "
                    + newTokenLifetimeNanos);
        }
    }

    /** {@return the defaults: Retry past the threshold only, a random key, NEW_TOKEN tokens issued} */
    public static AddressValidation defaults() {
        return new AddressValidation(false, DEFAULT_RETRY_THRESHOLD, null, DEFAULT_RETRY_TOKEN_LIFETIME_NANOS,
                DEFAULT_NEW_TOKEN_LIFETIME_NANOS, true);
    }

    /** {@return these settings with Retry for every client without a valid token, or not} */
    public AddressValidation withAlwaysRetry(boolean always) {
        return new AddressValidation(always, retryThreshold, keys, retryTokenLifetimeNanos, newTokenLifetimeNanos,
                issueNewTokens);
    }

    /** {@return these settings with another automatic Retry threshold} */
    public AddressValidation withRetryThreshold(int threshold) {
        return new AddressValidation(alwaysRetry, threshold, keys, retryTokenLifetimeNanos, newTokenLifetimeNanos,
                issueNewTokens);
    }

    /** {@return these settings with other token keys} */
    public AddressValidation withKeys(TokenKeys k) {
        return new AddressValidation(alwaysRetry, retryThreshold, k, retryTokenLifetimeNanos, newTokenLifetimeNanos,
                issueNewTokens);
    }

    /** {@return these settings with other token lifetimes} */
    public AddressValidation withLifetimes(long retryNanos, long newTokenNanos) {
        return new AddressValidation(alwaysRetry, retryThreshold, keys, retryNanos, newTokenNanos, issueNewTokens);
    }

    /** {@return these settings issuing NEW_TOKEN tokens, or not} */
    public AddressValidation withIssueNewTokens(boolean issue) {
        return new AddressValidation(alwaysRetry, retryThreshold, keys, retryTokenLifetimeNanos, newTokenLifetimeNanos,
                issue);
    }
}
