package dev.natsjca.sample;

/** The name of this server instance, as confirmations report it. */
final class Node {

    static final String NAME = System.getProperty("jboss.node.name",
            System.getProperty("com.sun.aas.instanceName", "node"));

    private Node() {
    }
}
