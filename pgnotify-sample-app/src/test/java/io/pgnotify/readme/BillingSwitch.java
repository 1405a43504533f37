package io.pgnotify.readme;

import io.pgnotify.spring.PgListenerContainer;
import io.pgnotify.spring.PgListenerEndpointRegistry;

class BillingSwitch {

    private final PgListenerEndpointRegistry registry;

    BillingSwitch(PgListenerEndpointRegistry registry) {
        this.registry = registry;
    }

    void pauseAndResume() {
        PgListenerContainer billing = registry.getListenerContainer("billing");
        billing.pause(); // or stop(); isPaused(), isRunning()
        billing.resume(); // or start()
    }
}
