package io.pgnotify.sample.cache;

import java.math.BigDecimal;

/**
 * A row of the {@code product} table.
 *
 * @param id the id
 * @param name the name
 * @param price the price
 */
public record Product(long id, String name, BigDecimal price) {}
