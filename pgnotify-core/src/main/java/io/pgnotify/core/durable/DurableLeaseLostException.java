package io.pgnotify.core.durable;

/**
 * An acknowledgement was refused because the consumer's lease on its group expired and another instance (or a newer
 * lease of its own) took the group over. The consumer drops the rest of its batch; the new owner delivers it.
 */
public final class DurableLeaseLostException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    DurableLeaseLostException(String channel, String group, long epoch) {
        super("Lease on channel '" + channel + "', group '" + group + "' at epoch " + epoch
                + " was taken over; the batch is dropped and redelivered by the new owner");
    }
}
