package io.pgnotify.spring;

import java.lang.reflect.Type;

/**
 * Converts between objects and notification payloads. The auto-configured one writes and reads JSON with the
 * application's Jackson {@code JsonMapper}; a bean of this type replaces it. {@code String} payloads are never
 * converted: they are sent and received as they are.
 */
public interface PgPayloadConverter {

    /**
     * Turns an object into a payload.
     *
     * @param value the object, not a {@code String}
     * @return the payload
     * @throws RuntimeException if the object cannot be converted
     */
    String toPayload(Object value);

    /**
     * Turns a payload into an object of a {@link PgListener} method's parameter type.
     *
     * @param payload the payload, possibly empty
     * @param targetType the parameter's generic type
     * @return the object, or {@code null} if the payload stands for none
     * @throws RuntimeException if the payload cannot be converted
     */
    @org.jspecify.annotations.Nullable
    Object fromPayload(String payload, Type targetType);
}
