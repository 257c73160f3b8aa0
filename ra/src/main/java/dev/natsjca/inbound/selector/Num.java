package dev.natsjca.inbound.selector;

import java.util.Arrays;

import dev.natsjca.inbound.selector.Token.Type;

/**
 * An operand whose value is a number. The result goes to the {@link Eval}'s registers, so that
 * arithmetic and comparisons allocate nothing.
 */
sealed interface Num permits Num.Literal, Num.FromText, Num.Negate, Num.Arithmetic {

    /** @return {@code false} for NULL (an absent header, a value that is no number, a division by zero) */
    boolean eval(Eval e);

    /** A numeric literal: a long, or a double when {@code isDouble}. */
    record Literal(boolean isDouble, long l, double d) implements Num {
        static Literal of(long value) {
            return new Literal(false, value, 0);
        }

        static Literal of(double value) {
            return new Literal(true, 0, value);
        }

        @Override
        public boolean eval(Eval e) {
            return isDouble ? e.setDouble(d) : e.setLong(l);
        }
    }

    /** A string operand (a header, a subject token) used as a number. */
    record FromText(Text text) implements Num {
        @Override
        public boolean eval(Eval e) {
            return Numbers.parse(text.text(e), e);
        }
    }

    /** Unary minus. */
    record Negate(Num operand) implements Num {
        @Override
        public boolean eval(Eval e) {
            if (!operand.eval(e)) {
                return false;
            }
            if (e.isDouble) {
                return e.setDouble(-e.d);
            }
            return e.l == Long.MIN_VALUE ? e.setDouble(-(double) e.l) : e.setLong(-e.l);
        }
    }

    /**
     * A left-associative chain of operators of one precedence ({@code + -} or {@code * /}), kept flat
     * so that a long chain costs no deep recursion. Long arithmetic that overflows continues in double.
     */
    final class Arithmetic implements Num {
        private final Num[] terms;
        private final Type[] operators;

        /** @param operators {@code operators[i]} combines the result so far with {@code terms[i]}; [0] unused */
        Arithmetic(Num[] terms, Type[] operators) {
            this.terms = terms.clone();
            this.operators = operators.clone();
        }

        @Override
        public boolean eval(Eval e) {
            if (!terms[0].eval(e)) {
                return false;
            }
            boolean isDouble = e.isDouble;
            long l = e.l;
            double d = e.d;
            for (int i = 1; i < terms.length; i++) {
                if (!terms[i].eval(e)) {
                    return false;
                }
                Type op = operators[i];
                if (!isDouble && !e.isDouble) {
                    long r = e.l;
                    if (op == Type.DIVIDE) {
                        if (r == 0) {
                            return false;
                        }
                        if (l != Long.MIN_VALUE || r != -1) {
                            l /= r;
                            continue;
                        }
                    } else if (!overflows(op, l, r)) {
                        l = switch (op) {
                            case PLUS -> l + r;
                            case MINUS -> l - r;
                            default -> l * r;
                        };
                        continue;
                    }
                    d = l;
                    isDouble = true;
                }
                double x = isDouble ? d : l;
                double y = e.isDouble ? e.d : e.l;
                if (op == Type.DIVIDE && y == 0) {
                    return false;
                }
                d = switch (op) {
                    case PLUS -> x + y;
                    case MINUS -> x - y;
                    case TIMES -> x * y;
                    default -> x / y;
                };
                isDouble = true;
            }
            return isDouble ? e.setDouble(d) : e.setLong(l);
        }

        private static boolean overflows(Type op, long a, long b) {
            return switch (op) {
                case PLUS -> ((a ^ (a + b)) & (b ^ (a + b))) < 0;
                case MINUS -> ((a ^ b) & (a ^ (a - b))) < 0;
                default -> Math.multiplyHigh(a, b) != ((a * b) >> 63);
            };
        }

        @Override
        public String toString() {
            return "Arithmetic" + Arrays.toString(operators) + Arrays.toString(terms);
        }
    }
}
