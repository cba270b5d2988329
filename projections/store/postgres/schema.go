package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are the schema versions of a generation, in order: version i+1
// is migrations[i]. Append only; never edit one that has been released.
// Statements name tables without a schema: they run with the generation's
// schema as search_path.
//
// Conventions shared with the SQLite store (same tables, same columns):
// times are bigint Unix nanoseconds in UTC (see encode.go); stream
// sequences are bigint; string lists are text[]; a subject's state is one
// JSON document in text. Text columns that order results are COLLATE "C":
// byte order, as in SQLite, whatever the database's locale.
var migrations = []string{
	// 1: the read models.
	`
CREATE TABLE checkpoint (
	id  int PRIMARY KEY CHECK (id = 1),
	seq bigint NOT NULL
);
INSERT INTO checkpoint (id, seq) VALUES (1, 0);

CREATE TABLE audit (
	seq         bigint PRIMARY KEY,
	event_id    text   NOT NULL,
	tenant      text   NOT NULL,
	subject_ref text   NOT NULL,
	type        text   NOT NULL,
	categories  text[] NOT NULL,
	purposes    text[] NOT NULL,
	legal_basis text   NOT NULL,
	recipient_id text  NOT NULL,
	occurred_at bigint NOT NULL,
	recorded_at bigint NOT NULL,
	source      text   NOT NULL,
	actor_kind  text   NOT NULL,
	actor_id    text   NOT NULL,
	data        bytea
);
CREATE INDEX audit_by_subject ON audit (tenant, subject_ref, seq);

CREATE TABLE disclosures (
	seq                  bigint PRIMARY KEY,
	event_id             text   NOT NULL,
	tenant               text   NOT NULL,
	subject_ref          text   NOT NULL,
	recipient_id         text   NOT NULL,
	recipient_name       text   NOT NULL,
	recipient_kind       text   NOT NULL,
	country              text   NOT NULL,
	transfer_mechanism   text   NOT NULL,
	categories           text[] NOT NULL,
	purpose              text   NOT NULL,
	legal_basis          text   NOT NULL,
	special_condition    text   NOT NULL,
	legal_instrument_ref text   NOT NULL,
	confidential_until   bigint,
	activity_id          text   NOT NULL,
	occurred_at          bigint NOT NULL,
	recorded_at          bigint NOT NULL
);
CREATE INDEX disclosures_by_tenant ON disclosures (tenant, seq);
CREATE INDEX disclosures_by_subject ON disclosures (tenant, subject_ref, seq);
CREATE INDEX disclosures_by_recipient ON disclosures (tenant, recipient_id, seq);

CREATE TABLE subjects (
	tenant      text   NOT NULL,
	subject_ref text   COLLATE "C" NOT NULL,
	first_seq   bigint NOT NULL,
	state       text   NOT NULL, -- model.SubjectState as JSON
	PRIMARY KEY (tenant, subject_ref)
);
CREATE INDEX subjects_by_first_seq ON subjects (tenant, first_seq);

CREATE TABLE requests (
	tenant          text   NOT NULL,
	request_id      text   COLLATE "C" NOT NULL,
	subject_ref     text   NOT NULL,
	request_right   text   NOT NULL,
	received_at     bigint NOT NULL,
	verified_at     bigint,
	extended_months int    NOT NULL,
	due_at          bigint NOT NULL,
	status          text   NOT NULL,
	outcome         text   NOT NULL,
	denial_ground   text   NOT NULL,
	closed_at       bigint,
	received_seq    bigint NOT NULL,
	event_ids       text[] NOT NULL,
	PRIMARY KEY (tenant, request_id)
);
CREATE INDEX requests_by_seq ON requests (tenant, received_seq);
CREATE INDEX requests_by_subject ON requests (tenant, subject_ref, received_seq);
CREATE INDEX requests_by_status ON requests (tenant, status, received_seq);

CREATE TABLE activities (
	seq         bigint  PRIMARY KEY,
	event_id    text    NOT NULL,
	tenant      text    NOT NULL,
	activity_id text    NOT NULL,
	amended     boolean NOT NULL,
	occurred_at bigint NOT NULL,
	recorded_at bigint NOT NULL,
	activity    bytea
);
CREATE INDEX activities_by_tenant ON activities (tenant, seq);

CREATE TABLE observed (
	tenant         text   NOT NULL,
	kind           text   COLLATE "C" NOT NULL,
	obs_key        text   COLLATE "C" NOT NULL,
	count          bigint NOT NULL,
	first_seq      bigint NOT NULL,
	first_event_id text   NOT NULL,
	first_occurred bigint NOT NULL,
	last_occurred  bigint NOT NULL,
	PRIMARY KEY (tenant, kind, obs_key)
);

CREATE TABLE findings (
	tenant      text   NOT NULL,
	id          text   COLLATE "C" NOT NULL,
	rule        text   COLLATE "C" NOT NULL,
	subject_ref text   NOT NULL,
	event_ids   text[] NOT NULL,
	arose_at    bigint NOT NULL,
	seq         bigint NOT NULL,
	detail      text   NOT NULL,
	PRIMARY KEY (tenant, id)
);
CREATE INDEX findings_by_seq ON findings (tenant, seq, rule, id);
CREATE INDEX findings_by_subject ON findings (tenant, subject_ref, seq, rule, id);
CREATE INDEX findings_by_rule ON findings (tenant, rule, seq, id);
`,
	// 2: audit rows by event id (inclusion proofs name events by id).
	`
CREATE INDEX audit_by_event ON audit (tenant, event_id);
`,
	// 3: per-partition checkpoints, for projectors sharing the generation
	// (see Store.Partition). Empty while the generation is unpartitioned;
	// the first Partition fills it with all parts at once, and its parts
	// never change after.
	`
CREATE TABLE partitions (
	part  int    PRIMARY KEY,
	parts int    NOT NULL,
	seq   bigint NOT NULL,
	CHECK (parts > 1 AND part >= 0 AND part < parts)
);
`,
	// 4: stored messages the projection quarantined (not valid sealed
	// events): where and why, never their bytes.
	`
CREATE TABLE quarantine (
	seq         bigint PRIMARY KEY,
	recorded_at bigint NOT NULL,
	tenant      text   NOT NULL,
	reason      text   COLLATE "C" NOT NULL,
	field       text   NOT NULL
);
CREATE INDEX quarantine_by_tenant ON quarantine (tenant, seq);
`,
	// 5: findings with a life cycle: each finding's group key, and the
	// FindingStatusChanged rows (one per event), joined to findings when
	// they are listed. A generation made before has empty groups: rebuild.
	`
ALTER TABLE findings ADD COLUMN grp text COLLATE "C" NOT NULL DEFAULT '';
CREATE TABLE finding_status (
	seq                bigint  PRIMARY KEY,
	event_id           text    NOT NULL,
	tenant             text    NOT NULL,
	finding_ids        text[]  NOT NULL,
	grp                text    COLLATE "C" NOT NULL,
	status             text    COLLATE "C" NOT NULL,
	occurred_at        bigint  NOT NULL,
	recorded_at        bigint  NOT NULL,
	actor_id           text    NOT NULL,
	assignee           text    NOT NULL,
	justified          boolean NOT NULL,
	resolving_event_id text    NOT NULL
);
CREATE INDEX finding_status_by_tenant ON finding_status (tenant, seq);
`,
	// 6: controller profiles (ControllerProfileDeclared), kept like the
	// activities' declarations; an access request answered that no data is
	// held.
	`
CREATE TABLE profiles (
	seq         bigint PRIMARY KEY,
	event_id    text   NOT NULL,
	tenant      text   NOT NULL,
	occurred_at bigint NOT NULL,
	recorded_at bigint NOT NULL,
	profile     bytea
);
CREATE INDEX profiles_by_tenant ON profiles (tenant, seq);
ALTER TABLE requests ADD COLUMN no_data_held boolean NOT NULL DEFAULT false;
`,
	// 7: the breach register (Art. 33(5)), one row per tenant and breach:
	// model.BreachRow as JSON. A generation migrated to it holds only the
	// breaches projected after: rebuild to fill it from the stream.
	`
CREATE TABLE breaches (
	tenant    text   NOT NULL,
	breach_id text   COLLATE "C" NOT NULL,
	first_seq bigint NOT NULL,
	doc       text   NOT NULL, -- model.BreachRow as JSON
	PRIMARY KEY (tenant, breach_id)
);
CREATE INDEX breaches_by_first_seq ON breaches (tenant, first_seq);
`,
	// 8: the register's Art. 4(9) inquiry flag, Art. 49(1) derogation and
	// DPF certification. Rows projected before it hold the defaults until
	// the next rebuild.
	`
ALTER TABLE disclosures ADD COLUMN particular_inquiry boolean NOT NULL DEFAULT false;
ALTER TABLE disclosures ADD COLUMN art49_derogation text NOT NULL DEFAULT '';
ALTER TABLE disclosures ADD COLUMN dpf_certified boolean NOT NULL DEFAULT false;
`,
}

