/**
 * Stream declarations: a JetStream stream as an application declares it on its activation
 * ({@code streamDeclaration} and the {@code stream*} properties), created when absent, updated
 * where it may change, refused with the setting and both values where it may not, and checked
 * against what the server actually took. Depends on jnats and {@code config} only.
 */
package dev.natsjca.streams;
