package io.pgnotify.spring.boot.autoconfigure;

import io.pgnotify.spring.PgListener;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;

/**
 * Keeps beans with {@link PgListener} methods eager under {@code spring.main.lazy-initialization=true}: nothing
 * injects a listener bean, so a lazy one would never be created and never listen.
 */
final class PgListenerLazyInitializationExcludeFilter implements LazyInitializationExcludeFilter {

    @Override
    public boolean isExcluded(String beanName, BeanDefinition beanDefinition, Class<?> beanType) {
        if (!AnnotationUtils.isCandidateClass(beanType, PgListener.class)) {
            return false;
        }
        return !MethodIntrospector.selectMethods(beanType, (MethodIntrospector.MetadataLookup<PgListener>)
                        method -> AnnotatedElementUtils.findMergedAnnotation(method, PgListener.class))
                .isEmpty();
    }
}
