package dev.natsjca.it.edge;

import java.io.IOException;

import jakarta.ejb.EJB;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Drives the edge beans over HTTP: {@code /edge?op=...&run=...}; answers OK, ROLLED_BACK followed
 * by every exception of the failure (causes and suppressed ones), an outcome or a count.
 */
@WebServlet("/edge")
public class EdgeServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @EJB
    private EdgeBean edge;

    @EJB
    private TimeoutBean timeout;

    @EJB
    private HeldHandleBean held;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String run = req.getParameter("run");
        String result = "OK";
        try {
            switch (req.getParameter("op")) {
                case "waitAtCompletion" -> edge.persistPublishAndWaitAtCompletion(run);
                case "conditional" -> edge.conditionalPublish(run);
                case "timeout" -> timeout.publishAfterTheTimeout(run);
                case "held" -> {
                    held.obtain();
                    held.publishWithTheHeldHandleThenRollBack(run);
                }
                case "sentinel" -> edge.publishSentinel(run);
                case "rows" -> result = Long.toString(edge.rows(run));
                case "outcome" -> result = Outcomes.get(run);
                case "open" -> Outcomes.open(run);
                default -> throw new IllegalArgumentException(req.getParameter("op"));
            }
        } catch (RuntimeException e) {
            result = "ROLLED_BACK " + dev.natsjca.it.tx.CauseChain.of(e);
        }
        resp.setContentType("text/plain");
        resp.getWriter().print(result);
    }
}
