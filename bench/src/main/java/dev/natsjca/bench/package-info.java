/**
 * Benchmarks of the adapter against raw jnats, measured side by side in one run (variants
 * alternate round by round), written to {@code bench/RESULTS.md} and {@code bench/results.png}.
 * Not part of the tests: absolute figures on a shared 2-core machine are noise, ratios are not.
 */
package dev.natsjca.bench;
