package io.pgnotify.core.durable;

/**
 * Handles a message inside a database transaction of its own and acknowledges it in that same transaction, so the
 * group's position commits together with the handler's work: effectively-once for the handler's database side
 * effects. The handler must call {@link Acknowledgement#acknowledgeOn} on the connection of its transaction before
 * committing; returning without acknowledging counts as a failure.
 */
@FunctionalInterface
public interface TransactionalDurableHandler {

    /**
     * Handles one message.
     *
     * @param message the message
     * @param acknowledgement to call inside the handler's transaction
     * @throws Exception to have it retried
     */
    void handle(DurableMessage message, Acknowledgement acknowledgement) throws Exception;
}
