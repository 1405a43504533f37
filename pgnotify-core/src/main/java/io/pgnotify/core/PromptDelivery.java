package io.pgnotify.core;

import java.lang.reflect.Field;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes pgjdbc hand over notifications as soon as they are read.
 *
 * <p>{@code PGConnection.getNotifications(timeout)} keeps reading while {@code PGStream.hasMessagePending()} is true,
 * and that method, when no bytes are buffered, peeks at the socket with a 1 ms timeout. A call that returns
 * notifications therefore waits at least 1 ms more, and under steady traffic the peek keeps finding the next one, so
 * every notification waits for the whole batch: at 1000/s the plain loop's p50 was about 2 ms with random arrivals and
 * 10 to 90 ms with evenly spaced ones, against 0.13 ms here (docs/benchmarks.md). The peek is throttled by
 * {@code PGStream.nextStreamAvailableCheckTime}; pushing that to the far future leaves only the check of bytes already
 * buffered, which is what a libpq client does. Bytes still in the socket are read by the next call, at once.
 *
 * <p>If the driver's internals change, this falls back to the plain call (correct, only slower) and logs that once;
 * {@link #apply} tells which path is in use, and a test fails if the prompt path stops working.
 */
final class PromptDelivery {

    private static final Logger log = LoggerFactory.getLogger(PromptDelivery.class);
    private static volatile boolean warned;

    private PromptDelivery() {}

    /** Applies the change to one connection; false when the driver's internals did not allow it. */
    static boolean apply(PGConnection connection) {
        try {
            Object queryExecutor =
                    connection.getClass().getMethod("getQueryExecutor").invoke(connection);
            Object stream = field(queryExecutor.getClass(), "pgStream").get(queryExecutor);
            Field checkTime = field(stream.getClass(), "nextStreamAvailableCheckTime");
            Field delay = field(stream.getClass(), "minStreamAvailableCheckDelay");
            if (checkTime.getType() != long.class || delay.getType() != int.class || delay.getInt(stream) == 0) {
                throw new NoSuchFieldException("unexpected PGStream field types or values");
            }
            checkTime.setLong(stream, Long.MAX_VALUE);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (!warned) {
                warned = true;
                log.warn(
                        "This pgjdbc version does not allow prompt notification delivery ({}); notifications are "
                                + "delivered correctly but may wait a few milliseconds for the next",
                        e.toString());
            }
            return false;
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field field = c.getDeclaredField(name);
                field.setAccessible(true);
                return field;
            } catch (NoSuchFieldException ignored) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(type.getName() + "." + name);
    }
}
