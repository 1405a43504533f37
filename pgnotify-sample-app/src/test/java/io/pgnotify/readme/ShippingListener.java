package io.pgnotify.readme;

import io.pgnotify.spring.PgListener;
import org.springframework.stereotype.Component;

record OrderPlaced(long orderId, String customer) {}

@Component
class ShippingListener {

    @PgListener("${shipping.channel:orders_placed}")
    void onOrderPlaced(OrderPlaced order) {
        // {"orderId": 42, "customer": "ann"} arrives as an OrderPlaced
    }
}
