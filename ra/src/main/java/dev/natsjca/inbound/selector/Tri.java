package dev.natsjca.inbound.selector;

/** A three-valued (SQL) truth value: a NULL operand makes a predicate {@link #UNKNOWN}, not false. */
enum Tri {
    TRUE, FALSE, UNKNOWN;

    static Tri of(boolean b) {
        return b ? TRUE : FALSE;
    }

    Tri not() {
        return this == TRUE ? FALSE : this == FALSE ? TRUE : UNKNOWN;
    }

    /** Applies a predicate's NOT variant ({@code NOT IN}, {@code <>} ...) only to a known outcome. */
    Tri negateIf(boolean negated) {
        return negated ? not() : this;
    }
}
