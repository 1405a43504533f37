package io.pgnotify.readme;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgnotify.sample.SampleAppTest;
import io.pgnotify.sample.cache.ProductService;
import io.pgnotify.spring.test.EnablePgListenerTestHarness;
import io.pgnotify.spring.test.PgListenerTestHarness;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The README's test-support example, run on the sample application. */
@SampleAppTest
@EnablePgListenerTestHarness
class ProductCacheHarnessTests {

    @Autowired
    PgListenerTestHarness harness;

    @Autowired
    ProductService products;

    @Test
    void aRenamedProductReachesTheCacheListener() {
        harness.awaitListening("cache_invalidate");

        products.rename(3, "Oat latte " + System.nanoTime());

        PgListenerTestHarness.Invocation call = harness.awaitNextInvocation("productCache#evict");
        assertThat(call.notification().payload()).isEqualTo("product:3");
        assertThat(call.succeeded()).isTrue();
    }
}
