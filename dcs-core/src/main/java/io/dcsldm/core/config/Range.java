package io.dcsldm.core.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Bounds for a numeric config field, checked by {@link ConfigLoader} after binding. On a list or array
 * field every element is checked. NaN is never in range.
 *
 * <pre>
 * &#64;Range(min = 0, exclusiveMin = true) public double lr = 1e-4;   // lr &gt; 0
 * &#64;Range(min = 1, max = 16) public int levels = 4;                // 1 &lt;= levels &lt;= 16
 * </pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Range {

    /** The lower bound, inclusive unless {@link #exclusiveMin}; none by default. */
    double min() default Double.NEGATIVE_INFINITY;

    /** The upper bound, inclusive unless {@link #exclusiveMax}; none by default. */
    double max() default Double.POSITIVE_INFINITY;

    /** Whether {@link #min} itself is out of range. */
    boolean exclusiveMin() default false;

    /** Whether {@link #max} itself is out of range. */
    boolean exclusiveMax() default false;
}
