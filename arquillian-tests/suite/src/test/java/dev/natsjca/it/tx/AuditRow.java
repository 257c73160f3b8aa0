package dev.natsjca.it.tx;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;

/** A row written in the same transaction as the NATS publishes. {@code code} is unique in the database. */
@Entity
public class AuditRow {

    @Id
    private String id;

    @Column(nullable = false)
    private String run;

    @Column(nullable = false, unique = true)
    private String code;

    protected AuditRow() {
    }

    public AuditRow(String id, String run, String code) {
        this.id = id;
        this.run = run;
        this.code = code;
    }
}
