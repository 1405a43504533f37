package io.pgnotify.readme;

import io.pgnotify.spring.PgNotifyTemplate;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

@Service
class OrderService {

    private final JdbcClient jdbc;
    private final PgNotifyTemplate notify;

    OrderService(JdbcClient jdbc, PgNotifyTemplate notify) {
        this.jdbc = jdbc;
        this.notify = notify;
    }

    @Transactional
    void place(OrderPlaced order) {
        jdbc.sql("INSERT INTO orders (id, customer) VALUES (?, ?)")
                .params(order.orderId(), order.customer())
                .update();
        notify.publish("orders_placed", order); // sent as JSON, delivered when the transaction commits
    }

    void restocked(List<String> skus) {
        notify.publishAll("restocked", skus); // one statement, one round trip, in order
    }
}
