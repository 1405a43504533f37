package io.pgnotify.spring.durable;

import io.pgnotify.core.durable.DurableChannels;
import io.pgnotify.core.durable.DurableHandler;
import io.pgnotify.core.durable.TransactionalBatchDurableHandler;
import io.pgnotify.core.durable.TransactionalDurableHandler;
import io.pgnotify.spring.PgPayloadConverter;
import java.lang.reflect.Method;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.StringUtils;

/**
 * Finds {@link PgDurableListener} methods and subscribes them to the {@link DurableChannels} bean once every singleton
 * exists. A {@code @Transactional} method on the application's DataSource is acknowledged inside its transaction.
 */
public final class PgDurableListenerAnnotationBeanPostProcessor
        implements BeanPostProcessor, BeanFactoryAware, SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(PgDurableListenerAnnotationBeanPostProcessor.class);

    /** The partition count of a listener whose annotation names none. */
    static final String PARTITIONS_PROPERTY = "pgnotify.durable.partitions";

    private @Nullable ConfigurableBeanFactory beanFactory;
    private final List<DurableListenerMethod> methods = new ArrayList<>();

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = (ConfigurableBeanFactory) beanFactory;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        Class<?> target = AopUtils.getTargetClass(bean);
        Map<Method, PgDurableListener> found =
                MethodIntrospector.selectMethods(target, (MethodIntrospector.MetadataLookup<PgDurableListener>)
                        m -> AnnotatedElementUtils.findMergedAnnotation(m, PgDurableListener.class));
        found.forEach((method, annotation) -> {
            String channel = resolve(annotation.channel());
            String group = resolve(annotation.group());
            if (!StringUtils.hasText(group)) {
                group = factory().getBean(Environment.class).getProperty("spring.application.name", "");
            }
            int partitions = partitions(annotation.partitions(), method, channel);
            DurableListenerMethod listener = new DurableListenerMethod(
                    beanName,
                    bean,
                    method,
                    AopUtils.selectInvocableMethod(method, bean.getClass()),
                    channel,
                    group,
                    partitions,
                    annotation.batch());
            if (!StringUtils.hasText(channel)) {
                throw new BeanInitializationException(
                        "@PgDurableListener method " + listener.describe() + " has an empty channel");
            }
            if (!StringUtils.hasText(group)) {
                throw new BeanInitializationException("@PgDurableListener method " + listener.describe()
                        + " on channel '" + channel + "' names no group and spring.application.name is not set");
            }
            synchronized (methods) {
                methods.add(listener);
            }
        });
        return bean;
    }

    /**
     * Whether any {@link PgDurableListener} method was found.
     *
     * @return {@code true} when at least one was
     */
    public boolean hasListeners() {
        synchronized (methods) {
            return !methods.isEmpty();
        }
    }

    @Override
    public void afterSingletonsInstantiated() {
        List<DurableListenerMethod> all;
        synchronized (methods) {
            all = List.copyOf(methods);
        }
        if (all.isEmpty()) {
            return;
        }
        ConfigurableBeanFactory factory = factory();
        DurableChannels durable = factory.getBean(DurableChannels.class);
        DataSource dataSource = factory.getBean(DataSource.class);
        PgPayloadConverter converter =
                factory.getBeanProvider(PgPayloadConverter.class).getIfAvailable();
        PlatformTransactionManager transactions =
                factory.getBeanProvider(PlatformTransactionManager.class).getIfUnique();
        for (DurableListenerMethod method : all) {
            if (method.needsConverter() && converter == null) {
                throw new BeanInitializationException("@PgDurableListener method " + method.describe()
                        + " takes a converted payload but there is no PgPayloadConverter (add Jackson)");
            }
            if (method.batch) {
                if (!isTransactional(method) || !sameDataSource(transactions, dataSource)) {
                    throw new BeanInitializationException("@PgDurableListener(batch = true) method "
                            + method.describe() + " must be @Transactional on the application's DataSource: a"
                            + " batch is acknowledged in its transaction");
                }
                durable.subscribeBatch(
                        method.channel,
                        method.group,
                        method.partitions,
                        batchInTransaction(method, converter, transactions, dataSource));
            } else if (isTransactional(method) && sameDataSource(transactions, dataSource)) {
                durable.subscribe(
                        method.channel,
                        method.group,
                        method.partitions,
                        inTransaction(method, converter, transactions, dataSource));
            } else {
                if (isTransactional(method)) {
                    log.info(
                            "@PgDurableListener method {} is @Transactional but not on the application's"
                                    + " DataSource: acknowledged after it returns",
                            method.describe());
                }
                DurableHandler handler = message -> method.invoke(message, converter);
                durable.subscribe(method.channel, method.group, method.partitions, handler);
            }
        }
    }

    private static TransactionalDurableHandler inTransaction(
            DurableListenerMethod method,
            @Nullable PgPayloadConverter converter,
            PlatformTransactionManager transactions,
            DataSource dataSource) {
        TransactionTemplate template = new TransactionTemplate(transactions);
        return (message, acknowledgement) -> template.executeWithoutResult(status -> {
            try {
                method.invoke(message, converter);
                acknowledgement.acknowledgeOn(DataSourceUtils.getConnection(dataSource));
            } catch (SQLException e) {
                throw new UncategorizedSQLException("acknowledge durable message " + message.id(), null, e);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new HandlerFailedException(e);
            }
        });
    }

    private static TransactionalBatchDurableHandler batchInTransaction(
            DurableListenerMethod method,
            @Nullable PgPayloadConverter converter,
            PlatformTransactionManager transactions,
            DataSource dataSource) {
        TransactionTemplate template = new TransactionTemplate(transactions);
        return (batch, acknowledgement) -> template.executeWithoutResult(status -> {
            try {
                method.invokeBatch(batch, converter);
                acknowledgement.acknowledgeOn(DataSourceUtils.getConnection(dataSource));
            } catch (SQLException e) {
                throw new UncategorizedSQLException(
                        "acknowledge durable messages " + batch.get(0).id() + " to "
                                + batch.get(batch.size() - 1).id(),
                        null,
                        e);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new HandlerFailedException(e);
            }
        });
    }

    private static boolean isTransactional(DurableListenerMethod method) {
        return AnnotatedElementUtils.hasAnnotation(method.declared, Transactional.class)
                || AnnotatedElementUtils.hasAnnotation(method.declared.getDeclaringClass(), Transactional.class);
    }

    private static boolean sameDataSource(@Nullable PlatformTransactionManager transactions, DataSource dataSource) {
        return transactions instanceof DataSourceTransactionManager jdbc && jdbc.getDataSource() == dataSource;
    }

    /** The annotation's count, else {@code pgnotify.durable.partitions}, else 1; checked against the limit. */
    private int partitions(String attribute, Method method, String channel) {
        String value = resolve(attribute);
        String source = "partitions";
        if (!StringUtils.hasText(value)) {
            value = factory()
                    .getBean(Environment.class)
                    .getProperty(PARTITIONS_PROPERTY, "1")
                    .trim();
            source = PARTITIONS_PROPERTY;
        }
        int partitions;
        try {
            partitions = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            partitions = 0;
        }
        if (partitions < 1 || partitions > DurableChannels.MAX_PARTITIONS) {
            throw new BeanInitializationException("@PgDurableListener method "
                    + method.getDeclaringClass().getName()
                    + "." + method.getName() + " on channel '" + channel + "': " + source + " must be a whole number"
                    + " from 1 to " + DurableChannels.MAX_PARTITIONS + ", got '" + value + "'");
        }
        return partitions;
    }

    private String resolve(String value) {
        String resolved = factory().resolveEmbeddedValue(value);
        return resolved == null ? "" : resolved.trim();
    }

    private ConfigurableBeanFactory factory() {
        ConfigurableBeanFactory factory = beanFactory;
        if (factory == null) {
            throw new IllegalStateException("No bean factory set");
        }
        return factory;
    }

    /** A checked exception of a handler, carried through the transaction template. */
    static final class HandlerFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HandlerFailedException(Exception cause) {
            super(cause.toString(), cause);
        }
    }
}
