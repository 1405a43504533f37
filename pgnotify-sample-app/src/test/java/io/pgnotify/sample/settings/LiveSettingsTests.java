package io.pgnotify.sample.settings;

import static org.awaitility.Awaitility.await;

import io.pgnotify.sample.SampleAppTest;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

@SampleAppTest
class LiveSettingsTests {

    @Autowired
    LiveSettings settings;

    @Autowired
    JdbcClient jdbc;

    @Test
    void aSettingChangedInTheDatabaseIsReloadedWithoutARestart() {
        settings.set("banner", "before");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> settings.get("banner").equals(Optional.of("before")));

        // Any client, e.g. psql: the table's trigger sends the key.
        jdbc.sql("UPDATE app_setting SET value = 'after' WHERE key = 'banner'").update();

        await().atMost(Duration.ofSeconds(10))
                .until(() -> settings.get("banner").equals(Optional.of("after")));
    }

    @Test
    void aCachedValueChangesOnlyThroughTheNotification() {
        settings.set("motto", "one");
        await().atMost(Duration.ofSeconds(10)).until(() -> "one".equals(settings.cached("motto")));

        jdbc.sql("UPDATE app_setting SET value = 'two' WHERE key = 'motto'").update();

        await().atMost(Duration.ofSeconds(10)).until(() -> "two".equals(settings.cached("motto")));
    }
}
