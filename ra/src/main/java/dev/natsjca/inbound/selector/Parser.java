package dev.natsjca.inbound.selector;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.natsjca.inbound.selector.Operand.Kind;
import dev.natsjca.inbound.selector.Token.Type;

/**
 * The recursive-descent parser: one method per precedence level, lowest first. Types are checked as
 * the tree is built ({@link Typing}), so that every error has the position where it is seen.
 */
final class Parser {

    static final int MAX_LENGTH = 4096;
    static final int MAX_DEPTH = 100;

    static final String PREDICATE = "a comparison operator, BETWEEN, IN, LIKE or IS";
    static final String OPERAND = "an identifier or literal";
    static final String NUMERIC = "a numeric expression or identifier";

    private final List<Token> tokens;
    private int p;
    private int depth;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static Condition parse(String text) throws SelectorSyntaxException {
        if (text.length() > MAX_LENGTH) {
            throw new SelectorSyntaxException(MAX_LENGTH + 1, "a selector of at most " + MAX_LENGTH + " characters",
                    text.length() + " characters", null);
        }
        Parser parser = new Parser(Lexer.tokenize(text));
        Condition root = parser.condition(parser.or());
        parser.expect(Type.END, "end of selector");
        return root;
    }

    // --- conditions: OR < AND < NOT < predicate

    private Operand or() throws SelectorSyntaxException {
        Operand first = and();
        if (peek().type() != Type.OR) {
            return first;
        }
        List<Condition> operands = new ArrayList<>();
        operands.add(condition(first));
        while (accept(Type.OR)) {
            operands.add(condition(and()));
        }
        return new Operand(Kind.CONDITION, new Condition.Or(operands), first.start());
    }

    private Operand and() throws SelectorSyntaxException {
        Operand first = not();
        if (peek().type() != Type.AND) {
            return first;
        }
        List<Condition> operands = new ArrayList<>();
        operands.add(condition(first));
        while (accept(Type.AND)) {
            operands.add(condition(not()));
        }
        return new Operand(Kind.CONDITION, new Condition.And(operands), first.start());
    }

    private Operand not() throws SelectorSyntaxException {
        Token not = peek();
        if (not.type() != Type.NOT) {
            return predicate();
        }
        p++;
        enter(not);
        Condition operand = condition(not());
        depth--;
        return new Operand(Kind.CONDITION, new Condition.Not(operand), not);
    }

    /**
     * Requires {@code o} to have a truth value; called right after parsing it, so the current token
     * is the one that fails to make it a predicate.
     */
    private Condition condition(Operand o) throws SelectorSyntaxException {
        return switch (o.kind()) {
            case CONDITION -> (Condition) o.node();
            case BOOLEAN -> new Condition.Constant(Tri.of((Boolean) o.node()));
            default -> throw error(peek(), PREDICATE, null);
        };
    }

    private Operand predicate() throws SelectorSyntaxException {
        Operand left = additive();
        if (left.kind() == Kind.CONDITION) {
            // A parenthesised condition: predicates do not chain onto one.
            return left;
        }
        Token op = peek();
        boolean negated = false;
        if (op.type() == Type.NOT) {
            Token next = tokens.get(p + 1);
            if (next.type() != Type.BETWEEN && next.type() != Type.IN && next.type() != Type.LIKE) {
                throw error(next, "BETWEEN, IN or LIKE", null);
            }
            negated = true;
            p++;
            op = peek();
        }
        if (!op.type().isComparison() && op.type() != Type.BETWEEN && op.type() != Type.IN
                && op.type() != Type.LIKE && op.type() != Type.IS) {
            if (left.kind() == Kind.ANY) {
                throw error(op, PREDICATE, "ANY(...) must be followed by a predicate");
            }
            return left;
        }
        Typing.checkApplies(left, op);
        p++;
        String any = null;
        if (left.kind() == Kind.ANY) {
            any = (String) left.node();
            left = new Operand(Kind.REFERENCE, Text.AnyValue.INSTANCE, left.start());
        }
        Condition c = switch (op.type()) {
            case BETWEEN -> between(left, negated);
            case IN -> in(left, negated);
            case LIKE -> like(left, negated);
            case IS -> isNull(left);
            default -> Typing.compare(left, op, additive());
        };
        if (any != null) {
            c = new Condition.AnyOf(any, c);
        }
        return new Operand(Kind.CONDITION, c, left.start());
    }

