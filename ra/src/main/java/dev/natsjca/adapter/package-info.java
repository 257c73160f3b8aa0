/**
 * The {@code ResourceAdapter}: lifecycle (start/stop), the server's {@code WorkManager}, the
 * registry of endpoint activations, and the adapter-wide connection defaults that connection
 * definitions and activations inherit.
 */
package dev.natsjca.adapter;
