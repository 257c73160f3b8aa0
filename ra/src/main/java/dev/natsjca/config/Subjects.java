package dev.natsjca.config;

import jakarta.resource.spi.InvalidPropertyException;

/**
 * NATS subject and name rules, checked where a property or an argument enters the adapter so
 * that the error names the property (or argument) and the value, instead of surfacing later as a
 * protocol error from the server.
 *
 * <p>A subject is one or more non-empty tokens separated by {@code .}, without whitespace or
 * control characters. When subscribing, a token may be the wildcard {@code *}, and the last token
 * may be {@code >}; a publish subject contains no wildcard.
 */
public final class Subjects {

    private Subjects() {
    }

    /**
     * @return {@code null} when {@code subject} is a valid subscription subject, else why not
     */
    public static String subscribeProblem(String subject) {
        return problem(subject, true);
    }

    /**
     * @return {@code null} when {@code subject} is a valid publish subject, else why not
     */
    public static String publishProblem(String subject) {
        return problem(subject, false);
    }

    /**
     * Checks a property that holds one or more subscription subjects, comma-separated.
     *
     * @return the subjects, in the order given
     * @throws InvalidPropertyException naming the property and the value: an invalid subject, a
     *         repeated one, or two that overlap (a message on both would be delivered twice, and
     *         the server refuses overlapping consumer filters)
     */
    public static java.util.List<String> requireSubscribeSubjects(String property, String value)
            throws InvalidPropertyException {
        java.util.List<String> subjects = new java.util.ArrayList<>();
        String[] parts = (value == null ? "" : value).split(",", -1);
        for (String part : parts) {
            String subject = part.trim();
            if (parts.length == 1) {
                requireSubscribeSubject(property, subject);
            } else if (subscribeProblem(subject) != null) {
                throw new InvalidPropertyException("Invalid value for property '" + property + "': '" + value
                        + "': subject " + (subjects.size() + 1) + " of " + parts.length + ", '" + subject + "': "
                        + subscribeProblem(subject));
            }
            for (String earlier : subjects) {
                if (overlap(earlier, subject)) {
                    throw new InvalidPropertyException("Invalid value for property '" + property + "': '" + value
                            + "': subjects '" + earlier + "' and '" + subject + "' overlap (a message on both "
                            + "would come twice); list subjects that no message matches twice");
                }
            }
            subjects.add(subject);
        }
        return java.util.List.copyOf(subjects);
    }

    /**
     * @return whether every subject that {@code inner} matches is matched by {@code outer} too
     *         (both subscription subjects): a stream on {@code outer} stores what a consumer
     *         filtering on {@code inner} can get
     */
    public static boolean covers(String outer, String inner) {
        String[] o = outer.split("\\.", -1);
        String[] i = inner.split("\\.", -1);
        for (int k = 0; k < o.length; k++) {
            if (o[k].equals(">")) {
                return k < i.length; // takes one token or more: inner must have one here
            }
            if (k >= i.length || i[k].equals(">") || !o[k].equals("*") && !o[k].equals(i[k])) {
                return false; // inner ends sooner, goes on without bound, or differs
            }
        }
        return o.length == i.length;
    }

    /** @return whether some subject matches both subscription subjects {@code a} and {@code b} */
    public static boolean overlap(String a, String b) {
        String[] x = a.split("\\.", -1);
        String[] y = b.split("\\.", -1);
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            if (i >= x.length || i >= y.length) {
                return false; // one ended, the other goes on, and no '>' came before
            }
            if (x[i].equals(">") || y[i].equals(">")) {
                return true; // the other has a token here, and '>' takes it and the rest
            }
            if (!x[i].equals("*") && !y[i].equals("*") && !x[i].equals(y[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks a property that holds a subscription subject.
     *
     * @throws InvalidPropertyException naming the property and the value
     */
    public static String requireSubscribeSubject(String property, String value) throws InvalidPropertyException {
        String why = subscribeProblem(value);
        if (why != null) {
            throw PropertyResolver.invalid(property, value, why);
        }
        return value;
    }

    /**
     * Checks a property that holds a queue group (or other single-token name): non-empty, no
     * whitespace, no wildcard.
     *
     * @return {@code null} when the value is valid, else why not
     */
    public static String queueGroupProblem(String value) {
        if (value == null || value.isEmpty()) {
            return "it is empty";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                return "it contains whitespace or a control character at index " + i;
            }
            if (c == '*' || c == '>') {
                return "it contains the wildcard '" + c + "'";
            }
        }
        return null;
    }

    /**
     * @param filter a valid subscription subject (wildcards allowed)
     * @param subject a valid publish subject
     * @return whether a subscription on {@code filter} receives messages published to {@code subject}
     */
    public static boolean matches(String filter, String subject) {
        String[] f = filter.split("\\.", -1);
        String[] s = subject.split("\\.", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals(">")) {
                return s.length > i;
            }
            if (i >= s.length || !f[i].equals("*") && !f[i].equals(s[i])) {
                return false;
            }
        }
        return f.length == s.length;
    }

    private static String problem(String subject, boolean wildcardsAllowed) {
        if (subject == null || subject.isEmpty()) {
            return "a subject is required and this one is empty";
        }
        // One pass, no allocation unless the subject is bad: this runs on every publish.
        int tokenStart = 0;
        int length = subject.length();
        for (int i = 0; i <= length; i++) {
            char c = i < length ? subject.charAt(i) : '.';
            if (c != '.') {
                if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                    return "it contains whitespace or a control character at index " + i;
                }
                if (c == '*' || c == '>') {
                    if (!wildcardsAllowed) {
                        return "a publish subject cannot contain the wildcards '*' or '>'";
                    }
                    int tokenEnd = subject.indexOf('.', i);
                    tokenEnd = tokenEnd < 0 ? length : tokenEnd;
                    boolean whole = i == tokenStart && tokenEnd == i + 1;
                    if (!whole || c == '>' && tokenEnd != length) {
                        return "wildcard misplaced in token '" + subject.substring(tokenStart, tokenEnd)
                                + "' ('*' must be a whole token, '>' must be the whole last token)";
                    }
                }
                continue;
            }
            if (i == tokenStart) {
                return "it has an empty token at index " + tokenStart
                        + " (a subject is tokens separated by single dots, e.g. orders.placed)";
            }
            tokenStart = i + 1;
        }
        return null;
    }
}
