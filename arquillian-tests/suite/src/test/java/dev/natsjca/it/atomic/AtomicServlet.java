package dev.natsjca.it.atomic;

import java.io.IOException;

import jakarta.ejb.EJB;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Drives {@link AtomicBean} over HTTP: {@code /atomic?op=...&run=...}; answers OK, ROLLED_BACK
 * followed by every exception of the failure (causes and suppressed ones), the run's notes or a
 * count.
 */
@WebServlet("/atomic")
public class AtomicServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @EJB
    private AtomicBean bean;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String run = req.getParameter("run");
        String result = "OK";
        try {
            switch (req.getParameter("op")) {
                case "commit" -> bean.persistAndPublish(run);
                case "throw" -> bean.persistPublishThenThrow(run);
                case "failDatasourceCommit" -> bean.persistPublishThenFailTheDatasourceCommit(run);
                case "voteRollbackAfterNats" -> bean.persistPublishThenVoteRollbackAfterNats(run);
                case "jetStreamAndCore" -> bean.persistPublishJetStreamAndCore(run);
                case "rows" -> result = Long.toString(bean.rows(run));
                case "notes" -> result = Notes.get(run);
                default -> throw new IllegalArgumentException(req.getParameter("op"));
            }
        } catch (Exception e) {
            result = "ROLLED_BACK" + dev.natsjca.it.tx.CauseChain.of(e);
        }
        resp.setContentType("text/plain");
        resp.getWriter().print(result);
    }
}
