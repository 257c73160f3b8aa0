package dev.natsjca.inbound.selector;

import java.util.List;
import java.util.Set;

import dev.natsjca.inbound.selector.Token.Type;

/** A node of a parsed selector that has a truth value; the root of every {@link Selector}. */
sealed interface Condition permits Condition.Constant, Condition.And, Condition.Or, Condition.Not,
        Condition.TextEquals, Condition.BooleanEquals, Condition.Compare, Condition.Between, Condition.In,
        Condition.Like, Condition.IsNull, Condition.AnyOf {

    Tri test(Eval e);

    /** {@code TRUE}, {@code FALSE}, or a comparison of two boolean literals. */
    record Constant(Tri value) implements Condition {
        @Override
        public Tri test(Eval e) {
            return value;
        }
    }

    /** A chain of {@code AND}s, flat so that a long chain costs no deep recursion. */
    record And(List<Condition> operands) implements Condition {
        public And {
            operands = List.copyOf(operands);
        }

        @Override
        public Tri test(Eval e) {
            Tri result = Tri.TRUE;
            for (int i = 0; i < operands.size(); i++) {
                Tri t = operands.get(i).test(e);
                if (t == Tri.FALSE) {
                    return Tri.FALSE;
                }
                if (t == Tri.UNKNOWN) {
                    result = Tri.UNKNOWN;
                }
            }
            return result;
        }
    }

    /** A chain of {@code OR}s. */
    record Or(List<Condition> operands) implements Condition {
        public Or {
            operands = List.copyOf(operands);
        }

        @Override
        public Tri test(Eval e) {
            Tri result = Tri.FALSE;
            for (int i = 0; i < operands.size(); i++) {
                Tri t = operands.get(i).test(e);
                if (t == Tri.TRUE) {
                    return Tri.TRUE;
                }
                if (t == Tri.UNKNOWN) {
                    result = Tri.UNKNOWN;
                }
            }
            return result;
        }
    }

    record Not(Condition operand) implements Condition {
        @Override
        public Tri test(Eval e) {
            return operand.test(e).not();
        }
    }

    /** {@code =} or {@code <>} between strings: case-sensitive. */
    record TextEquals(Text left, Text right, boolean negated) implements Condition {
        @Override
        public Tri test(Eval e) {
            String l = left.text(e);
            if (l == null) {
                return Tri.UNKNOWN;
            }
            String r = right.text(e);
            return r == null ? Tri.UNKNOWN : Tri.of(l.equals(r)).negateIf(negated);
        }
    }

    /** A string operand compared with {@code TRUE} or {@code FALSE}: only 'true' and 'false' (any case) are booleans. */
    record BooleanEquals(Text operand, boolean value, boolean negated) implements Condition {
        @Override
        public Tri test(Eval e) {
            String s = operand.text(e);
            boolean b;
            if ("true".equalsIgnoreCase(s)) {
                b = true;
            } else if ("false".equalsIgnoreCase(s)) {
                b = false;
            } else {
                return Tri.UNKNOWN;
            }
            return Tri.of(b == value).negateIf(negated);
        }
    }

    /** A numeric comparison, {@code operator} one of {@code = <> < <= > >=}. */
    record Compare(Num left, Type operator, Num right) implements Condition {
        @Override
        public Tri test(Eval e) {
            if (!left.eval(e)) {
                return Tri.UNKNOWN;
            }
            boolean ld = e.isDouble;
            long ll = e.l;
            double ldv = e.d;
            if (!right.eval(e)) {
                return Tri.UNKNOWN;
            }
            int c = Numbers.compare(ld, ll, ldv, e.isDouble, e.l, e.d);
            if (c == Numbers.UNORDERED) {
                return Tri.UNKNOWN;
            }
            return Tri.of(switch (operator) {
                case EQ -> c == 0;
                case NE -> c != 0;
                case LT -> c < 0;
                case LE -> c <= 0;
                case GT -> c > 0;
                default -> c >= 0;
            });
        }
    }

    /** {@code v BETWEEN lo AND hi}, which is {@code v >= lo AND v <= hi}, three-valued logic included. */
    record Between(Num value, Num low, Num high, boolean negated) implements Condition {
        @Override
        public Tri test(Eval e) {
            if (!value.eval(e)) {
                return Tri.UNKNOWN;
            }
            boolean vd = e.isDouble;
            long vl = e.l;
            double vdv = e.d;
            Tri atLeast = low.eval(e) ? bound(Numbers.compare(vd, vl, vdv, e.isDouble, e.l, e.d), 1) : Tri.UNKNOWN;
            if (atLeast == Tri.FALSE) {
                return Tri.of(negated);
            }
            Tri atMost = high.eval(e) ? bound(Numbers.compare(vd, vl, vdv, e.isDouble, e.l, e.d), -1) : Tri.UNKNOWN;
            if (atMost == Tri.FALSE) {
                return Tri.of(negated);
            }
            Tri both = atLeast == Tri.TRUE && atMost == Tri.TRUE ? Tri.TRUE : Tri.UNKNOWN;
            return both.negateIf(negated);
        }

        /** @param side 1: is the value at least the bound; -1: at most */
        private static Tri bound(int c, int side) {
            if (c == Numbers.UNORDERED) {
                return Tri.UNKNOWN;
            }
            return Tri.of(side > 0 ? c >= 0 : c <= 0);
        }
    }

    record In(Text operand, Set<String> values, boolean negated) implements Condition {
        public In {
            values = Set.copyOf(values);
        }

        @Override
        public Tri test(Eval e) {
            String s = operand.text(e);
            return s == null ? Tri.UNKNOWN : Tri.of(values.contains(s)).negateIf(negated);
        }
    }

    record Like(Text operand, LikePattern pattern, boolean negated) implements Condition {
        @Override
        public Tri test(Eval e) {
            String s = operand.text(e);
            return s == null ? Tri.UNKNOWN : Tri.of(pattern.matches(s)).negateIf(negated);
        }
    }

    record IsNull(Text operand, boolean negated) implements Condition {
        @Override
        public Tri test(Eval e) {
            return Tri.of(operand.text(e) == null).negateIf(negated);
        }
    }

    /**
     * {@code ANY(header)}: {@code predicate}, whose operand is {@link Text.AnyValue}, tested for each
     * of the header's values; TRUE when one is. An absent header is tested once as NULL, so that
     * {@code IS NULL} is TRUE and other predicates UNKNOWN.
     */
    record AnyOf(String header, Condition predicate) implements Condition {
        @Override
        public Tri test(Eval e) {
            List<String> values = e.values(header);
            if (values == null) {
                e.current = null;
                return predicate.test(e);
            }
            Tri result = Tri.FALSE;
            for (int i = 0; i < values.size(); i++) {
                e.current = values.get(i);
                Tri t = predicate.test(e);
                if (t == Tri.TRUE) {
                    return Tri.TRUE;
                }
                if (t == Tri.UNKNOWN) {
                    result = Tri.UNKNOWN;
                }
            }
            return result;
        }
    }
}
