package io.pgnotify.spring.boot.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.ConfigurationCondition;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Whether pgnotify has something to connect with: {@code pgnotify.listener.url}, a {@link PgNotifyDataSource}, or a
 * single (or primary) DataSource. When not, the notifier is not configured, and {@code @PgListener} methods fail the
 * startup naming themselves.
 */
final class PgNotifyConnectionCondition extends SpringBootCondition implements ConfigurationCondition {

    /** Evaluated once the DataSources are registered, as a bean condition is. */
    @Override
    public ConfigurationPhase getConfigurationPhase() {
        return ConfigurationPhase.REGISTER_BEAN;
    }

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        if (StringUtils.hasText(context.getEnvironment().getProperty("pgnotify.listener.url"))) {
            return ConditionOutcome.match("pgnotify.listener.url is set");
        }
        ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
        if (beanFactory == null) {
            return ConditionOutcome.noMatch("no bean factory");
        }
        String[] names = beanFactory.getBeanNamesForType(DataSource.class, true, false);
        List<String> qualified = new ArrayList<>();
        List<String> primary = new ArrayList<>();
        for (String name : names) {
            if (beanFactory.findAnnotationOnBean(name, PgNotifyDataSource.class, false) != null) {
                qualified.add(name);
            }
            if (beanFactory.containsBeanDefinition(name)) {
                BeanDefinition definition = beanFactory.getBeanDefinition(name);
                if (definition.isPrimary()) {
                    primary.add(name);
                }
            }
        }
        if (qualified.size() == 1) {
            return ConditionOutcome.match("@PgNotifyDataSource " + qualified.get(0));
        }
        if (qualified.size() > 1) {
            return ConditionOutcome.noMatch("several @PgNotifyDataSource DataSources: " + qualified);
        }
        if (names.length == 1) {
            return ConditionOutcome.match("single DataSource " + names[0]);
        }
        if (primary.size() == 1) {
            return ConditionOutcome.match("primary DataSource " + primary.get(0));
        }
        return names.length == 0
                ? ConditionOutcome.noMatch("no DataSource and no pgnotify.listener.url")
                : ConditionOutcome.noMatch("several DataSources, none @PgNotifyDataSource or @Primary");
    }
}
