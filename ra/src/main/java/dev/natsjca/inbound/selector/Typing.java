package dev.natsjca.inbound.selector;

import dev.natsjca.inbound.selector.Operand.Kind;
import dev.natsjca.inbound.selector.Token.Type;

/**
 * The static type rules, JMS's: strings and booleans compare only with {@code =} and {@code <>};
 * {@code BETWEEN} and the ordering operators are numeric; {@code IN}, {@code LIKE} and {@code IS NULL}
 * apply to identifiers. A header is a string compared with a string or boolean, a number compared
 * with a number, and a number when ordered.
 */
final class Typing {

    private Typing() {
    }

    /** Rejects, at {@code op}, a predicate that cannot apply to a left operand of {@code left}'s type. */
    static void checkApplies(Operand left, Token op) throws SelectorSyntaxException {
        Type t = op.type();
        switch (left.kind()) {
            case STRING, BOOLEAN -> {
                if (t != Type.EQ && t != Type.NE) {
                    String what = left.kind() == Kind.STRING ? "a string literal" : "a boolean literal";
                    throw Parser.error(op, "'=' or '<>'", t.isComparison() || t == Type.BETWEEN
                            ? what + " is compared only with = and <>"
                            : "the left side of " + op.source() + " is an identifier");
                }
            }
            case NUMBER -> {
                if (!t.isComparison() && t != Type.BETWEEN) {
                    throw Parser.error(op, "a comparison operator or BETWEEN",
                            "the left side of " + op.source() + " is an identifier");
                }
            }
            default -> {
                // A header, $subject or ANY(...): every predicate applies.
            }
        }
    }

    /** Builds {@code left op right}, {@code op} a comparison operator that {@link #checkApplies applies}. */
    static Condition compare(Operand left, Token op, Operand right) throws SelectorSyntaxException {
        boolean equality = op.type() == Type.EQ || op.type() == Type.NE;
        boolean ne = op.type() == Type.NE;
        if (!equality) {
            requireNumeric(right, right.kind() == Kind.STRING ? "a string literal is compared only with = and <>"
                    : right.kind() == Kind.BOOLEAN ? "a boolean literal is compared only with = and <>" : null);
            return new Condition.Compare(left.num(), op.type(), right.num());
        }
        Kind l = left.kind();
        Kind r = right.kind();
        if (l == Kind.BOOLEAN && r == Kind.BOOLEAN) {
            return new Condition.Constant(Tri.of(left.node().equals(right.node())).negateIf(ne));
        }
        if (l == Kind.BOOLEAN && r == Kind.REFERENCE) {
            return new Condition.BooleanEquals(right.text(), (Boolean) left.node(), ne);
        }
        if (l == Kind.REFERENCE && r == Kind.BOOLEAN) {
            return new Condition.BooleanEquals(left.text(), (Boolean) right.node(), ne);
        }
        if (l == Kind.NUMBER || r == Kind.NUMBER) {
            if (left.isNumeric() && right.isNumeric()) {
                return new Condition.Compare(left.num(), op.type(), right.num());
            }
        } else if ((l == Kind.STRING || l == Kind.REFERENCE) && (r == Kind.STRING || r == Kind.REFERENCE)) {
            return new Condition.TextEquals(left.text(), right.text(), ne);
        }
        throw Parser.error(right.start(), expectedLike(l),
                r == Kind.ANY ? "ANY(...) stands only on the left of a predicate" : null);
    }

    private static String expectedLike(Kind left) {
        return switch (left) {
            case STRING -> "a string literal or identifier";
            case NUMBER -> Parser.NUMERIC;
            case BOOLEAN -> "TRUE, FALSE or an identifier";
            default -> Parser.OPERAND;
        };
    }

    static Operand requireNumeric(Operand o) throws SelectorSyntaxException {
        return requireNumeric(o, null);
    }

    private static Operand requireNumeric(Operand o, String hint) throws SelectorSyntaxException {
        if (!o.isNumeric()) {
            throw Parser.error(o.start(), Parser.NUMERIC,
                    hint != null ? hint : o.kind() == Kind.ANY ? "ANY(...) stands only on the left of a predicate" : null);
        }
        return o;
    }

    /**
     * @param negative whether a minus sign precedes the literal
     * @return the literal {@code t}, a long when exact
     */
    static Num number(Token t, boolean negative) throws SelectorSyntaxException {
        String digits = negative ? "-" + t.text() : t.text();
        if (t.type() == Type.EXACT) {
            Eval scratch = new Eval(null, null);
            if (!Numbers.parse(digits, scratch) || scratch.isDouble) {
                throw Parser.error(t, "an exact number from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE, "write it as " + t.text() + ".0 for an approximate number");
            }
            return Num.Literal.of(scratch.l);
        }
        double d = Double.parseDouble(digits);
        if (Double.isInfinite(d)) {
            throw Parser.error(t, "a number within the range of a double", null);
        }
        return Num.Literal.of(d);
    }
}
