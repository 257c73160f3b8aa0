package dev.natsjca.inbound.selector;

/**
 * What the parser has built so far for one sub-expression, with the static type that decides which
 * operators apply to it.
 *
 * @param kind the static type
 * @param node a {@link Condition}, {@link Text}, {@link Num} or {@link Boolean} by {@code kind};
 *        for {@link Kind#ANY} the header's name
 * @param start the sub-expression's first token, where errors that concern all of it point
 */
record Operand(Kind kind, Object node, Token start) {

    enum Kind {
        /** A predicate: it has a truth value. */
        CONDITION,
        /** A header, {@code $subject} or {@code $subject[n]}: a string, numeric when compared with a number. */
        REFERENCE,
        STRING,
        NUMBER,
        BOOLEAN,
        /** {@code ANY(header)}, only valid as the left operand of a predicate. */
        ANY
    }

    Operand startingAt(Token t) {
        return new Operand(kind, node, t);
    }

    int position() {
        return start.position();
    }

    boolean isNumeric() {
        return kind == Kind.NUMBER || kind == Kind.REFERENCE;
    }

    Num num() {
        return kind == Kind.NUMBER ? (Num) node : new Num.FromText((Text) node);
    }

    Text text() {
        return (Text) node;
    }
}
