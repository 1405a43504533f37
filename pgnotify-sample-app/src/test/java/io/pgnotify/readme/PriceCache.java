package io.pgnotify.readme;

import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgNotifyReconnectedEvent;
import java.math.BigDecimal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

@Component
class PriceCache {

    private final Map<String, BigDecimal> prices = new ConcurrentHashMap<>();

    @PgListener("price_changed")
    void evict(String sku) {
        prices.remove(sku);
    }

    @EventListener
    void resynchronise(PgNotifyReconnectedEvent event) {
        // Whatever was sent during event.downtime() is lost: start again from the database.
        prices.clear();
    }
}
