package io.pgnotify.spring.aot;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgnotify.core.Notification;
import io.pgnotify.core.durable.DurableMessage;
import io.pgnotify.spring.PgHandler;
import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.durable.PgDurableListener;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.annotation.ReflectiveRuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.ReflectionHintsPredicates;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.util.ReflectionUtils;

/**
 * What Spring's AOT step registers for {@link PgListener} methods: it scans a bean class for {@code @Reflective} the
 * way {@code spring-boot:process-aot} does, and the hints must let a native image call the method and bind its payload.
 */
class PgListenerReflectiveProcessorTests {

    private final ReflectionHintsPredicates reflection = RuntimeHintsPredicates.reflection();

    @Test
    void registersAListenerMethodForInvocation() {
        RuntimeHints hints = process(Listeners.class);

        assertThat(reflection.onMethodInvocation(method("onText", String.class)))
                .accepts(hints);
        assertThat(reflection.onMethodInvocation(method("onNotification", Notification.class)))
                .accepts(hints);
    }

    @Test
    void registersARecordPayloadForBinding() {
        RuntimeHints hints = process(Listeners.class);

        assertThat(reflection.onType(Order.class)).accepts(hints);
        assertThat(reflection.onMethodInvocation(Order.class, "id")).accepts(hints);
        assertThat(reflection.onMethodInvocation(Order.class, "lines")).accepts(hints);
    }

    @Test
    void registersTypesNestedInAPayloadForBinding() {
        RuntimeHints hints = process(Listeners.class);

        assertThat(reflection.onType(Line.class)).accepts(hints);
        assertThat(reflection.onMethodInvocation(Line.class, "sku")).accepts(hints);
        assertThat(reflection.onType(Money.class)).accepts(hints);
        assertThat(reflection.onMethodInvocation(Money.class, "getCents")).accepts(hints);
        assertThat(reflection.onMethodInvocation(Money.class, "setCents")).accepts(hints);
    }

    @Test
    void registersTheElementTypeOfAListPayload() {
        RuntimeHints hints = process(Listeners.class);

        assertThat(reflection.onMethodInvocation(method("onBatch", List.class))).accepts(hints);
        assertThat(reflection.onType(Shipment.class)).accepts(hints);
        assertThat(reflection.onMethodInvocation(Shipment.class, "carrier")).accepts(hints);
    }

    @Test
    void registersTheTypeArgumentsOfAGenericPayload() {
        RuntimeHints hints = process(Listeners.class);

        assertThat(reflection.onType(Envelope.class)).accepts(hints);
        assertThat(reflection.onType(Refund.class)).accepts(hints);
        assertThat(reflection.onType(Reason.class)).accepts(hints);
    }

    @Test
    void registersMethodsOfAnnotationsComposedWithPgListener() {
        RuntimeHints hints = process(ComposedListener.class);

        Method method = ReflectionUtils.findMethod(ComposedListener.class, "onAudit", Audit.class);
        assertThat(reflection.onMethodInvocation(method)).accepts(hints);
        assertThat(reflection.onType(Audit.class)).accepts(hints);
    }

    @Test
    void registersNothingForTheRawPayloadOrTheNotification() {
        RuntimeHints hints = process(RawListeners.class);

        assertThat(reflection.onType(String.class)).rejects(hints);
        assertThat(reflection.onType(Notification.class)).rejects(hints);
    }

    @Test
    void registersADurableListenerMethodAndItsPayloadButNotTheMessage() {
        RuntimeHints hints = process(DurableListeners.class);

        Method method =
                ReflectionUtils.findMethod(DurableListeners.class, "onInvoice", Invoice.class, DurableMessage.class);
        assertThat(reflection.onMethodInvocation(method)).accepts(hints);
        assertThat(reflection.onType(Invoice.class)).accepts(hints);
        assertThat(reflection.onMethodInvocation(Invoice.class, "number")).accepts(hints);
        assertThat(reflection.onType(DurableMessage.class)).rejects(hints);
    }

    @Test
    void registersTheHandlerMethodsOfAClassLevelListenerAndTheirPayloads() {
        RuntimeHints hints = process(ClassLevelListener.class);

        Method placed = ReflectionUtils.findMethod(ClassLevelListener.class, "placed", Placed.class);
        Method cancelled =
                ReflectionUtils.findMethod(ClassLevelListener.class, "cancelled", Cancelled.class, Notification.class);
        Method other = ReflectionUtils.findMethod(ClassLevelListener.class, "other", String.class);
        assertThat(reflection.onMethodInvocation(placed)).accepts(hints);
        assertThat(reflection.onMethodInvocation(cancelled)).accepts(hints);
        assertThat(reflection.onMethodInvocation(other)).accepts(hints);
        assertThat(reflection.onType(Placed.class)).accepts(hints);
        assertThat(reflection.onMethodInvocation(Placed.class, "orderId")).accepts(hints);
        assertThat(reflection.onType(Cancelled.class)).accepts(hints);
        assertThat(reflection.onMethodInvocation(Cancelled.class, "reason")).accepts(hints);
        assertThat(reflection.onType(Notification.class)).rejects(hints);
    }

    private static RuntimeHints process(Class<?>... beanTypes) {
        RuntimeHints hints = new RuntimeHints();
        new ReflectiveRuntimeHintsRegistrar().registerRuntimeHints(hints, beanTypes);
        return hints;
    }

    private static Method method(String name, Class<?>... parameterTypes) {
        Method method = ReflectionUtils.findMethod(Listeners.class, name, parameterTypes);
        assertThat(method).as("Listeners.%s", name).isNotNull();
        return method;
    }

    static class Listeners {

        @PgListener("text")
        void onText(String payload) {}

        @PgListener("notification")
        void onNotification(Notification notification) {}

        @PgListener("orders")
        void onOrder(Order order, Notification notification) {}

        @PgListener("shipments")
        void onBatch(List<Shipment> shipments) {}

        @PgListener("refunds")
        void onRefund(Envelope<Refund> envelope) {}

        @PgListener("reasons")
        void onReasons(Map<String, Reason> reasons) {}
    }

    static class RawListeners {

        @PgListener("text")
        void onText(String payload) {}

        @PgListener("notification")
        void onNotification(Notification notification) {}
    }

    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @PgListener("audit")
    @interface AuditListener {}

    static class ComposedListener {

        @AuditListener
        void onAudit(Audit audit) {}
    }

    record Order(long id, List<Line> lines) {}

    record Line(String sku, Money price) {}

    static class Money {
        private long cents;

        public long getCents() {
            return cents;
        }

        public void setCents(long cents) {
            this.cents = cents;
        }
    }

    record Shipment(String carrier) {}

    record Envelope<T>(String kind, T body) {}

    record Refund(long orderId) {}

    record Reason(String text) {}

    record Audit(String who) {}

    static class DurableListeners {

        @PgDurableListener(channel = "invoices", group = "billing")
        void onInvoice(Invoice invoice, DurableMessage message) {}
    }

    record Invoice(String number) {}

    @PgListener("orders")
    static class ClassLevelListener {

        @PgHandler
        void placed(Placed placed) {}

        @PgHandler("cancelled")
        void cancelled(Cancelled cancelled, Notification notification) {}

        @PgHandler(isDefault = true)
        void other(String payload) {}
    }

    record Placed(long orderId) {}

    record Cancelled(long orderId, String reason) {}
}
