package io.pgnotify.readme;

import io.pgnotify.spring.PgListener;
import java.util.List;
import org.springframework.stereotype.Component;

record AuditEntry(String actor, String action) {}

@Component
class AuditListener {

    @PgListener(value = "audit", batch = true)
    void onAudit(List<AuditEntry> entries) {
        // entries that arrived together, in order, at most pgnotify.listener.batch-size of them
    }
}
