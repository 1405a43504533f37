package io.pgnotify.spring.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgNotifyTemplate;
import io.pgnotify.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.stereotype.Component;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The harness as a user's {@code @SpringBootTest} has it: enabled by annotation, autowired into the test. */
@SpringBootTest(classes = PgListenerTestHarnessSpringBootTests.ShopApplication.class)
@EnablePgListenerTestHarness
class PgListenerTestHarnessSpringBootTests {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestDatabase db = TestDatabase.shared();
        registry.add("spring.datasource.url", db::url);
        registry.add("spring.datasource.username", db::user);
        registry.add("spring.datasource.password", db::password);
    }

    @Autowired
    PgListenerTestHarness harness;

    @Autowired
    PgNotifyTemplate template;

    @Test
    void awaitsTheListenerThatTheTestTargets() {
        harness.awaitListening("ts.shipments");
        template.publish("ts.shipments", "parcel-7");

        PgListenerTestHarness.Invocation call = harness.awaitNextInvocation("shipping");

        assertThat(call.notification().payload()).isEqualTo("parcel-7");
        assertThat(call.succeeded()).isTrue();
    }

    @SpringBootApplication
    static class ShopApplication {

        @Component
        static class ShippingListener {

            @PgListener(value = "ts.shipments", id = "shipping")
            void ship(String parcel) {}
        }
    }
}
