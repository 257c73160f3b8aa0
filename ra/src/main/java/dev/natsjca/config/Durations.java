package dev.natsjca.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;

import jakarta.resource.spi.InvalidPropertyException;

/** Parses duration properties: plain milliseconds ({@code 5000}) or ISO-8601 ({@code PT5S}). */
public final class Durations {

    private Durations() {
    }

    /**
     * @throws InvalidPropertyException naming the property and value when it is not a positive duration
     */
    public static Duration parsePositive(String property, String value) throws InvalidPropertyException {
        String v = value == null ? "" : value.trim();
        Duration d;
        try {
            d = v.startsWith("P") || v.startsWith("p") ? Duration.parse(v) : Duration.ofMillis(Long.parseLong(v));
        } catch (NumberFormatException | DateTimeParseException e) {
            throw PropertyResolver.invalid(property, value,
                    "not a duration (give milliseconds, e.g. 5000, or ISO-8601, e.g. PT5S)");
        }
        if (d.isNegative() || d.isZero()) {
            throw PropertyResolver.invalid(property, value, "must be greater than zero");
        }
        return d;
    }
}
