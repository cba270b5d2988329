package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// migrations create and evolve one generation's tables. Each is applied
// once, in order, inside one transaction, and recorded with its version in
// the generation's schema_migrations table. "{p}" stands for the
// generation's table prefix ("g1_"). Append new versions; never edit one
// that has shipped.
//
// Conventions shared with the PostgreSQL store:
//   - times are INTEGER Unix nanoseconds in UTC (see codec.go), so nothing
//     is rounded and both stores compare and order them alike;
//   - stream sequences are INTEGER (an int64; larger ones are refused);
//   - lists of strings are JSON arrays in TEXT, matched element by element
//     with json_each;
//   - a subject's state is one JSON document.
var migrations = []string{
	1: `
CREATE TABLE {p}checkpoint (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	seq INTEGER NOT NULL
) STRICT;
INSERT INTO {p}checkpoint (id, seq) VALUES (1, 0);

CREATE TABLE {p}audit (
	seq          INTEGER PRIMARY KEY,
	event_id     TEXT NOT NULL,
	tenant       TEXT NOT NULL,
	subject_ref  TEXT NOT NULL,
	type         TEXT NOT NULL,
	categories   TEXT NOT NULL,
	purposes     TEXT NOT NULL,
	legal_basis  TEXT NOT NULL,
	recipient_id TEXT NOT NULL,
	occurred_at  INTEGER NOT NULL,
	recorded_at  INTEGER NOT NULL,
	source       TEXT NOT NULL,
	actor_kind   TEXT NOT NULL,
	actor_id     TEXT NOT NULL,
	data         BLOB
) STRICT;
CREATE INDEX {p}audit_subject ON {p}audit (tenant, subject_ref, seq);

CREATE TABLE {p}disclosures (
	seq                  INTEGER PRIMARY KEY,
	event_id             TEXT NOT NULL,
	tenant               TEXT NOT NULL,
	subject_ref          TEXT NOT NULL,
	recipient_id         TEXT NOT NULL,
	recipient_name       TEXT NOT NULL,
	recipient_kind       TEXT NOT NULL,
	country              TEXT NOT NULL,
	transfer_mechanism   TEXT NOT NULL,
	categories           TEXT NOT NULL,
	purpose              TEXT NOT NULL,
	legal_basis          TEXT NOT NULL,
	special_condition    TEXT NOT NULL,
	legal_instrument_ref TEXT NOT NULL,
	confidential_until   INTEGER,
	activity_id          TEXT NOT NULL,
	occurred_at          INTEGER NOT NULL,
	recorded_at          INTEGER NOT NULL
) STRICT;
CREATE INDEX {p}disclosures_tenant ON {p}disclosures (tenant, seq);
CREATE INDEX {p}disclosures_subject ON {p}disclosures (tenant, subject_ref, seq);
CREATE INDEX {p}disclosures_recipient ON {p}disclosures (tenant, recipient_id, seq);

CREATE TABLE {p}subjects (
	tenant      TEXT NOT NULL,
	subject_ref TEXT NOT NULL,
	first_seq   INTEGER NOT NULL,
	state       TEXT NOT NULL,
	PRIMARY KEY (tenant, subject_ref)
) STRICT;
CREATE INDEX {p}subjects_first_seq ON {p}subjects (tenant, first_seq);

CREATE TABLE {p}requests (
	tenant          TEXT NOT NULL,
	request_id      TEXT NOT NULL,
	subject_ref     TEXT NOT NULL,
	request_right   TEXT NOT NULL,
	received_at     INTEGER NOT NULL,
	verified_at     INTEGER,
	extended_months INTEGER NOT NULL,
	due_at          INTEGER NOT NULL,
	status          TEXT NOT NULL,
	outcome         TEXT NOT NULL,
	denial_ground   TEXT NOT NULL,
	closed_at       INTEGER,
	received_seq    INTEGER NOT NULL,
	event_ids       TEXT NOT NULL,
	PRIMARY KEY (tenant, request_id)
) STRICT;
CREATE INDEX {p}requests_received ON {p}requests (tenant, received_seq);
CREATE INDEX {p}requests_subject ON {p}requests (tenant, subject_ref, received_seq);
CREATE INDEX {p}requests_status ON {p}requests (tenant, status, received_seq);

CREATE TABLE {p}activities (
	seq         INTEGER PRIMARY KEY,
	event_id    TEXT NOT NULL,
	tenant      TEXT NOT NULL,
	activity_id TEXT NOT NULL,
	amended     INTEGER NOT NULL,
	occurred_at INTEGER NOT NULL,
	recorded_at INTEGER NOT NULL,
	activity    BLOB
) STRICT;
CREATE INDEX {p}activities_tenant ON {p}activities (tenant, seq);

CREATE TABLE {p}observed (
	tenant         TEXT NOT NULL,
	kind           TEXT NOT NULL,
	obs_key        TEXT NOT NULL,
	count          INTEGER NOT NULL,
	first_seq      INTEGER NOT NULL,
	first_event_id TEXT NOT NULL,
	first_occurred INTEGER NOT NULL,
	last_occurred  INTEGER NOT NULL,
	PRIMARY KEY (tenant, kind, obs_key)
) STRICT;

CREATE TABLE {p}findings (
	tenant      TEXT NOT NULL,
	id          TEXT NOT NULL,
	rule        TEXT NOT NULL,
	subject_ref TEXT NOT NULL,
	event_ids   TEXT NOT NULL,
	arose_at    INTEGER NOT NULL,
	seq         INTEGER NOT NULL,
	detail      TEXT NOT NULL,
	PRIMARY KEY (tenant, id)
) STRICT;
CREATE INDEX {p}findings_seq ON {p}findings (tenant, seq, rule, id);
CREATE INDEX {p}findings_subject ON {p}findings (tenant, subject_ref, seq, rule, id);
CREATE INDEX {p}findings_rule ON {p}findings (tenant, rule, seq, id);
`,
	// 2: audit rows by event id (inclusion proofs name events by id). Event
	// ids are UUIDv7, so this index grows at its right edge.
	2: `
CREATE INDEX {p}audit_event ON {p}audit (tenant, event_id);
`,
	// 3: per-partition checkpoints, for projectors sharing the generation
	// (see Store.Partition). Empty while the generation is unpartitioned;
	// the first Partition fills it with all parts at once, and its parts
	// never change after.
	3: `
CREATE TABLE {p}partitions (
	part  INTEGER PRIMARY KEY,
	parts INTEGER NOT NULL,
	seq   INTEGER NOT NULL,
	CHECK (parts > 1 AND part >= 0 AND part < parts)
) STRICT;
`,
	// 4: stored messages the projection quarantined (not valid sealed
	// events): where and why, never their bytes.
	4: `
CREATE TABLE {p}quarantine (
	seq         INTEGER PRIMARY KEY,
	recorded_at INTEGER NOT NULL,
	tenant      TEXT NOT NULL,
	reason      TEXT NOT NULL,
	field       TEXT NOT NULL
) STRICT;
CREATE INDEX {p}quarantine_tenant ON {p}quarantine (tenant, seq);
`,
	// 5: findings with a life cycle: each finding's group key, and the
	// FindingStatusChanged rows (one per event), joined to findings when
	// they are listed. A generation made before has empty groups: rebuild.
	5: `
ALTER TABLE {p}findings ADD COLUMN grp TEXT NOT NULL DEFAULT '';
CREATE TABLE {p}finding_status (
	seq                INTEGER PRIMARY KEY,
	event_id           TEXT NOT NULL,
	tenant             TEXT NOT NULL,
	finding_ids        TEXT NOT NULL,
	grp                TEXT NOT NULL,
	status             TEXT NOT NULL,
	occurred_at        INTEGER NOT NULL,
	recorded_at        INTEGER NOT NULL,
	actor_id           TEXT NOT NULL,
	assignee           TEXT NOT NULL,
	justified          INTEGER NOT NULL,
	resolving_event_id TEXT NOT NULL
) STRICT;
CREATE INDEX {p}finding_status_tenant ON {p}finding_status (tenant, seq);
`,
	// 6: controller profiles (ControllerProfileDeclared), kept like the
	// activities' declarations; an access request answered that no data is
	// held.
	6: `
CREATE TABLE {p}profiles (
	seq         INTEGER PRIMARY KEY,
	event_id    TEXT NOT NULL,
	tenant      TEXT NOT NULL,
	occurred_at INTEGER NOT NULL,
	recorded_at INTEGER NOT NULL,
	profile     BLOB
) STRICT;
CREATE INDEX {p}profiles_tenant ON {p}profiles (tenant, seq);
ALTER TABLE {p}requests ADD COLUMN no_data_held INTEGER NOT NULL DEFAULT 0;
`,
	// 7: the breach register (Art. 33(5)), one row per tenant and breach:
	// model.BreachRow as JSON. A generation migrated to it holds only the
	// breaches projected after: rebuild to fill it from the stream.
	7: `
CREATE TABLE {p}breaches (
	tenant    TEXT NOT NULL,
	breach_id TEXT NOT NULL,
	first_seq INTEGER NOT NULL,
	doc       TEXT NOT NULL,
	PRIMARY KEY (tenant, breach_id)
) STRICT;
CREATE INDEX {p}breaches_first_seq ON {p}breaches (tenant, first_seq);
`,
	// 8: the register's Art. 4(9) inquiry flag, Art. 49(1) derogation and
	// DPF certification. Rows projected before it hold the defaults until
	// the next rebuild.
	8: `
ALTER TABLE {p}disclosures ADD COLUMN particular_inquiry INTEGER NOT NULL DEFAULT 0;
ALTER TABLE {p}disclosures ADD COLUMN art49_derogation TEXT NOT NULL DEFAULT '';
ALTER TABLE {p}disclosures ADD COLUMN dpf_certified INTEGER NOT NULL DEFAULT 0;
`,
}

// generationTable is shared by every generation: which one is current.
const generationTable = `
CREATE TABLE IF NOT EXISTS docket_generation (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	current INTEGER NOT NULL
) STRICT;
INSERT OR IGNORE INTO docket_generation (id, current) VALUES (1, 1);
`

// migrate brings generation gen's tables (prefix p) up to the newest
// version, and creates the shared generation table if it is missing.
func migrate(ctx context.Context, db *sql.DB, p string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, generationTable); err != nil {
		return fmt.Errorf("generation table: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+p+`schema_migrations (
	version    INTEGER PRIMARY KEY,
	applied_at INTEGER NOT NULL
) STRICT`); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	var applied int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM `+p+`schema_migrations`).Scan(&applied); err != nil {
		return fmt.Errorf("applied migrations: %w", err)
	}
	if applied >= len(migrations) {
		return fmt.Errorf("tables %s* are at schema version %d, newer than this build knows (%d)", p, applied, len(migrations)-1)
	}
	for v := applied + 1; v < len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, strings.ReplaceAll(migrations[v], "{p}", p)); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+p+`schema_migrations (version, applied_at) VALUES (?, ?)`,
			v, time.Now().UnixNano()); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
	}
	return tx.Commit()
}
