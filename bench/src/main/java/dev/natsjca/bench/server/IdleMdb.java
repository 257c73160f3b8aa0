package dev.natsjca.bench.server;

import dev.natsjca.api.NatsMessage;
import dev.natsjca.api.NatsMessageListener;

/**
 * The at-rest measurement's MDB: declared only in {@code rest.ear}'s {@code ejb-jar.xml} (ten
 * beans of this class on subjects nobody publishes to), so it carries no {@code @MessageDriven}
 * and is no bean in {@code bench.ear}, where its package also lands.
 */
public class IdleMdb implements NatsMessageListener {

    @Override
    public void onMessage(NatsMessage message) {
        throw new IllegalStateException("an idle activation received a message on " + message.subject());
    }
}