// ddlLock is the advisory lock every transaction that creates tables holds
// (pg_advisory_xact_lock), so that processes opening the database at once
// take turns rather than fail on each other's CREATE ... IF NOT EXISTS.
// Its key is a constant (the first 8 bytes of SHA-256("docket ddl")), not
// hashtext('docket ddl'), which is PostgreSQL's own function.
const ddlLock = `SELECT pg_advisory_xact_lock(-163821111978255176)`

// lockDDL takes ddlLock in tx, except on CockroachDB: its releases before
// 2026 have no pg_advisory_xact_lock, and its schema changes are
// transactional and SERIALIZABLE, so two processes creating the same
// tables conflict and one is re-run (by InTx) rather than failing.
func lockDDL(ctx context.Context, tx pgx.Tx) error {
	var version string
	if err := tx.QueryRow(ctx, `SELECT version()`).Scan(&version); err != nil {
		return fmt.Errorf("server version: %w", err)
	}
	if IsCockroachDB(version) {
		return nil
	}
	if _, err := tx.Exec(ctx, ddlLock); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	return nil
}

// IsCockroachDB reports whether a version() string is CockroachDB's
// ("CockroachDB CCL v25.2.0 (x86_64-pc-linux-gnu, ...)").
func IsCockroachDB(version string) bool { return strings.HasPrefix(version, "CockroachDB") }

// migrate creates the shared generation table if it is missing, then
// generation gen's schema, and applies the migrations that schema lacks,
// all in one transaction.
func migrate(ctx context.Context, pool *pgxpool.Pool, gen int) error {
	schema := Schema(gen)
	return InTx(ctx, pool, func(tx pgx.Tx) error {
		if err := lockDDL(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, generationTable); err != nil {
			return fmt.Errorf("generation table: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+schema); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS migrations (
			version    int PRIMARY KEY,
			applied_at bigint NOT NULL
		)`); err != nil {
			return fmt.Errorf("migrations table: %w", err)
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM migrations`).Scan(&have); err != nil {
			return fmt.Errorf("schema version: %w", err)
		}
		if have > len(migrations) {
			return fmt.Errorf("schema version %d is newer than this program's %d", have, len(migrations))
		}
		for v := have + 1; v <= len(migrations); v++ {
			if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return fmt.Errorf("migration %d: %w", v, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO migrations (version, applied_at) VALUES ($1, $2)`, v, time.Now().UnixNano()); err != nil {
				return fmt.Errorf("migration %d: %w", v, err)
			}
		}
		return nil
	})
}
