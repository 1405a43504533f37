package io.pgnotify.spring.boot.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetailsFactory;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;

/** Listens where the application's JDBC DataSource connects, as Flyway's connection details do. */
final class JdbcPgNotifyConnectionDetailsFactory
        implements ConnectionDetailsFactory<JdbcConnectionDetails, PgNotifyConnectionDetails> {

    @Override
    public @Nullable PgNotifyConnectionDetails getConnectionDetails(JdbcConnectionDetails source) {
        if (!source.getJdbcUrl().startsWith("jdbc:postgresql:")) {
            return null;
        }
        return new PgNotifyConnectionDetails() {
            @Override
            public String getJdbcUrl() {
                return source.getJdbcUrl();
            }

            @Override
            public @Nullable String getUsername() {
                return source.getUsername();
            }

            @Override
            public @Nullable String getPassword() {
                return source.getPassword();
            }
        };
    }
}
