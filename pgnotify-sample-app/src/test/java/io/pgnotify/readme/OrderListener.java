package io.pgnotify.readme;

import io.pgnotify.core.Notification;
import io.pgnotify.spring.PgListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

@Component
class OrderListener {

    private static final Logger log = LoggerFactory.getLogger(OrderListener.class);

    @PgListener("orders")
    void onOrder(String payload) {
        log.info("Order {} changed", payload);
    }

    @PgListener(
            channels = {"invoices", "refunds"},
            id = "billing")
    void onBilling(String payload, Notification notification) {
        log.info("{} on {} from backend {}", payload, notification.channel(), notification.pid());
    }
}
