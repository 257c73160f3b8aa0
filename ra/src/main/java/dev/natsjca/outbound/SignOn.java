package dev.natsjca.outbound;

import java.util.Arrays;
import java.util.Objects;

import javax.security.auth.Subject;

import jakarta.resource.spi.ManagedConnectionFactory;
import jakarta.resource.spi.security.PasswordCredential;

/**
 * Container-managed sign-on: the user and password the application server hands
 * {@code createManagedConnection} in a {@link Subject} (a {@link PasswordCredential} for this
 * factory), from configuration the application never sees (WildFly: an Elytron authentication
 * context, e.g. backed by a credential store; Payara: the pool's {@code user}/{@code password},
 * possibly a password alias). A managed connection signed on as one user is never handed to
 * another. {@link #toString()} never shows the password.
 */
final class SignOn {

    private final String user;
    private final char[] password;

    private SignOn(String user, char[] password) {
        this.user = user;
        this.password = password == null ? new char[0] : password.clone();
    }

    /**
     * @param subject what the server passed, possibly {@code null}
     * @param factory the factory asked for a connection
     * @return the credential meant for {@code factory}, or {@code null} when there is none (Payara
     *         passes one with an empty user when the pool sets none: that is none)
     */
    static SignOn from(Subject subject, ManagedConnectionFactory factory) {
        if (subject == null) {
            return null;
        }
        for (PasswordCredential pc : subject.getPrivateCredentials(PasswordCredential.class)) {
            ManagedConnectionFactory target = pc.getManagedConnectionFactory();
            if (target == null || target.equals(factory)) {
                return pc.getUserName() == null || pc.getUserName().isEmpty() ? null
                        : new SignOn(pc.getUserName(), pc.getPassword());
            }
        }
        return null;
    }

    String user() {
        return user;
    }

    char[] password() {
        return password.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignOn && ((SignOn) o).user.equals(user) && Arrays.equals(((SignOn) o).password, password);
    }

    @Override
    public int hashCode() {
        return Objects.hash(user);
    }

    @Override
    public String toString() {
        return "SignOn[user " + user + ", password ***]";
    }
}
