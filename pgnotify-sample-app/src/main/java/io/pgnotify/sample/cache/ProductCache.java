package io.pgnotify.sample.cache;

import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgNotifyReconnectedEvent;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * A local cache of products, kept fresh by notifications on {@value #CHANNEL} whose payload is the cache key
 * ({@code product:42}). Every instance of the application holds its own cache; whoever changes a product publishes
 * the key and every instance evicts it.
 *
 * <p>Notifications sent while the listening connection was down are lost, so after a reconnect any entry may be
 * stale: the whole cache is flushed.
 */
@Component
public class ProductCache {

    /** The channel whose payloads are keys to evict. */
    public static final String CHANNEL = "cache_invalidate";

    private static final Logger log = LoggerFactory.getLogger(ProductCache.class);

    private final JdbcClient jdbc;
    private final Map<String, Product> entries = new ConcurrentHashMap<>();
    private final AtomicLong flushes = new AtomicLong();

    ProductCache(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The product, from the cache or else from the database.
     *
     * @param id the product's id
     * @return the product, if it exists
     */
    public Optional<Product> get(long id) {
        String key = key(id);
        Product cached = entries.get(key);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<Product> loaded = jdbc.sql("SELECT id, name, price FROM product WHERE id = ?")
                .param(id)
                .query(Product.class)
                .optional();
        loaded.ifPresent(product -> entries.put(key, product));
        return loaded;
    }

    @PgListener(CHANNEL)
    void evict(String key) {
        if (entries.remove(key) != null) {
            log.info("Evicted '{}' from the product cache", key);
        }
    }

    @EventListener
    void flush(PgNotifyReconnectedEvent event) {
        log.info("Flushing the product cache: invalidations may have been missed for {}", event.downtime());
        entries.clear();
        flushes.incrementAndGet();
    }

    /**
     * The keys currently cached.
     *
     * @return a snapshot
     */
    public Set<String> keys() {
        return Set.copyOf(entries.keySet());
    }

    /**
     * How often the whole cache was flushed after a reconnect.
     *
     * @return the count
     */
    public long flushes() {
        return flushes.get();
    }

    /**
     * The cache key of a product, and the payload that evicts it.
     *
     * @param id the product's id
     * @return {@code product:<id>}
     */
    public static String key(long id) {
        return "product:" + id;
    }
}
