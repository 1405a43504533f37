package io.pgnotify.spring.boot.autoconfigure.durable;

import io.pgnotify.core.durable.DurableSchema;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.jdbc.EmbeddedDatabaseConnection;
import org.springframework.jdbc.datasource.init.UncategorizedScriptException;

/** Runs the durable schema script according to {@code pgnotify.durable.initialize-schema}. */
final class DurableSchemaInitializer implements InitializingBean {

    private static final Logger log = LoggerFactory.getLogger(DurableSchemaInitializer.class);

    private final DataSource dataSource;
    private final PgNotifyDurableProperties.InitializeSchema mode;

    DurableSchemaInitializer(DataSource dataSource, PgNotifyDurableProperties.InitializeSchema mode) {
        this.dataSource = dataSource;
        this.mode = mode;
    }

    @Override
    public void afterPropertiesSet() {
        boolean run = switch (mode) {
            case ALWAYS -> true;
            case EMBEDDED ->
                EmbeddedDatabaseConnection.isEmbedded(dataSource) || EmbeddedPostgres.isEmbedded(dataSource);
            case NEVER -> false;
        };
        if (!run) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            DurableSchema.install(c);
            log.info(
                    "Durable schema version {} installed from classpath:{}",
                    DurableSchema.VERSION,
                    DurableSchema.LOCATION);
        } catch (SQLException e) {
            throw new UncategorizedScriptException(
                    "Cannot run the durable schema script classpath:" + DurableSchema.LOCATION, e);
        }
    }

    /** Fails naming what is missing and where the script is. */
    void validate() {
        try (Connection c = dataSource.getConnection()) {
            DurableSchema.validate(c);
        } catch (SQLException e) {
            throw new UncategorizedScriptException("Cannot validate the durable schema", e);
        }
    }
}
