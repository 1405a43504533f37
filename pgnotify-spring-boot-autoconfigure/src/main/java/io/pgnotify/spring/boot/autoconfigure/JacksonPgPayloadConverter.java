package io.pgnotify.spring.boot.autoconfigure;

import io.pgnotify.spring.PgPayloadConverter;
import java.lang.reflect.Type;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/** Payloads as JSON, written and read by the application's Jackson 3 {@link JsonMapper}. */
final class JacksonPgPayloadConverter implements PgPayloadConverter {

    private final JsonMapper mapper;

    JacksonPgPayloadConverter(JsonMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public String toPayload(Object value) {
        return mapper.writeValueAsString(value);
    }

    @Override
    public @Nullable Object fromPayload(String payload, Type targetType) {
        // NOTIFY without a payload delivers "": there is no JSON value to read.
        if (payload.isBlank()) {
            return null;
        }
        return mapper.readValue(payload, mapper.constructType(targetType));
    }
}
