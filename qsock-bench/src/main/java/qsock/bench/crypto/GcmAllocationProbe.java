package qsock.bench.crypto;

import java.lang.management.ManagementFactory;
import java.security.GeneralSecurityException;
import java.util.SplittableRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import qsock.core.handshake.CipherSuite;

/**
 * Where the JDK's garbage per AES-GCM packet comes from (issue 14): the bytes the thread allocates in each of
 * the three JCA calls that seal or open a 1452-byte 1-RTT packet, {@code Cipher.init}, {@code updateAAD} and
 * {@code doFinal}, with the parameter spec {@link qsock.core.crypto.Aead} uses (two IV arrays handed out in
 * turn, so that the spec itself allocates nothing). Averaged over the last 1000 of 400000 calls, after C2
 * has compiled the JDK's code; the counter ({@link com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes()})
 * allocates nothing itself.
 *
 * <p>On Java 25 (SunJCE) it prints: seal: init 32, updateAAD 584, doFinal 280; open: init 32, updateAAD 560,
 * doFinal 336; in some JVMs each doFinal 112 bytes more (392, 448): how C2 compiled the JDK's code decides
 * whether escape analysis removes a short-lived object there (JMH forks show the same spread). The
 * {@link qsock.core.crypto.Aead} javadoc says which JDK objects make these up. Run:
 * <pre>
 * java -cp qsock-bench/target/benchmarks.jar qsock.bench.crypto.GcmAllocationProbe
 * </pre>
 */
public final class GcmAllocationProbe {

    private static final int CALLS = 400_000;
    private static final int MEASURED = 1000;
    private static final int PACKET = 1452;
    private static final int HEADER = ProtectionWorkload.HEADER_LENGTH;
    private static final int PAYLOAD = PACKET - HEADER - CipherSuite.TAG_LENGTH;

    private GcmAllocationProbe() {
    }

    /**
     * Prints the average bytes allocated by each call for sealing and for opening.
     *
     * @param args none
     * @throws GeneralSecurityException if the JDK lacks AES/GCM/NoPadding
     */
    public static void main(String[] args) throws GeneralSecurityException {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads)
                || !threads.isThreadAllocatedMemorySupported()) {
            System.out.println("this JVM cannot count a thread's allocated bytes");
            return;
        }
        SplittableRandom random = new SplittableRandom(14);
        byte[] key = new byte[16];
        random.nextBytes(key);
        byte[] packet = new byte[PACKET];
        random.nextBytes(packet);
        SecretKeySpec keySpec = new SecretKeySpec(key, "AES");
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        byte[] nonce = new byte[12];
        AlternatingSpec spec = new AlternatingSpec(nonce);

        long[] seal = new long[3];
        for (int i = 0; i < CALLS; i++) {
            long number = i + 1L;
            nonce[11] = (byte) number;
            nonce[10] = (byte) (number >>> 8);
            nonce[9] = (byte) (number >>> 16);
            long t0 = threads.getCurrentThreadAllocatedBytes();
            cipher.init(Cipher.ENCRYPT_MODE, keySpec, spec);
            long t1 = threads.getCurrentThreadAllocatedBytes();
            cipher.updateAAD(packet, 0, HEADER);
            long t2 = threads.getCurrentThreadAllocatedBytes();
            cipher.doFinal(packet, HEADER, PAYLOAD, packet, HEADER);
            long t3 = threads.getCurrentThreadAllocatedBytes();
            if (i >= CALLS - MEASURED) {
                seal[0] += t1 - t0;
                seal[1] += t2 - t1;
                seal[2] += t3 - t2;
            }
        }
        // The packet now holds the last seal's ciphertext under the nonce of number CALLS: open it again and again.
        byte[] sealed = packet.clone();
        byte[] work = new byte[PACKET];
        long[] open = new long[3];
        for (int i = 0; i < CALLS; i++) {
            System.arraycopy(sealed, 0, work, 0, PACKET);
            long t0 = threads.getCurrentThreadAllocatedBytes();
            cipher.init(Cipher.DECRYPT_MODE, keySpec, spec);
            long t1 = threads.getCurrentThreadAllocatedBytes();
            cipher.updateAAD(work, 0, HEADER);
            long t2 = threads.getCurrentThreadAllocatedBytes();
            int n = cipher.doFinal(work, HEADER, PAYLOAD + CipherSuite.TAG_LENGTH, work, HEADER);
            long t3 = threads.getCurrentThreadAllocatedBytes();
            if (n != PAYLOAD) {
                throw new IllegalStateException("opened " + n + " bytes, not " + PAYLOAD);
            }
            if (i >= CALLS - MEASURED) {
                open[0] += t1 - t0;
                open[1] += t2 - t1;
                open[2] += t3 - t2;
            }
        }
        System.out.printf("seal: init %d, updateAAD %d, doFinal %d bytes per call%n",
                seal[0] / MEASURED, seal[1] / MEASURED, seal[2] / MEASURED);
        System.out.printf("open: init %d, updateAAD %d, doFinal %d bytes per call%n",
                open[0] / MEASURED, open[1] / MEASURED, open[2] / MEASURED);
    }

    /** Aead's nonce spec: two IV arrays handed out in turn (SunJCE compares a new IV with the one it kept). */
    private static final class AlternatingSpec extends GCMParameterSpec {
        private final byte[] nonce;
        private final byte[][] copies;
        private int next;

        AlternatingSpec(byte[] nonce) {
            super(128, nonce);
            this.nonce = nonce;
            this.copies = new byte[][] {nonce.clone(), nonce.clone()};
        }

        @Override
        public byte[] getIV() {
            next ^= 1;
            System.arraycopy(nonce, 0, copies[next], 0, nonce.length);
            return copies[next];
        }
    }
}
