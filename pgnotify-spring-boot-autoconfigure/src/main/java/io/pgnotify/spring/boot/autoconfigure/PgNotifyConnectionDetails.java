package io.pgnotify.spring.boot.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/**
 * Where the listening connection goes. Made from the application's {@code JdbcConnectionDetails} (so that
 * {@code @ServiceConnection} and Docker Compose need no configuration) unless a bean of this type is defined;
 * {@code pgnotify.listener.url}, {@code username} and {@code password} take precedence over it.
 */
public interface PgNotifyConnectionDetails extends ConnectionDetails {

    /**
     * The JDBC URL of the listening connection.
     *
     * @return a {@code jdbc:postgresql:} URL
     */
    String getJdbcUrl();

    /**
     * The login user.
     *
     * @return the user, or {@code null} to take it from the URL or the driver's defaults
     */
    @Nullable
    String getUsername();

    /**
     * The login password.
     *
     * @return the password, or {@code null} for none
     */
    @Nullable
    String getPassword();
}
