package io.pgnotify.sample.settings;

import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgNotifyReconnectedEvent;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Settings read from the {@code app_setting} table and reloaded when a row changes: a trigger sends the changed key on
 * {@value #CHANNEL} (see {@code schema.sql}), so an {@code UPDATE} from anywhere, even {@code psql}, takes effect in
 * every instance without a restart.
 */
@Component
public class LiveSettings {

    /** The channel whose payloads are changed keys. */
    public static final String CHANNEL = "config_reload";

    private static final Logger log = LoggerFactory.getLogger(LiveSettings.class);

    private final JdbcClient jdbc;
    private final Map<String, String> values = new ConcurrentHashMap<>();

    LiveSettings(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A setting's current value.
     *
     * @param key the key
     * @return the value, if the setting exists
     */
    public Optional<String> get(String key) {
        String value = values.get(key);
        if (value != null) {
            return Optional.of(value);
        }
        Optional<String> loaded = load(key);
        loaded.ifPresent(v -> values.put(key, v));
        return loaded;
    }

    /**
     * Changes a setting in the database; every instance reloads it when the trigger's notification arrives.
     *
     * @param key the key
     * @param value the new value
     */
    public void set(String key, String value) {
        jdbc.sql("""
                        INSERT INTO app_setting (key, value) VALUES (?, ?)
                        ON CONFLICT (key) DO UPDATE SET value = excluded.value""").params(key, value).update();
    }

    @PgListener(CHANNEL)
    void reload(String key) {
        Optional<String> value = load(key);
        value.ifPresentOrElse(v -> values.put(key, v), () -> values.remove(key));
        log.info("Setting '{}' reloaded: {}", key, value.orElse("(removed)"));
    }

    // Changes made while the listener was reconnecting were not heard: forget everything, reload on next use.
    @EventListener
    void forgetAll(PgNotifyReconnectedEvent event) {
        values.clear();
    }

    /** The value held in memory, without loading it: what the last notification left. */
    @Nullable
    String cached(String key) {
        return values.get(key);
    }

    private Optional<String> load(String key) {
        return jdbc.sql("SELECT value FROM app_setting WHERE key = ?")
                .param(key)
                .query(String.class)
                .optional();
    }
}
