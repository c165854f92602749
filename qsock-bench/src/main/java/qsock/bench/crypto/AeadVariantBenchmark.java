package qsock.bench.crypto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import qsock.core.crypto.Aead;
import qsock.core.crypto.HeaderProtection;
import qsock.core.handshake.CipherSuite;

/**
 * The ways the JDK lets one seal and open a 1-RTT packet's payload with AES-128-GCM (issue 14), side by
 * side in one run, in nanoseconds per packet; with {@code -prof gc} also the bytes allocated per packet
 * ({@code gc.alloc.rate.norm}). The packet: a 11-byte short header (the associated data), then payload and
 * 16-byte tag, {@code packetSize} bytes in all.
 *
 * <ul>
 *   <li>{@code sealAead}, {@code openAead}: qsock's {@link Aead} on a heap buffer (what the stack runs);
 *       {@code sealAeadDirect}, {@code openAeadDirect} the same on a direct buffer.
 *   <li>{@code sealRawNewSpec}, {@code openRawInPlace}: plain JCA, a new {@code GCMParameterSpec} per packet
 *       ({@code Cipher.init} per packet is needed: SunJCE's GCM refuses a second encryption under one key and
 *       IV, so a {@code Cipher} cannot be reused without init), {@code byte[]} in place.
 *   <li>{@code sealRawReusedKeyArrays}: plain JCA with reused spec and key objects that hand out reused arrays
 *       (see the {@link Aead} javadoc for why qsock does not reuse key arrays): the JDK's floor.
 *   <li>{@code openRawOutOfPlace}: decrypt from the packet into another array and copy the plaintext back.
 *       SunJCE's combined AES-GCM intrinsic ({@code GaloisCounterMode.implGCMCrypt0}, AVX-512/AVX2) is skipped
 *       for an in-place decryption (it would overwrite the ciphertext GHASH still has to read), which then
 *       runs GHASH and AES-CTR as two passes.
 *   <li>{@code sealRawByteBufferHeap}, {@code openRawByteBufferHeap}, {@code sealRawByteBufferDirect},
 *       {@code openRawByteBufferDirect}: {@code updateAAD(ByteBuffer)} and {@code doFinal(ByteBuffer, ByteBuffer)}
 *       in place.
 *   <li>{@code sealChaCha20}, {@code openChaCha20}: qsock's {@link Aead} with ChaCha20-Poly1305, for comparison.
 *   <li>{@code hpAesQsock}: {@link HeaderProtection#mask} (AES-ECB, one init, {@code update} per block, plus
 *       its checks and the mask's assembly); {@code hpAesUpdate}, {@code hpAesDoFinal}: the bare {@code Cipher}
 *       call on a reused {@code Cipher}; {@code hpAesInitPerBlock}: an init per
 *       block, as code that does not keep the Cipher would.
 * </ul>
 *
 * <p>Build and run (Java 25 {@code java}; about 4 minutes; {@code -prof gc} adds B/op):
 * <pre>
 * ./mvn25 -q -B -o package -DskipTests -pl qsock-bench -am
 * java -jar qsock-bench/target/benchmarks.jar AeadVariantBenchmark -f 1 -wi 3 -w 1 -i 3 -r 1 -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AeadVariantBenchmark {

    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final int HEADER = ProtectionWorkload.HEADER_LENGTH;
    private static final int TAG = CipherSuite.TAG_LENGTH;
    private static final int SAMPLES = 1024;

    @Param({"1200", "1452"})
    public int packetSize;

    private int payload;
    private byte[] key;
    private byte[] iv;
    private long ivLow;

    private Aead gcmSealer;
    private Aead gcmOpener;
    private Aead chachaSealer;
    private Aead chachaOpener;
    private long gcmNumber = 1;
    private long chachaNumber = 1;

    private Cipher cipher;
    private SecretKeySpec keySpec;
    private final byte[] nonce = new byte[12];
    private long rawNumber = 1;

    /** Heap packet being sealed again and again (sealing in place just re-encrypts the ciphertext). */
    private ByteBuffer sealHeap;
    private ByteBuffer sealDirect;
    /** AES-GCM packet sealed with number 1; chacha the same with ChaCha20-Poly1305. */
    private byte[] sealedGcm;
    private byte[] sealedChaCha;
    private ByteBuffer openHeap;
    private ByteBuffer openDirect;
    private byte[] openBytes;
    private byte[] scratch;
    /** Views for the ByteBuffer variants: aad, and src/dst of the payload, in the heap and direct buffers. */
    private ByteBuffer heapAad;
    private ByteBuffer heapSrc;
    private ByteBuffer heapDst;
    private ByteBuffer directAad;
    private ByteBuffer directSrc;
    private ByteBuffer directDst;

    private HeaderProtection hp;
    private Cipher ecb;
    private SecretKeySpec hpKey;
    private byte[] samples;
    private ByteBuffer sampleBuffer;
    private final byte[] mask = new byte[16];
    private int nextSample;

    @Setup
    public void setUp() throws GeneralSecurityException {
        SplittableRandom random = new SplittableRandom(14);
        payload = packetSize - HEADER - TAG;
        key = new byte[16];
        random.nextBytes(key);
        iv = new byte[12];
        random.nextBytes(iv);
        ivLow = (long) LONG_BE.get(iv, 4);
        byte[] chachaKey = new byte[32];
        random.nextBytes(chachaKey);
        byte[] packet = new byte[packetSize];
        random.nextBytes(packet);

        gcmSealer = new Aead(CipherSuite.TLS_AES_128_GCM_SHA256, key, iv);
        gcmOpener = new Aead(CipherSuite.TLS_AES_128_GCM_SHA256, key, iv);
        chachaSealer = new Aead(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, chachaKey, iv);
        chachaOpener = new Aead(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, chachaKey, iv);
        ByteBuffer first = ByteBuffer.wrap(packet.clone());
        new Aead(CipherSuite.TLS_AES_128_GCM_SHA256, key, iv).seal(first, 0, HEADER, HEADER, payload, 1);
        sealedGcm = first.array();
        first = ByteBuffer.wrap(packet.clone());
        new Aead(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, chachaKey, iv).seal(first, 0, HEADER, HEADER, payload, 1);
        sealedChaCha = first.array();

        cipher = Cipher.getInstance("AES/GCM/NoPadding");
        keySpec = new SecretKeySpec(key, "AES");
        System.arraycopy(iv, 0, nonce, 0, 12);
        reusedKey = new ReusedArraysKey(key);
        reusedSpec = new AlternatingSpec(nonce);
        sealHeap = ByteBuffer.wrap(packet.clone());
        sealDirect = ByteBuffer.allocateDirect(packetSize).put(0, packet);
        openHeap = ByteBuffer.allocate(packetSize);
        openDirect = ByteBuffer.allocateDirect(packetSize);
        openBytes = openHeap.array();
        scratch = new byte[packetSize];
        heapAad = openHeap.duplicate();
        heapSrc = openHeap.duplicate();
        heapDst = openHeap.duplicate();
        directAad = openDirect.duplicate();
        directSrc = openDirect.duplicate();
        directDst = openDirect.duplicate();

        byte[] hpKeyBytes = new byte[16];
        random.nextBytes(hpKeyBytes);
        hp = new HeaderProtection(CipherSuite.TLS_AES_128_GCM_SHA256, hpKeyBytes);
        hpKey = new SecretKeySpec(hpKeyBytes, "AES");
        ecb = Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(Cipher.ENCRYPT_MODE, hpKey);
        samples = new byte[SAMPLES * 16];
        random.nextBytes(samples);
        sampleBuffer = ByteBuffer.wrap(samples);
        setUpViews();
        verify(packet);
    }

    /**
     * Checks that every variant does the work it claims before it is timed: each open yields the original
     * payload, and what the raw seals produce opens with qsock's {@link Aead}.
     */
    private void verify(byte[] packet) throws GeneralSecurityException {
        ByteBuffer expected = ByteBuffer.wrap(packet, HEADER, payload).slice();
        // Each open leaves its plaintext in place and the next one restores the buffer: check one at a time.
        checkOpen("openAead", openAead(), openHeap, expected);
        checkOpen("openAeadDirect", openAeadDirect(), openDirect, expected);
        checkOpen("openRawInPlace", openRawInPlace(), openHeap, expected);
        checkOpen("openRawOutOfPlace", openRawOutOfPlace(), openHeap, expected);
        checkOpen("openRawByteBufferHeap", openRawByteBufferHeap(), openHeap, expected);
        checkOpen("openRawByteBufferDirect", openRawByteBufferDirect(), openDirect, expected);
        checkOpen("openChaCha20", openChaCha20(), openHeap, expected);
        // sealHeap still holds the plaintext packet: seal it with the reused key arrays, open it with qsock.
        int sealed = sealRawReusedKeyArrays();
        ByteBuffer copy = ByteBuffer.allocate(packetSize).put(0, sealHeap, 0, packetSize);
        Aead checker = new Aead(CipherSuite.TLS_AES_128_GCM_SHA256, key, iv);
        checkOpen("sealRawReusedKeyArrays", checker.open(copy, 0, HEADER, HEADER, sealed, rawNumber), copy, expected);
    }

    private void checkOpen(String variant, int length, ByteBuffer output, ByteBuffer expected) {
        if (length != payload || !output.slice(HEADER, payload).equals(expected)) {
            throw new IllegalStateException(variant + " does not give back the payload (" + length + ")");
        }
    }

    private GCMParameterSpec nextSpec(long number) {
        LONG_BE.set(nonce, 4, ivLow ^ number);
        return new GCMParameterSpec(128, nonce);
    }

    @Benchmark
    public int sealAead() {
        return gcmSealer.seal(sealHeap, 0, HEADER, HEADER, payload, ++gcmNumber);
    }

    @Benchmark
    public int sealAeadDirect() {
        return gcmSealer.seal(sealDirect, 0, HEADER, HEADER, payload, ++gcmNumber);
    }

    @Benchmark
    public int openAead() {
        openHeap.put(0, sealedGcm);
        return gcmOpener.open(openHeap, 0, HEADER, HEADER, packetSize - HEADER, 1);
    }

    @Benchmark
    public int openAeadDirect() {
        openDirect.put(0, sealedGcm);
        return gcmOpener.open(openDirect, 0, HEADER, HEADER, packetSize - HEADER, 1);
    }

    @Benchmark
    public int sealRawNewSpec() throws GeneralSecurityException {
        byte[] a = sealHeap.array();
        cipher.init(Cipher.ENCRYPT_MODE, keySpec, nextSpec(++rawNumber));
        cipher.updateAAD(a, 0, HEADER);
        return cipher.doFinal(a, HEADER, payload, a, HEADER);
    }

    /**
     * As {@code sealRawNewSpec} with one spec object per key (qsock's nonce trick) and a {@code SecretKey} whose
     * {@code getEncoded()} hands out two arrays in turn instead of a new copy: what is left of the JDK's
     * allocation once the caller allocates nothing itself.
     */
    @Benchmark
    public int sealRawReusedKeyArrays() throws GeneralSecurityException {
        byte[] a = sealHeap.array();
        LONG_BE.set(nonce, 4, ivLow ^ ++rawNumber);
        cipher.init(Cipher.ENCRYPT_MODE, reusedKey, reusedSpec);
        cipher.updateAAD(a, 0, HEADER);
        return cipher.doFinal(a, HEADER, payload, a, HEADER);
    }

    private ReusedArraysKey reusedKey;
    private AlternatingSpec reusedSpec;

    /** A key whose encoding is one of two arrays refilled in turn (the JDK zeroes the one it kept before). */
    private static final class ReusedArraysKey extends SecretKeySpec {
        private final byte[] key;
        private final byte[][] copies;
        private int next;

        ReusedArraysKey(byte[] key) {
            super(key, "AES");
            this.key = key.clone();
            this.copies = new byte[][] {key.clone(), key.clone()};
        }

        @Override
        public byte[] getEncoded() {
            next ^= 1;
            System.arraycopy(key, 0, copies[next], 0, key.length);
            return copies[next];
        }
    }

    /** qsock's nonce spec: two IV arrays handed out in turn. */
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

    @Benchmark
    public int openRawInPlace() throws GeneralSecurityException {
        System.arraycopy(sealedGcm, 0, openBytes, 0, packetSize);
        cipher.init(Cipher.DECRYPT_MODE, keySpec, nextSpec(1));
        cipher.updateAAD(openBytes, 0, HEADER);
        return cipher.doFinal(openBytes, HEADER, packetSize - HEADER, openBytes, HEADER);
    }

    @Benchmark
    public int openRawOutOfPlace() throws GeneralSecurityException {
        System.arraycopy(sealedGcm, 0, openBytes, 0, packetSize);
        cipher.init(Cipher.DECRYPT_MODE, keySpec, nextSpec(1));
        cipher.updateAAD(openBytes, 0, HEADER);
        int n = cipher.doFinal(openBytes, HEADER, packetSize - HEADER, scratch, 0);
        System.arraycopy(scratch, 0, openBytes, HEADER, n);
        return n;
    }

    @Benchmark
    public int sealRawByteBufferHeap() throws GeneralSecurityException {
        cipher.init(Cipher.ENCRYPT_MODE, keySpec, nextSpec(++rawNumber));
        return sealByteBuffers(sealHeap);
    }

    @Benchmark
    public int sealRawByteBufferDirect() throws GeneralSecurityException {
        cipher.init(Cipher.ENCRYPT_MODE, keySpec, nextSpec(++rawNumber));
        return sealByteBuffers(sealDirect);
    }

    private int sealByteBuffers(ByteBuffer packet) throws GeneralSecurityException {
        ByteBuffer[] views = packet == sealHeap ? sealHeapViews : sealDirectViews;
        views[0].limit(HEADER).position(0);
        cipher.updateAAD(views[0]);
        views[1].limit(HEADER + payload).position(HEADER);
        views[2].limit(packetSize).position(HEADER);
        return cipher.doFinal(views[1], views[2]);
    }

    /** Views of the seal buffers (heap, direct): associated data, plaintext, output. */
    private ByteBuffer[] sealHeapViews;
    private ByteBuffer[] sealDirectViews;

    private void setUpViews() {
        sealHeapViews = new ByteBuffer[] {sealHeap.duplicate(), sealHeap.duplicate(), sealHeap.duplicate()};
        sealDirectViews = new ByteBuffer[] {sealDirect.duplicate(), sealDirect.duplicate(), sealDirect.duplicate()};
    }

    @Benchmark
    public int openRawByteBufferHeap() throws GeneralSecurityException {
        openHeap.put(0, sealedGcm);
        return openByteBuffers(heapAad, heapSrc, heapDst);
    }

    @Benchmark
    public int openRawByteBufferDirect() throws GeneralSecurityException {
        openDirect.put(0, sealedGcm);
        return openByteBuffers(directAad, directSrc, directDst);
    }

    private int openByteBuffers(ByteBuffer aad, ByteBuffer src, ByteBuffer dst) throws GeneralSecurityException {
        cipher.init(Cipher.DECRYPT_MODE, keySpec, nextSpec(1));
        aad.limit(HEADER).position(0);
        cipher.updateAAD(aad);
        src.limit(packetSize).position(HEADER);
        dst.limit(packetSize).position(HEADER);
        return cipher.doFinal(src, dst);
    }

    @Benchmark
    public int sealChaCha20() {
        return chachaSealer.seal(sealHeap, 0, HEADER, HEADER, payload, ++chachaNumber);
    }

    @Benchmark
    public int openChaCha20() {
        openHeap.put(0, sealedChaCha);
        return chachaOpener.open(openHeap, 0, HEADER, HEADER, packetSize - HEADER, 1);
    }

    private int nextSampleOffset() {
        return (nextSample++ & (SAMPLES - 1)) * 16;
    }

    @Benchmark
    public long hpAesQsock() {
        return hp.mask(sampleBuffer, nextSampleOffset());
    }

    @Benchmark
    public int hpAesDoFinal() throws GeneralSecurityException {
        return ecb.doFinal(samples, nextSampleOffset(), 16, mask, 0);
    }

    @Benchmark
    public int hpAesUpdate() throws GeneralSecurityException {
        return ecb.update(samples, nextSampleOffset(), 16, mask, 0);
    }

    @Benchmark
    public int hpAesInitPerBlock() throws GeneralSecurityException {
        ecb.init(Cipher.ENCRYPT_MODE, hpKey);
        return ecb.update(samples, nextSampleOffset(), 16, mask, 0);
    }
}
