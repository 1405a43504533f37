package io.pgnotify.readme;

import io.pgnotify.spring.boot.autoconfigure.NotifierBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class NotifierCustomization {

    @Bean
    NotifierBuilderCustomizer jitter() {
        return builder -> builder.reconnectJitter(0.2);
    }
}
