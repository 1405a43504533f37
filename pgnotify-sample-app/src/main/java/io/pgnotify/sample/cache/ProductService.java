package io.pgnotify.sample.cache;

import io.pgnotify.spring.PgNotifyTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Changes products and tells every instance's {@link ProductCache} to evict them. */
@Service
public class ProductService {

    private final JdbcClient jdbc;
    private final PgNotifyTemplate notify;

    ProductService(JdbcClient jdbc, PgNotifyTemplate notify) {
        this.jdbc = jdbc;
        this.notify = notify;
    }

    /**
     * Renames a product. The eviction is sent in the same transaction: PostgreSQL delivers it when the new name is
     * committed, so no cache reloads the old one after the eviction, and never when the update rolls back.
     *
     * @param id the product's id
     * @param name the new name
     * @return whether the product exists
     */
    @Transactional
    public boolean rename(long id, String name) {
        int updated = jdbc.sql("UPDATE product SET name = ? WHERE id = ?")
                .params(name, id)
                .update();
        if (updated == 0) {
            return false;
        }
        notify.publish(ProductCache.CHANNEL, ProductCache.key(id));
        return true;
    }
}
