package io.pgnotify.readme;

import org.springframework.aot.hint.annotation.RegisterReflectionForBinding;
import org.springframework.context.annotation.Configuration;

record InvoiceIssued(long invoiceId, long amountCents) {}

// Sent with PgNotifyTemplate, but no @PgListener of this application receives it
@Configuration(proxyBeanMethods = false)
@RegisterReflectionForBinding(InvoiceIssued.class)
class PublishedPayloads {}
