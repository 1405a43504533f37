package io.pgnotify.readme;

import io.pgnotify.spring.PgListener;
import io.pgnotify.spring.PgListenerErrorHandler;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.retry.RetryPolicy;

@Configuration(proxyBeanMethods = false)
class PaymentListener {

    @PgListener(value = "payments", errorHandler = "paymentErrors", retryPolicy = "paymentRetries")
    void onPayment(String paymentId) {
        // a failure here is retried in place, then given to the paymentErrors bean
    }

    @Bean
    RetryPolicy paymentRetries() {
        return RetryPolicy.builder()
                .maxRetries(3)
                .delay(Duration.ofMillis(200))
                .multiplier(2)
                .build();
    }

    @Bean
    PgListenerErrorHandler paymentErrors() {
        return PgListenerErrorHandler.logging();
    }
}
