package io.pgnotify.readme;

import io.pgnotify.core.Notification;
import io.pgnotify.spring.PgHandler;
import io.pgnotify.spring.PgListener;
import org.springframework.stereotype.Component;

record OrderCancelled(long orderId, String reason) {}

@Component
@PgListener(channels = "order_events", id = "orderEvents")
class OrderEvents {

    @PgHandler // {"type": "OrderPlaced", "orderId": 42, "customer": "ann"}
    void placed(OrderPlaced order) {}

    @PgHandler({"cancelled", "revoked"}) // {"type": "cancelled", "orderId": 42}
    void cancelled(OrderCancelled cancelled, Notification notification) {}

    @PgHandler(isDefault = true) // any other type, no type, not JSON
    void other(String payload) {}
}
