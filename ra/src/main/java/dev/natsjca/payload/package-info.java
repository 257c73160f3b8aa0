/**
 * Payload encodings: protobuf messages to bytes plus type headers, and back, with clear errors on
 * a type mismatch or malformed bytes. Used by outbound publishing and inbound delivery alike.
 */
package dev.natsjca.payload;
