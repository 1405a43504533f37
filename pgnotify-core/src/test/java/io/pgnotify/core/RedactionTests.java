package io.pgnotify.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTests {

    @Test
    void hidesTheRoleNamedInTheServersLoginErrors() {
        assertThat(Redaction.serverMessage("FATAL: role \"app_owner\" is not permitted to log in"))
                .isEqualTo("FATAL: role \"…\" is not permitted to log in");
        assertThat(Redaction.serverMessage("FATAL: password authentication failed for user \"a\"\"b\""))
                .isEqualTo("FATAL: password authentication failed for user \"…\"");
    }

    @Test
    void keepsOtherMessagesAsTheyAre() {
        String message = "Connection to localhost:5432 refused. Check that the hostname and port are correct";
        assertThat(Redaction.serverMessage(message)).isEqualTo(message);
    }

    @Test
    void describesFailuresWithoutTheRole() {
        assertThat(Redaction.describe(new java.sql.SQLException("FATAL: role \"secret_user\" does not exist")))
                .isEqualTo("SQLException: FATAL: role \"…\" does not exist");
    }
}
