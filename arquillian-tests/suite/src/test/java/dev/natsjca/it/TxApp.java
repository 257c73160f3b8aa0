package dev.natsjca.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;

import dev.natsjca.it.tx.AuditRow;
import dev.natsjca.it.tx.TxBean;
import dev.natsjca.it.tx.TxServlet;

/**
 * A small test application: the RAR, a stateless bean that publishes and writes through JPA on
 * the server's default datasource, and a servlet at {@code /<name>/tx} that drives it; assembled
 * and bound for both servers by {@link TestEar}.
 */
final class TxApp {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private TxApp() {
    }

    /**
     * @param name application name and context root
     * @param connectionProperties connection-definition properties to set (WildFly: in a copy of
     *        the RAR's ironjacamar.xml; Payara: as pool properties); empty = the RAR as built
     */
    static EnterpriseArchive ear(String name, Map<String, String> connectionProperties) {
        JavaArchive ejb = ShrinkWrap.create(JavaArchive.class, "tx-ejb.jar")
                .addClasses(TxBean.class, AuditRow.class)
                .addAsManifestResource(new StringAsset(PERSISTENCE_XML), "persistence.xml");
        WebArchive web = ShrinkWrap.create(WebArchive.class, "tx-web.war").addClass(TxServlet.class);
        return TestEar.ear(name, ejb, List.of(new TestEar.Bean("TxBean", false, true)), web, connectionProperties);
    }

    /** Calls {@code /<name>/tx?op=..&run=..} and returns the body (OK, ROLLED_BACK ..., or a count). */
    static String call(String name, String op, String run) throws Exception {
        URI uri = URI.create(System.getProperty("http.base") + "/" + name + "/tx?op=" + op + "&run=" + run);
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), op + ": " + response.body());
        return response.body();
    }

    /** No jta-data-source: the server's default datasource (WildFly ExampleDS, Payara jdbc/__default), non-XA. */
    static final String PERSISTENCE_XML = """
            <persistence xmlns="https://jakarta.ee/xml/ns/persistence" version="3.0">
              <persistence-unit name="tx" transaction-type="JTA">
                <class>dev.natsjca.it.tx.AuditRow</class>
                <exclude-unlisted-classes>true</exclude-unlisted-classes>
                <properties>
                  <property name="jakarta.persistence.schema-generation.database.action" value="drop-and-create"/>
                </properties>
              </persistence-unit>
            </persistence>
            """;
}