    private Condition between(Operand value, boolean negated) throws SelectorSyntaxException {
        Operand low = Typing.requireNumeric(additive());
        expect(Type.AND, "AND");
        Operand high = Typing.requireNumeric(additive());
        return new Condition.Between(value.num(), low.num(), high.num(), negated);
    }

    private Condition in(Operand value, boolean negated) throws SelectorSyntaxException {
        expect(Type.LPAREN, "'('");
        Set<String> values = new LinkedHashSet<>();
        do {
            Token t = next();
            if (t.type() != Type.STRING) {
                throw error(t, "a string literal", t.type() == Type.EXACT || t.type() == Type.APPROXIMATE
                        ? "the values of an IN list are string literals" : null);
            }
            values.add(t.text());
        } while (accept(Type.COMMA));
        expect(Type.RPAREN, "',' or ')'");
        return new Condition.In(value.text(), values, negated);
    }

    private Condition like(Operand value, boolean negated) throws SelectorSyntaxException {
        Token pattern = next();
        if (pattern.type() != Type.STRING) {
            throw error(pattern, "a string literal", "the pattern of LIKE is a string literal");
        }
        int escape = -1;
        if (accept(Type.ESCAPE)) {
            Token e = next();
            if (e.type() != Type.STRING || e.text().codePointCount(0, e.text().length()) != 1) {
                throw error(e, "a single-character string literal", "the escape character of LIKE");
            }
            escape = e.text().codePointAt(0);
        }
        try {
            return new Condition.Like(value.text(), LikePattern.compile(pattern.text(), escape), negated);
        } catch (IllegalArgumentException ex) {
            throw error(pattern, "a LIKE pattern", ex.getMessage());
        }
    }

    private Condition isNull(Operand value) throws SelectorSyntaxException {
        boolean negated = accept(Type.NOT);
        expect(Type.NULL, negated ? "NULL" : "NULL or NOT NULL");
        return new Condition.IsNull(value.text(), negated);
    }

    // --- values: additive < multiplicative < unary < primary

    private Operand additive() throws SelectorSyntaxException {
        return chain(false);
    }

    private Operand multiplicative() throws SelectorSyntaxException {
        return chain(true);
    }

    /** One left-associative level of arithmetic: {@code * /} when {@code multiplicative}, else {@code + -}. */
    private Operand chain(boolean multiplicative) throws SelectorSyntaxException {
        Operand first = multiplicative ? unary() : multiplicative();
        if (!isOperator(peek().type(), multiplicative) || first.kind() == Kind.CONDITION || first.kind() == Kind.ANY) {
            // A condition or ANY(...) here is the caller's to reject, which names the operator found.
            return first;
        }
        List<Num> terms = new ArrayList<>();
        List<Type> operators = new ArrayList<>();
        terms.add(Typing.requireNumeric(first).num());
        operators.add(null);
        while (isOperator(peek().type(), multiplicative)) {
            operators.add(next().type());
            terms.add(Typing.requireNumeric(multiplicative ? unary() : multiplicative()).num());
        }
        Num node = new Num.Arithmetic(terms.toArray(Num[]::new), operators.toArray(Type[]::new));
        return new Operand(Kind.NUMBER, node, first.start());
    }

    private static boolean isOperator(Type t, boolean multiplicative) {
        return multiplicative ? t == Type.TIMES || t == Type.DIVIDE : t == Type.PLUS || t == Type.MINUS;
    }

