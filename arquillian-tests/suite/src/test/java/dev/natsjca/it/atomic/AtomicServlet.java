package dev.natsjca.it.atomic;

import java.io.IOException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

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
            result = "ROLLED_BACK" + chain(e);
        }
        resp.setContentType("text/plain");
        resp.getWriter().print(result);
    }

    private static String chain(Throwable failure) {
        StringBuilder sb = new StringBuilder();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        describe(failure, sb, seen);
        return sb.toString();
    }

    private static void describe(Throwable t, StringBuilder sb, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return;
        }
        sb.append(" | ").append(t.getClass().getName()).append(": ").append(t.getMessage());
        for (Throwable s : t.getSuppressed()) {
            describe(s, sb, seen);
        }
        describe(t.getCause(), sb, seen);
    }
}
