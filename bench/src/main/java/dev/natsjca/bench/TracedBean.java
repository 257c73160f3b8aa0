package dev.natsjca.bench;

/**
 * Stands for the message-driven bean class of an application that has OpenTelemetry: defined
 * anew in {@link BenchTelemetry}'s application class loader, which is all the adapter reads of it
 * (its class loader, to find the application's OpenTelemetry; its simple name, for the MBean).
 */
final class TracedBean {

    private TracedBean() {
    }
}