    private Operand unary() throws SelectorSyntaxException {
        Token sign = peek();
        if (sign.type() != Type.PLUS && sign.type() != Type.MINUS) {
            return primary();
        }
        p++;
        enter(sign);
        boolean minus = sign.type() == Type.MINUS;
        Operand result;
        Token t = peek();
        if (t.type() == Type.EXACT || t.type() == Type.APPROXIMATE) {
            // A signed literal is a literal: -9223372036854775808 fits a long, its digits alone do not.
            p++;
            result = new Operand(Kind.NUMBER, Typing.number(t, minus), sign);
        } else {
            Operand o = Typing.requireNumeric(unary());
            result = new Operand(Kind.NUMBER, minus ? new Num.Negate(o.num()) : o.num(), sign);
        }
        depth--;
        return result;
    }

    private Operand primary() throws SelectorSyntaxException {
        Token t = next();
        return switch (t.type()) {
            case LPAREN -> {
                enter(t);
                Operand inner = or();
                expect(Type.RPAREN, "')'");
                depth--;
                yield inner.startingAt(t);
            }
            case STRING -> new Operand(Kind.STRING, new Text.Literal(t.text()), t);
            case EXACT, APPROXIMATE -> new Operand(Kind.NUMBER, Typing.number(t, false), t);
            case TRUE, FALSE -> new Operand(Kind.BOOLEAN, t.type() == Type.TRUE, t);
            case IDENTIFIER, QUOTED_IDENTIFIER -> new Operand(Kind.REFERENCE, new Text.Header(t.text()), t);
            case SUBJECT -> subject(t);
            case ANY -> any(t);
            default -> throw error(t, OPERAND, t.type().isKeyword() ? reserved(t) : null);
        };
    }

    private static String reserved(Token t) {
        if (t.type() == Type.NULL) {
            return "NULL is tested with IS NULL; \"NULL\" names a header";
        }
        return t.source() + " is a reserved word; \"" + t.source() + "\" names a header";
    }

    private Operand subject(Token t) throws SelectorSyntaxException {
        if (!accept(Type.LBRACKET)) {
            return new Operand(Kind.REFERENCE, Text.Subject.INSTANCE, t);
        }
        Token index = next();
        long n = index.type() == Type.EXACT ? ((Num.Literal) Typing.number(index, false)).l() : 0;
        if (n < 1) {
            throw error(index, "a token number of 1 or more", "$subject[1] is the first token");
        }
        expect(Type.RBRACKET, "']'");
        // Beyond any subject's tokens either way.
        int clamped = (int) Math.min(n, Integer.MAX_VALUE);
        return new Operand(Kind.REFERENCE, new Text.SubjectToken(clamped), t);
    }

    private Operand any(Token t) throws SelectorSyntaxException {
        expect(Type.LPAREN, "'('");
        Token name = next();
        if (name.type() != Type.IDENTIFIER && name.type() != Type.QUOTED_IDENTIFIER) {
            throw error(name, "a header name", name.type() == Type.SUBJECT ? "ANY applies to headers" : null);
        }
        expect(Type.RPAREN, "')'");
        return new Operand(Kind.ANY, name.text(), t);
    }

    // --- tokens

    private Token peek() {
        return tokens.get(p);
    }

    private Token next() {
        Token t = tokens.get(p);
        if (t.type() != Type.END) {
            p++;
        }
        return t;
    }

    private boolean accept(Type type) {
        if (peek().type() == type) {
            p++;
            return true;
        }
        return false;
    }

    private void expect(Type type, String expected) throws SelectorSyntaxException {
        if (!accept(type)) {
            throw error(peek(), expected, null);
        }
    }

    /** Bounds the recursion, so that hostile input fails with a syntax error, not a StackOverflowError. */
    private void enter(Token t) throws SelectorSyntaxException {
        if (++depth > MAX_DEPTH) {
            throw error(t, "at most " + MAX_DEPTH + " levels of nesting", null);
        }
    }

    static SelectorSyntaxException error(Token t, String expected, String hint) {
        return new SelectorSyntaxException(t.position(), expected, t.describe(), hint);
    }
}
