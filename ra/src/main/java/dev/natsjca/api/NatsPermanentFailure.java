package dev.natsjca.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an exception type whose failures retrying cannot fix (a business rule broken, a message
 * of an unknown type): when a JetStream delivery fails with an exception of a type carrying this
 * annotation anywhere in its cause chain (the container wraps what a bean throws in an
 * {@code EJBException}, which is looked through), the message goes to the activation's
 * {@code deadLetterSubject} at once, after this one attempt, instead of being redelivered up to
 * {@code maxDeliver} times. Without a dead-letter subject it is terminated and logged.
 *
 * <p>Subclasses of an annotated exception are permanent too. For exception types an application
 * does not own, list them in the activation property {@code permanentFailures} instead; for an
 * ad-hoc failure throw {@link NatsPermanentFailureException}.
 *
 * <pre>{@code
 * @NatsPermanentFailure
 * public class UnknownOrderTypeException extends RuntimeException { ... }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface NatsPermanentFailure {
}
