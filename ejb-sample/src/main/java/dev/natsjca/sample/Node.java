package dev.natsjca.sample;

/** The name of this server instance, as confirmations report it. */
final class Node {

    /** The same name the leader election stands under (the server's node name). */
    static final String NAME = dev.natsjca.leader.LeaderElection.nodeName();

    private Node() {
    }
}
