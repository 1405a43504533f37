package io.pgnotify.core.durable;

import java.util.List;

/**
 * Handles a whole batch inside one database transaction of its own and acknowledges it in that same transaction: one
 * commit for up to {@code batchSize} messages instead of one per message, with the effectively-once guarantee of
 * {@link TransactionalDurableHandler} for the handler's database side effects. The handler must call {@link
 * Acknowledgement#acknowledgeOn} on the connection of its transaction before committing.
 *
 * <p>When the handler throws, its transaction (and so the acknowledgement) must roll back; the messages of that batch
 * are then handed over again one per transaction, as lists of one, so that the failing message is retried and
 * dead-lettered on its own while the others commit. Messages delivered again after a fault come one per transaction
 * too.
 */
@FunctionalInterface
public interface TransactionalBatchDurableHandler {

    /**
     * Handles messages in commit order (per key, with partitions).
     *
     * @param batch the messages, at least one
     * @param acknowledgement to call inside the handler's transaction, once, after the work of every message
     * @throws Exception to have the batch handed over again one message at a time
     */
    void handle(List<DurableMessage> batch, Acknowledgement acknowledgement) throws Exception;
}
