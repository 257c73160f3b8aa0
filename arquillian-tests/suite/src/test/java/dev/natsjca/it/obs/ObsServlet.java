package dev.natsjca.it.obs;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Set;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import jakarta.ejb.EJB;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Reads the adapter's MBeans where operators would, on the server's platform MBean server:
 * {@code ?op=jmx&type=Activation&name=ObservedListener&attr=Delivered}; {@code ?op=traced} makes a
 * traced call.
 */
@WebServlet("/obs")
public class ObsServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @EJB
    private ObsBean bean;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String out;
        try {
            out = switch (req.getParameter("op")) {
                case "jmx" -> attribute(req.getParameter("type"), req.getParameter("name"), req.getParameter("attr"));
                case "traced" -> bean.tracedPublish("obs.traced", "traced");
                case "ready" -> bean.ready();
                default -> throw new IllegalArgumentException("unknown op");
            };
        } catch (JMException | RuntimeException e) {
            out = "ERROR " + e;
        }
        resp.setContentType("text/plain");
        resp.getWriter().print(out);
    }

    /** @return the attribute, of the one MBean of that type when no name is given */
    private static String attribute(String type, String name, String attr) throws JMException {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName on;
        if (name == null) {
            Set<ObjectName> all = server.queryNames(new ObjectName("dev.natsjca:type=" + type + ",*"), null);
            if (all.size() != 1) {
                return "ERROR " + all;
            }
            on = all.iterator().next();
        } else {
            on = new ObjectName("dev.natsjca:type=" + type + ",name=" + name);
        }
        return String.valueOf(server.getAttribute(on, attr));
    }
}
