package dev.natsjca.it.tx;

import java.io.IOException;

import jakarta.ejb.EJB;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Drives {@link TxBean} over HTTP: {@code /tx?op=...&run=...}; answers OK, ROLLED_BACK ... or a count. */
@WebServlet("/tx")
public class TxServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @EJB
    private TxBean bean;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String run = req.getParameter("run");
        String result;
        try {
            switch (req.getParameter("op")) {
                case "three" -> bean.publishThree(run);
                case "throw" -> bean.publishThreeThenThrow(run);
                case "rollbackOnly" -> bean.publishThreeThenSetRollbackOnly(run);
                case "persist" -> bean.persistAndPublish(run, false);
                case "persistThenThrow" -> bean.persistAndPublish(run, true);
                case "constraint" -> bean.violateConstraintAtFlushAndPublish(run);
                case "sentinel" -> bean.publishSentinel(run);
                case "rows" -> {
                    resp.getWriter().print(bean.rows(run));
                    return;
                }
                default -> throw new IllegalArgumentException(req.getParameter("op"));
            }
            result = "OK";
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            result = "ROLLED_BACK " + e.getClass().getName() + " / " + root.getClass().getName() + ": " + root.getMessage();
        }
        resp.setContentType("text/plain");
        resp.getWriter().print(result);
    }
}
