package qsock.core.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import qsock.core.packet.Ecn;
import qsock.core.packet.PacketNumberSpace;

/** How long a path is tested with ECT(0) before its validation (RFC 9000 §13.4.2, Appendix A.4). */
class EcnValidationTest {

    private static final long PTO = 100_000_000L;

    @Test
    void testingMarksTheFirstTenPacketsThenWaitsForValidation() {
        EcnValidation ecn = new EcnValidation(true);
        ecn.enable(0);
        for (int i = 0; i < EcnValidation.TESTING_PACKETS; i++) {
            ecn.beginDatagram(i, PTO);
            assertEquals(Ecn.ECT_0, ecn.marking(), "packet " + i);
            ecn.onPacketSealed(PacketNumberSpace.INITIAL, null);
        }
        ecn.beginDatagram(20, PTO);
        assertEquals(Ecn.NOT_ECT, ecn.marking(), "the eleventh waits for the counts");
        assertEquals(EcnValidation.State.UNKNOWN, ecn.state());
    }

    @Test
    void testingLastsThreePtosAtMost() {
        EcnValidation ecn = new EcnValidation(true);
        ecn.enable(0);
        ecn.beginDatagram(0, PTO);
        ecn.onPacketSealed(PacketNumberSpace.INITIAL, null);
        ecn.beginDatagram(EcnValidation.TESTING_PTOS * PTO, PTO);
        assertEquals(Ecn.ECT_0, ecn.marking());
        ecn.beginDatagram(EcnValidation.TESTING_PTOS * PTO + 1, PTO);
        assertEquals(Ecn.NOT_ECT, ecn.marking());
    }

    @Test
    void offUnlessBothTheRuntimeAndTheConfigurationSayOn() {
        EcnValidation notEnabled = new EcnValidation(true);
        notEnabled.beginDatagram(0, PTO);
        assertEquals(Ecn.NOT_ECT, notEnabled.marking());
        EcnValidation configuredOff = new EcnValidation(false);
        configuredOff.enable(0);
        configuredOff.beginDatagram(0, PTO);
        assertEquals(Ecn.NOT_ECT, configuredOff.marking());
        configuredOff.onNewPath(0);
        configuredOff.beginDatagram(0, PTO);
        assertEquals(Ecn.NOT_ECT, configuredOff.marking(), "a new path does not turn it on");
    }

    @Test
    void aNewPathIsTestedAgain() {
        EcnValidation ecn = new EcnValidation(true);
        ecn.enable(0);
        ecn.beginDatagram(0, PTO);
        for (int i = 0; i < EcnValidation.TESTING_PACKETS; i++) {
            ecn.onPacketSealed(PacketNumberSpace.APPLICATION, null);
        }
        ecn.beginDatagram(1, PTO);
        assertEquals(Ecn.NOT_ECT, ecn.marking());
        ecn.onNewPath(2);
        ecn.beginDatagram(2, PTO);
        assertEquals(Ecn.ECT_0, ecn.marking());
    }

    @Test
    void theReceivedCodepointServesOneDatagram() {
        EcnValidation ecn = new EcnValidation(true);
        ecn.setReceived(Ecn.CE);
        assertEquals(Ecn.CE, ecn.takeReceived());
        assertEquals(Ecn.NOT_ECT, ecn.takeReceived());
    }
}
