package qsock.api;

/** The congestion control algorithms a connection can run; {@link CongestionController#create} builds one. */
public enum CongestionAlgorithm {
    /** NewReno as RFC 9002 §7 and Appendix B describe it; the Linux kernel module's default. */
    NEW_RENO,
    /** CUBIC (RFC 9438) with HyStart++ (RFC 9406) in the first slow start. */
    CUBIC
}
