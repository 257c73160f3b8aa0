/**
 * Transaction plumbing shared by outbound publishing and inbound delivery.
 */
package dev.natsjca.tx;
