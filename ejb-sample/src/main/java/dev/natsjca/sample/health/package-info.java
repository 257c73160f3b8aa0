/**
 * The sample's MicroProfile Health checks, packed as an EAR library ({@code lib/}): readiness and
 * liveness from the resource adapter's status, through {@link dev.natsjca.sample.health.AdapterHealth},
 * which the EJB module implements.
 */
package dev.natsjca.sample.health;
