package dev.natsjca.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.natsjca.testing.NatsServerExtension;

/**
 * The suite's nats-server on the reserved port, requiring a user: {@value #USER} (the one the
 * application server signs the adapter's connections on as) or {@value #OBSERVER} (the test's own).
 */
public final class SignOnNatsServer extends NatsServerExtension {

    static final String USER = "natsapp";
    static final String PASSWORD = "s3cret-pass";
    static final String OBSERVER = "observer";
    static final String OBSERVER_PASSWORD = "observer-pass";

    public SignOnNatsServer() {
        super("-c", config().toString());
    }

    private static Path config() {
        try {
            Path f = Files.createTempFile("nats-sign-on", ".conf");
            f.toFile().deleteOnExit();
            Files.writeString(f, "authorization { users = [ {user: " + USER + ", password: " + PASSWORD + "}, {user: "
                    + OBSERVER + ", password: " + OBSERVER_PASSWORD + "} ] }\n");
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
