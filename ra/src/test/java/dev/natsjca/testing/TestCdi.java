package dev.natsjca.testing;

import java.lang.annotation.Annotation;
import java.util.Iterator;
import java.util.List;

import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.enterprise.util.TypeLiteral;

/**
 * A CDI container that knows one bean, as the application servers' containers do for
 * OpenTelemetry: installed with {@link CDI#setCDIProvider}, it answers only when the thread's
 * context class loader is the one given (the bean's), as a server's container answers only inside
 * the application; elsewhere there is no container. For the adapter's tests and the benchmark.
 */
public final class TestCdi<B> extends CDI<Object> {

    private final Class<B> type;
    private final B bean;
    private final ClassLoader application;

    private TestCdi(Class<B> type, B bean, ClassLoader application) {
        this.type = type;
        this.bean = bean;
        this.application = application;
    }

    /** Makes {@code bean} the one bean of type {@code type}, for threads whose context class loader is {@code application}. */
    public static <B> void install(Class<B> type, B bean, ClassLoader application) {
        TestCdi<B> cdi = new TestCdi<>(type, bean, application);
        CDI.setCDIProvider(() -> {
            if (Thread.currentThread().getContextClassLoader() != cdi.application) {
                throw new IllegalStateException("test: no CDI container for this class loader");
            }
            return cdi;
        });
    }

    /** No CDI container any more, for any thread: as outside a server. */
    public static void uninstall() {
        CDI.setCDIProvider(() -> {
            throw new IllegalStateException("test: no CDI container");
        });
    }

    @Override
    public BeanManager getBeanManager() {
        throw new UnsupportedOperationException();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <U> Instance<U> select(Class<U> subtype, Annotation... qualifiers) {
        return subtype == type ? (Instance<U>) new One<>(bean) : new One<>(null);
    }

    @Override
    public Instance<Object> select(Annotation... qualifiers) {
        throw new UnsupportedOperationException();
    }

    @Override
    public <U> Instance<U> select(TypeLiteral<U> subtype, Annotation... qualifiers) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isUnsatisfied() {
        return true;
    }

    @Override
    public boolean isAmbiguous() {
        return false;
    }

    @Override
    public void destroy(Object instance) {
    }

    @Override
    public Handle<Object> getHandle() {
        throw new UnsupportedOperationException();
    }

    @Override
    public Iterable<? extends Handle<Object>> handles() {
        return List.of();
    }

    @Override
    public Object get() {
        throw new UnsupportedOperationException();
    }

    @Override
    public Iterator<Object> iterator() {
        return List.of().iterator();
    }

    /** An instance of at most one bean. */
    private static final class One<U> implements Instance<U> {
        private final U bean;

        One(U bean) {
            this.bean = bean;
        }

        @Override public U get() {
            if (bean == null) {
                throw new jakarta.enterprise.inject.UnsatisfiedResolutionException("test");
            }
            return bean;
        }
        @Override public Instance<U> select(Annotation... qualifiers) { return this; }
        @Override public <V extends U> Instance<V> select(Class<V> subtype, Annotation... q) { throw new UnsupportedOperationException(); }
        @Override public <V extends U> Instance<V> select(TypeLiteral<V> subtype, Annotation... q) { throw new UnsupportedOperationException(); }
        @Override public boolean isUnsatisfied() { return bean == null; }
        @Override public boolean isAmbiguous() { return false; }
        @Override public void destroy(U instance) { }
        @Override public Handle<U> getHandle() { throw new UnsupportedOperationException(); }
        @Override public Iterable<? extends Handle<U>> handles() { return List.of(); }
        @Override public Iterator<U> iterator() { return bean == null ? List.<U>of().iterator() : List.of(bean).iterator(); }
    }
}
