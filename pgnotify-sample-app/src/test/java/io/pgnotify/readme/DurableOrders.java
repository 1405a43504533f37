package io.pgnotify.readme;

import io.pgnotify.core.durable.DurableMessage;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.spring.durable.PgDurableListener;
import org.springframework.transaction.annotation.Transactional;

/** The README's durable channel example: publishing in the order's transaction, billing as a group. */
class DurableOrders {

    record Order(long id, String customer) {}

    interface Orders {
        void save(Order order);
    }

    interface Invoices {
        void create(Order order, long idempotencyKey);
    }

    private final Orders orders;
    private final Invoices invoices;
    private final PgNotifyTemplate template;

    DurableOrders(Orders orders, Invoices invoices, PgNotifyTemplate template) {
        this.orders = orders;
        this.invoices = invoices;
        this.template = template;
    }

    @Transactional
    void place(Order order) {
        orders.save(order);
        template.publishDurable("orders", order); // committed with the order, or not at all
    }

    @PgDurableListener(channel = "orders", group = "billing")
    void bill(Order order, DurableMessage message) {
        invoices.create(order, message.id()); // the id: an idempotency key for the invoicing system
    }
}
