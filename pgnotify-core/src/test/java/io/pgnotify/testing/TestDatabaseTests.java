package io.pgnotify.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

class TestDatabaseTests {

    @Test
    void theEmbeddedServerIsTheSelectedMajorVersion() throws Exception {
        String selected = System.getProperty("pgnotify.test.postgres-version");
        assumeTrue(selected != null && System.getenv("PGNOTIFY_TEST_JDBC_URL") == null, "embedded server in use");
        int major = Integer.parseInt(selected.substring(0, selected.indexOf('.')));
        try (Connection c = TestDatabase.shared().connect();
                ResultSet rs = c.createStatement().executeQuery("select current_setting('server_version_num')::int")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1) / 10000).isEqualTo(major);
        }
    }

    @Test
    void everyConnectionUsesTlsWhenAsked() throws Exception {
        assumeTrue(Boolean.getBoolean("pgnotify.test.tls"), "-Dpgnotify.test.tls=true");
        try (Connection c = TestDatabase.shared().connect();
                ResultSet rs =
                        c.createStatement().executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean(1)).isTrue();
        }
    }
}
