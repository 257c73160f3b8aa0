/**
 * Message selectors: a condition, in JMS 2.0 message-selector syntax (JMS §3.8.1), on a NATS
 * message's headers and subject, so that an endpoint receives only the messages it selects.
 * {@link dev.natsjca.inbound.selector.Selector#parse} parses one, reporting a bad selector as a
 * {@link dev.natsjca.inbound.selector.SelectorSyntaxException} with its position;
 * {@link dev.natsjca.inbound.selector.Selector#matches} evaluates it for a message.
 *
 * <h2>Grammar</h2>
 *
 * <pre>{@code
 * selector    = condition                                   (nothing may follow)
 * condition   = term { OR term }
 * term        = factor { AND factor }
 * factor      = NOT factor | predicate
 * predicate   = value [ comparison-op value
 *                     | [ NOT ] BETWEEN value AND value
 *                     | [ NOT ] IN ( string { , string } )
 *                     | [ NOT ] LIKE string [ ESCAPE string ]
 *                     | IS [ NOT ] NULL ]
 *             | ANY ( header ) ( comparison-op value
 *                     | [ NOT ] BETWEEN value AND value
 *                     | [ NOT ] IN ( string { , string } )
 *                     | [ NOT ] LIKE string [ ESCAPE string ]
 *                     | IS [ NOT ] NULL )
 * value       = product { ( + | - ) product }
 * product     = unary { ( * | / ) unary }
 * unary       = ( + | - ) unary | primary
 * primary     = ( condition ) | ( value )
 *             | string | number | TRUE | FALSE
 *             | header | $subject [ "[" digits "]" ]
 * header      = identifier | quoted-identifier
 * comparison-op = "=" | "<>" | "<" | "<=" | ">" | ">="
 * }</pre>
 *
 * <p>A predicate with no operator must be {@code TRUE}, {@code FALSE} or a parenthesised
 * condition: a selector that is just a value ({@code price}, {@code 1 + 2}) is rejected.
 *
 * <h3>Literals</h3>
 * <ul>
 * <li><b>String</b>: in single quotes, {@code ''} for a quote: {@code 'it''s'}. Any Unicode text:
 *     {@code 'Zürich'}, {@code '東京'}.</li>
 * <li><b>Exact number</b>: digits, e.g. {@code 57}; with a sign {@code -957}, {@code +62}. It must
 *     fit a long ({@code -9223372036854775808} to {@code 9223372036854775807}).</li>
 * <li><b>Approximate number</b>: with a decimal point or an exponent, a double: {@code 7E3},
 *     {@code -57.9E2}, {@code 7.}, {@code .5}, {@code 0.5}, {@code 1e-3}.</li>
 * <li><b>Boolean</b>: {@code TRUE}, {@code FALSE}.</li>
 * </ul>
 *
 * <h3>Identifiers: headers and the subject</h3>
 * <ul>
 * <li>A <b>bare identifier</b> starts with a Java letter, {@code _} or {@code $}, and continues with
 *     Java letters and digits, {@code _}, {@code $} and {@code .}: {@code priority},
 *     {@code tm.event}, {@code tx.height}. Identifiers are case-sensitive.</li>
 * <li>A <b>quoted identifier</b> names any header, in double quotes, {@code ""} for a double
 *     quote: {@code "Content-Type"}, {@code "Nats-Msg-Id"}, {@code "AND"}.</li>
 * <li>The <b>keywords</b> {@code NOT AND OR BETWEEN LIKE IN IS NULL ESCAPE TRUE FALSE ANY} are
 *     case-insensitive and reserved: a header of such a name is written quoted.</li>
 * <li>An identifier's value is the header's <b>first</b> value. The name matches exactly; when no
 *     header has exactly that name, the first header (in jnats's iteration order) whose name equals
 *     it ignoring case. An absent header is NULL.</li>
 * <li>{@code $subject} (reserved, case-insensitive) is the message's subject; {@code $subject[n]}
 *     its {@code n}th token, counted from 1: for {@code orders.eu.placed}, {@code $subject[2]} is
 *     {@code 'eu'}, {@code $subject[4]} is NULL. {@code n} must be a number of 1 or more.
 *     {@code "$subject"} quoted names a header.</li>
 * <li>{@code ANY(header)}, only as the left operand of a predicate, tests each of a multi-valued
 *     header's values: the predicate is TRUE when it is TRUE for at least one value
 *     ({@code ANY(tags) = 'urgent'}, {@code ANY("X-Region") IN ('eu', 'us')},
 *     {@code ANY(tags) NOT LIKE 'x-%'}: some value does not start with {@code x-}). An absent header
 *     has no values: {@code ANY(h) IS NULL} is then TRUE, {@code IS NOT NULL} FALSE, any other
 *     predicate UNKNOWN.</li>
 * </ul>
 *
 * <h3>Operators, by precedence, lowest first</h3>
 * <table>
 * <caption>Operators</caption>
 * <tr><th>Operator</th><th>Meaning</th></tr>
 * <tr><td>{@code OR}</td><td>logical or</td></tr>
 * <tr><td>{@code AND}</td><td>logical and</td></tr>
 * <tr><td>{@code NOT}</td><td>logical negation</td></tr>
 * <tr><td>{@code =  <>  <  <=  >  >=}</td><td>comparison; strings and booleans only {@code =}
 *     and {@code <>}</td></tr>
 * <tr><td>{@code [NOT] BETWEEN a AND b}</td><td>{@code a <= v AND v <= b}, numeric</td></tr>
 * <tr><td>{@code [NOT] IN ('a', 'b', ...)}</td><td>equal to one of the string literals (one at
 *     least)</td></tr>
 * <tr><td>{@code [NOT] LIKE 'pattern' [ESCAPE 'c']}</td><td>the whole value matches: {@code %}
 *     any sequence, {@code _} one character; the escape character (one character) makes the
 *     {@code %}, {@code _} or escape character after it literal</td></tr>
 * <tr><td>{@code IS [NOT] NULL}</td><td>absent (or present)</td></tr>
 * <tr><td>{@code +  -} (binary)</td><td>addition, subtraction</td></tr>
 * <tr><td>{@code *  /}</td><td>multiplication, division</td></tr>
 * <tr><td>{@code +  -} (unary)</td><td>sign</td></tr>
 * </table>
 * <p>Parentheses group. The left operand of {@code IN}, {@code LIKE} and {@code IS NULL} is an
 * identifier, {@code $subject}, {@code $subject[n]} or {@code ANY(...)}.
 *
 * <h3>Types</h3>
 * <ul>
 * <li>Header values and subject tokens are strings. Compared with a string literal or another
 *     identifier by {@code =} or {@code <>} they compare as strings, case-sensitively.</li>
 * <li>Compared with a number or an arithmetic expression, or ordered ({@code < <= > >=},
 *     {@code BETWEEN}, arithmetic), an identifier is converted to a number: a long when written as
 *     an exact number, otherwise a double (an integer too large for a long too). The value must be
 *     a numeric literal as above, with no spaces; anything else is NULL, so the comparison is
 *     UNKNOWN. Long arithmetic follows Java's ({@code 7 / 2} is 3), except that a long overflow
 *     continues in double; division by zero is NULL.</li>
 * <li>Compared with {@code TRUE} or {@code FALSE}, a value is a boolean when it is {@code true} or
 *     {@code false} ignoring case, otherwise NULL.</li>
 * <li>A string literal may not be ordered, be an operand of {@code BETWEEN} or arithmetic, or be
 *     compared with a number or boolean; such a selector is rejected when parsed, as is any other
 *     operator applied to an operand it cannot take.</li>
 * </ul>
 *
 * <h3>NULL and three-valued logic</h3>
 * <p>As in JMS and SQL, a predicate with a NULL operand is UNKNOWN; {@code NOT UNKNOWN} is
 * UNKNOWN; {@code FALSE AND UNKNOWN} is FALSE; {@code TRUE OR UNKNOWN} is TRUE. A message matches
 * only when the selector is TRUE: with {@code tx.height} absent, neither {@code tx.height > 5}
 * nor {@code NOT tx.height > 5} matches. Only {@code IS [NOT] NULL} tests for absence.
 *
 * <h3>Limits</h3>
 * <p>A selector is at most 4096 characters and nests (parentheses, {@code NOT}, signs) at most
 * 100 levels deep. A blank selector is a syntax error: "no selector" is for the caller to handle.
 *
 * <h3>Example</h3>
 * <pre>{@code
 * tm.event = 'Tx' AND tx.height > 5
 * "Content-Type" LIKE 'application/%' AND $subject[2] IN ('eu', 'us')
 * ANY(tags) = 'urgent' OR (priority BETWEEN 7 AND 9 AND NOT retry = TRUE)
 * }</pre>
 */
package dev.natsjca.inbound.selector;
