package dev.natsjca.inbound.selector;

/** An operand whose value is a string: a string literal, a header, or the subject or one of its tokens. */
sealed interface Text permits Text.Literal, Text.Header, Text.Subject, Text.SubjectToken, Text.AnyValue {

    /** @return the value, {@code null} for NULL */
    String text(Eval e);

    /** A string literal. */
    record Literal(String value) implements Text {
        @Override
        public String text(Eval e) {
            return value;
        }
    }

    /** A header's first value. */
    record Header(String name) implements Text {
        @Override
        public String text(Eval e) {
            return e.header(name);
        }
    }

    /** {@code $subject}: the whole subject. */
    record Subject() implements Text {
        static final Subject INSTANCE = new Subject();

        @Override
        public String text(Eval e) {
            return e.subject();
        }
    }

    /** {@code $subject[n]}: one token of the subject, found only when the selector asks for it. */
    record SubjectToken(int index) implements Text {
        @Override
        public String text(Eval e) {
            return e.token(index);
        }
    }

    /** The value of an {@code ANY(...)} header that the enclosing {@link Condition.AnyOf} is testing. */
    record AnyValue() implements Text {
        static final AnyValue INSTANCE = new AnyValue();

        @Override
        public String text(Eval e) {
            return e.current;
        }
    }
}
