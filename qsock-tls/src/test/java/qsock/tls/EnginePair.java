package qsock.tls;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import qsock.core.handshake.EncryptionLevel;
import qsock.core.handshake.KeyDirection;

/**
 * Drives a client and a server engine against each other in memory, as a transport would: handshake
 * bytes go to the other side at their level, everything else is recorded per side. A hook can change
 * bytes in flight. Bounded: a handshake takes a handful of rounds.
 */
final class EnginePair {

    /** What one side's engine produced. */
    static final class Side {
        final TlsEngine engine;
        final List<TlsEvent> events = new ArrayList<>();
        final Map<EncryptionLevel, byte[]> readSecrets = new EnumMap<>(EncryptionLevel.class);
        final Map<EncryptionLevel, byte[]> writeSecrets = new EnumMap<>(EncryptionLevel.class);
        byte[] peerTransportParameters;
        TlsEvent.HandshakeComplete completion;
        TlsEvent.EarlyDataAttempt earlyDataAttempt;
        /** The EarlyDataStatus events, in order (at most one is right). */
        final List<Boolean> earlyDataStatus = new ArrayList<>();
        TlsAlertException failure;

        Side(TlsEngine engine) {
            this.engine = engine;
        }
    }

    /** Changes handshake bytes in flight: (sender is client, event) -> bytes to deliver (null drops). */
    interface Tamper extends BiFunction<Boolean, TlsEvent.HandshakeData, byte[]> {}

    final Side client;
    final Side server;
    private final Tamper tamper;

    EnginePair(TlsEngine client, TlsEngine server) {
        this(client, server, (fromClient, data) -> data.data());
    }

    EnginePair(TlsEngine client, TlsEngine server, Tamper tamper) {
        this.client = new Side(client);
        this.server = new Side(server);
        this.tamper = tamper;
    }

    /** Runs until neither side produces anything more or one fails; runs delegated tasks inline. */
    EnginePair run() {
        for (int round = 0; round < 50; round++) {
            boolean moved = drain(client, server, true) | drain(server, client, false);
            if (!moved || client.failure != null || server.failure != null) {
                return this;
            }
        }
        throw new AssertionError("the handshake did not settle in 50 rounds");
    }

    private boolean drain(Side from, Side to, boolean fromClient) {
        boolean moved = false;
        if (from.failure != null) {
            return false;
        }
        if (from.engine.status() == TlsEngine.Status.TASK_PENDING) {
            from.engine.delegatedTask().run();
            try {
                from.engine.resume();
            } catch (TlsAlertException e) {
                from.failure = e;
                return true;
            }
            moved = true;
        }
        TlsEvent event;
        while ((event = from.engine.poll()) != null) {
            moved = true;
            from.events.add(event);
            switch (event) {
                case TlsEvent.HandshakeData data -> {
                    byte[] bytes = tamper.apply(fromClient, data);
                    if (bytes != null && to.failure == null) {
                        try {
                            to.engine.receive(data.level(), ByteBuffer.wrap(bytes));
                        } catch (TlsAlertException e) {
                            to.failure = e;
                        }
                    }
                }
                case TlsEvent.SecretReady s ->
                        (s.direction() == KeyDirection.READ ? from.readSecrets : from.writeSecrets).put(s.level(), s.secret());
                case TlsEvent.PeerTransportParameters p -> from.peerTransportParameters = p.encoded();
                case TlsEvent.EarlyDataAttempt a -> from.earlyDataAttempt = a;
                case TlsEvent.EarlyDataStatus st -> from.earlyDataStatus.add(st.accepted());
                case TlsEvent.HandshakeComplete c -> from.completion = c;
            }
        }
        return moved;
    }
}
