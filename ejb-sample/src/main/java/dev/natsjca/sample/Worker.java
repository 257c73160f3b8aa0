package dev.natsjca.sample;

import dev.natsjca.api.NatsMessage;
import io.nats.client.impl.Headers;

/**
 * The shared logic of the competing work consumers: confirm each work item on
 * {@value SampleSubjects#WORK_DONE}, naming the worker.
 */
abstract class Worker {

    abstract Publisher publisher();

    abstract String name();

    void process(NatsMessage message) {
        Headers done = new Headers()
                .put(SampleSubjects.HEADER_WORKER, name())
                .put(SampleSubjects.HEADER_NODE, Node.NAME);
        publisher().publish(SampleSubjects.WORK_DONE, done, message.data());
    }
}
