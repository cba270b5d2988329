package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/docketledger/docket/projections/model"
)

// rowsPerStatement bounds a multi-row INSERT. With at most 21 columns a
// statement binds under 2,200 variables, far below SQLite's limit (32,766).
const rowsPerStatement = 100

// table describes the multi-row INSERT of one row type.
type table struct {
	name string // without the generation prefix
	cols []string
	tail string // ON CONFLICT clause, if any
}

var (
	auditTable = table{name: "audit", cols: []string{
		"seq", "event_id", "tenant", "subject_ref", "type", "categories", "purposes", "legal_basis",
		"recipient_id", "occurred_at", "recorded_at", "source", "actor_kind", "actor_id", "data"}}
	disclosureTable = table{name: "disclosures", cols: []string{
		"seq", "event_id", "tenant", "subject_ref", "recipient_id", "recipient_name", "recipient_kind",
		"country", "transfer_mechanism", "categories", "purpose", "legal_basis", "special_condition",
		"legal_instrument_ref", "confidential_until", "activity_id", "occurred_at", "recorded_at",
		"particular_inquiry", "art49_derogation", "dpf_certified"}}
	subjectTable = table{name: "subjects",
		cols: []string{"tenant", "subject_ref", "first_seq", "state"},
		tail: ` ON CONFLICT (tenant, subject_ref) DO UPDATE SET first_seq = excluded.first_seq, state = excluded.state`}
	requestTable = table{name: "requests",
		cols: []string{"tenant", "request_id", "subject_ref", "request_right", "received_at", "verified_at",
			"extended_months", "due_at", "status", "outcome", "denial_ground", "closed_at", "received_seq", "event_ids", "no_data_held"},
		tail: ` ON CONFLICT (tenant, request_id) DO UPDATE SET subject_ref = excluded.subject_ref,
	request_right = excluded.request_right, received_at = excluded.received_at,
	verified_at = excluded.verified_at, extended_months = excluded.extended_months,
	due_at = excluded.due_at, status = excluded.status, outcome = excluded.outcome,
	denial_ground = excluded.denial_ground, closed_at = excluded.closed_at,
	received_seq = excluded.received_seq, event_ids = excluded.event_ids, no_data_held = excluded.no_data_held`}
	breachTable = table{name: "breaches",
		cols: []string{"tenant", "breach_id", "first_seq", "doc"},
		tail: ` ON CONFLICT (tenant, breach_id) DO UPDATE SET first_seq = excluded.first_seq, doc = excluded.doc`}
	activityTable = table{name: "activities", cols: []string{
		"seq", "event_id", "tenant", "activity_id", "amended", "occurred_at", "recorded_at", "activity"}}
	profileTable = table{name: "profiles", cols: []string{
		"seq", "event_id", "tenant", "occurred_at", "recorded_at", "profile"}}
	// Every SET expression reads the row as it was before this update.
	observedTable = table{name: "observed",
		cols: []string{"tenant", "kind", "obs_key", "count", "first_seq", "first_event_id", "first_occurred", "last_occurred"},
		tail: ` ON CONFLICT (tenant, kind, obs_key) DO UPDATE SET
	count = count + excluded.count,
	first_event_id = CASE WHEN excluded.first_seq < first_seq THEN excluded.first_event_id ELSE first_event_id END,
	first_occurred = CASE WHEN excluded.first_seq < first_seq THEN excluded.first_occurred ELSE first_occurred END,
	first_seq = min(first_seq, excluded.first_seq),
	last_occurred = max(last_occurred, excluded.last_occurred)`}
	// A finding already stored under the same id stays, unless this one
	// is of a lower sequence (see model.Batch).
	findingTable = table{name: "findings", cols: []string{
		"tenant", "id", "rule", "subject_ref", "event_ids", "arose_at", "seq", "detail", "grp"},
		tail: ` ON CONFLICT (tenant, id) DO UPDATE SET rule = excluded.rule, subject_ref = excluded.subject_ref,
	event_ids = excluded.event_ids, arose_at = excluded.arose_at, seq = excluded.seq, detail = excluded.detail,
	grp = excluded.grp
	WHERE excluded.seq < seq`}
	quarantineTable    = table{name: "quarantine", cols: []string{"seq", "recorded_at", "tenant", "reason", "field"}}
	findingStatusTable = table{name: "finding_status", cols: []string{"seq", "event_id", "tenant", "finding_ids", "grp",
		"status", "occurred_at", "recorded_at", "actor_id", "assignee", "justified", "resolving_event_id"}}
)

// allTables in the order Apply writes them (that of encoded's fields).
var allTables = []*table{&auditTable, &disclosureTable, &subjectTable, &requestTable, &breachTable, &activityTable, &profileTable, &observedTable, &findingTable, &quarantineTable, &findingStatusTable}

// insertSQL is the INSERT of n rows into t for table prefix p.
func (t *table) insertSQL(p string, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(p + t.name)
	b.WriteString(" (")
	b.WriteString(strings.Join(t.cols, ", "))
	b.WriteString(") VALUES ")
	tuple := "(?" + strings.Repeat(", ?", len(t.cols)-1) + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	b.WriteString(t.tail)
	return b.String()
}

// encoded is a batch turned into SQL arguments, one flat slice per table.
type encoded struct {
	audit, disclosures, subjects, requests, breaches, activities, profiles, observed, findings, quarantine, findingStatus []any
	// confidentiality holds the arguments of one UPDATE per change.
	confidentiality [][]any
}

func encodeBatch(b *model.Batch) (*encoded, error) {
	var e encoder
	x := &encoded{}
	x.audit = make([]any, 0, len(b.Audit)*len(auditTable.cols))
	for i := range b.Audit {
		r := &b.Audit[i]
		x.audit = append(x.audit, e.seq("audit seq", r.Seq), r.EventID, r.Tenant, r.SubjectRef, r.Type,
			e.strings(r.Categories), e.strings(r.Purposes),
			r.LegalBasis, r.Recipient, e.time("audit occurred_at", r.OccurredAt),
			e.time("audit recorded_at", r.RecordedAt), r.Source, r.ActorKind, r.ActorID, bytesArg(r.Data))
	}
	x.disclosures = make([]any, 0, len(b.Disclosures)*len(disclosureTable.cols))
	for i := range b.Disclosures {
		r := &b.Disclosures[i]
		x.disclosures = append(x.disclosures, e.seq("disclosure seq", r.Seq), r.EventID, r.Tenant, r.SubjectRef,
			r.RecipientID, r.RecipientName, r.RecipientKind, r.Country, r.TransferMechanism,
			e.strings(r.Categories), r.Purpose, r.LegalBasis, r.SpecialCondition,
			r.LegalInstrumentRef, e.timePtr("disclosure confidential_until", r.ConfidentialUntil), r.ActivityID,
			e.time("disclosure occurred_at", r.OccurredAt), e.time("disclosure recorded_at", r.RecordedAt),
			boolArg(r.ParticularInquiry), r.Art49Derogation, boolArg(r.DPFCertified))
	}
	for _, c := range b.Confidentiality {
		x.confidentiality = append(x.confidentiality, []any{
			e.timePtr("disclosure confidential_until", c.Until), c.Tenant, c.SubjectRef, c.EventID})
	}
	x.subjects = make([]any, 0, len(b.Subjects)*len(subjectTable.cols))
	for i, s := range b.Subjects {
		if s == nil {
			return nil, errors.New("nil subject state")
		}
		doc, err := b.SubjectDoc(i)
		if err != nil {
			return nil, err
		}
		x.subjects = append(x.subjects, s.Tenant, s.SubjectRef, e.seq("subject first_seq", s.FirstSeq), doc)
	}
	x.requests = make([]any, 0, len(b.Requests)*len(requestTable.cols))
	for _, r := range b.Requests {
		if r == nil {
			return nil, errors.New("nil request row")
		}
		x.requests = append(x.requests, r.Tenant, r.RequestID, r.SubjectRef, r.Right,
			e.time("request received_at", r.ReceivedAt), e.timePtr("request verified_at", r.VerifiedAt),
			int64(r.ExtendedMonths), e.time("request due_at", r.DueAt), r.Status, r.Outcome, r.DenialGround,
			e.timePtr("request closed_at", r.ClosedAt), e.seq("request received_seq", r.ReceivedSeq),
			e.strings(r.EventIDs), boolArg(r.NoDataHeld))
	}
	x.breaches = make([]any, 0, len(b.Breaches)*len(breachTable.cols))
	for _, r := range b.Breaches {
		if r == nil {
			return nil, errors.New("nil breach row")
		}
		doc, err := r.Doc()
		if err != nil {
			return nil, fmt.Errorf("breach row: %w", err)
		}
		x.breaches = append(x.breaches, r.Tenant, r.BreachID, e.seq("breach first_seq", r.FirstSeq), doc)
	}
	x.activities = make([]any, 0, len(b.Activities)*len(activityTable.cols))
	for i := range b.Activities {
		r := &b.Activities[i]
		x.activities = append(x.activities, e.seq("activity seq", r.Seq), r.EventID, r.Tenant, r.ActivityID,
			boolArg(r.Amended), e.time("activity occurred_at", r.OccurredAt),
			e.time("activity recorded_at", r.RecordedAt), bytesArg(r.Activity))
	}
	x.profiles = make([]any, 0, len(b.Profiles)*len(profileTable.cols))
	for i := range b.Profiles {
		r := &b.Profiles[i]
		x.profiles = append(x.profiles, e.seq("profile seq", r.Seq), r.EventID, r.Tenant,
			e.time("profile occurred_at", r.OccurredAt), e.time("profile recorded_at", r.RecordedAt), bytesArg(r.Profile))
	}
	x.observed = make([]any, 0, len(b.Observed)*len(observedTable.cols))
	for i := range b.Observed {
		r := &b.Observed[i]
		x.observed = append(x.observed, r.Tenant, r.Kind, r.Key, e.seq("observed count", r.Count),
			e.seq("observed first_seq", r.FirstSeq), r.FirstEventID,
			e.time("observed first_occurred", r.FirstOccurred), e.time("observed last_occurred", r.LastOccurred))
	}
	fs := model.FirstFindings(b.Findings)
	x.findings = make([]any, 0, len(fs)*len(findingTable.cols))
	for i := range fs {
		r := &fs[i]
		x.findings = append(x.findings, r.Tenant, r.ID, r.Rule, r.SubjectRef,
			e.strings(r.EventIDs), e.time("finding arose_at", r.AroseAt),
			e.seq("finding seq", r.Seq), r.Detail, r.Group)
	}
	x.quarantine = make([]any, 0, len(b.Quarantined)*len(quarantineTable.cols))
	for i := range b.Quarantined {
		r := &b.Quarantined[i]
		x.quarantine = append(x.quarantine, e.seq("quarantine seq", r.Seq),
			e.time("quarantine recorded_at", r.RecordedAt), r.Tenant, r.Reason, r.Field)
	}
	x.findingStatus = make([]any, 0, len(b.FindingStatus)*len(findingStatusTable.cols))
	for i := range b.FindingStatus {
		r := &b.FindingStatus[i]
		x.findingStatus = append(x.findingStatus, e.seq("finding status seq", r.Seq), r.EventID, r.Tenant,
			e.strings(r.FindingIDs), r.Group, r.Status, e.time("finding status occurred_at", r.At),
			e.time("finding status recorded_at", r.RecordedAt), r.ActorID, r.Assignee, boolArg(r.Justified), r.ResolvingEventID)
	}
	return x, e.err
}

// Apply writes b and moves the checkpoint from b.From to b.To in one
// transaction. The checkpoint is moved first, so a batch that does not
// start at the stored checkpoint fails (ErrCheckpointMoved) before writing
// anything. Subjects, requests and breaches replace the rows of the same key (within
// b, the last one wins); observed rows merge; of findings with the same
// id, the one of lowest sequence stays; everything else is inserted, and a
// second row with the same key (audit, disclosure, activity or quarantine
// or finding status sequence) fails the whole batch. Once the generation is
// partitioned, Apply refuses every batch (model.ErrPartitions): write
// through the partitions' views (see Partition).
func (s *Store) Apply(ctx context.Context, b *model.Batch) error {
	return s.apply(ctx, b, nil)
}

// apply is Apply of the store (p nil) or of partition p's view: the
// same writes, but the compare-and-swap is on p's own checkpoint.
func (s *Store) apply(ctx context.Context, b *model.Batch, p *partition) error {
	if b == nil {
		return errors.New("sqlite store: apply: nil batch")
	}
	if b.To < b.From {
		return fmt.Errorf("sqlite store: apply: batch ends at %d, before it starts (%d)", b.To, b.From)
	}
	var e encoder
	from, to := e.seq("batch from", b.From), e.seq("batch to", b.To)
	if e.err != nil {
		return fmt.Errorf("sqlite store: apply: %w", e.err)
	}
	x, err := encodeBatch(b)
	if err != nil {
		return fmt.Errorf("sqlite store: apply %d..%d: %w", b.From, b.To, err)
	}

	tx, err := s.w.BeginTx(ctx, nil) // BEGIN IMMEDIATE (see the DSN)
	if err != nil {
		return fmt.Errorf("sqlite store: apply: begin: %w", err)
	}
	defer tx.Rollback()
	if p == nil {
		err = s.moveCheckpoint(ctx, tx, b, from, to)
	} else {
		err = s.movePartition(ctx, tx, b, p, from, to)
	}
	if err != nil {
		return err
	}
	for i, args := range [][]any{x.audit, x.disclosures, x.subjects, x.requests, x.breaches, x.activities, x.profiles, x.observed, x.findings, x.quarantine, x.findingStatus} {
		if err := s.insert(ctx, tx, allTables[i], args); err != nil {
			return fmt.Errorf("sqlite store: apply %d..%d: %s: %w", b.From, b.To, allTables[i].name, err)
		}
	}
	// After the inserts: a change may name a disclosure of this batch; in
	// order, so the last change of a disclosure wins.
	for _, args := range x.confidentiality {
		if _, err := tx.ExecContext(ctx, `UPDATE `+s.t("disclosures")+` SET confidential_until = ?
	WHERE tenant = ? AND subject_ref = ? AND event_id = ?`, args...); err != nil {
			return fmt.Errorf("sqlite store: apply %d..%d: disclosure confidentiality: %w", b.From, b.To, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite store: apply %d..%d: commit: %w", b.From, b.To, err)
	}
	s.committed()
	return nil
}

// moveCheckpoint is the compare-and-swap of the store's own checkpoint,
// from b.From (from) to b.To (to); it fails, moving nothing, if the
// checkpoint is elsewhere or the generation is partitioned.
func (s *Store) moveCheckpoint(ctx context.Context, tx *sql.Tx, b *model.Batch, from, to int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE `+s.t("checkpoint")+` SET seq = ? WHERE id = 1 AND seq = ?
	AND NOT EXISTS (SELECT 1 FROM `+s.t("partitions")+`)`, to, from)
	if err != nil {
		return fmt.Errorf("sqlite store: apply: checkpoint: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite store: apply: checkpoint: %w", err)
	} else if n == 1 {
		return nil
	}
	var cur, parts int64
	if err := tx.QueryRowContext(ctx, `SELECT seq, (SELECT count(*) FROM `+s.t("partitions")+`) FROM `+
		s.t("checkpoint")+` WHERE id = 1`).Scan(&cur, &parts); err != nil {
		return fmt.Errorf("sqlite store: apply: checkpoint: %w", err)
	}
	if parts > 0 {
		return fmt.Errorf("sqlite store: apply %d..%d: %w (generation %d is split into %d partitions: apply through Partition)",
			b.From, b.To, model.ErrPartitions, s.gen, parts)
	}
	return fmt.Errorf("sqlite store: apply %d..%d: %w (it is %d)", b.From, b.To, model.ErrCheckpointMoved, cur)
}

// movePartition is the compare-and-swap of partition p's checkpoint.
func (s *Store) movePartition(ctx context.Context, tx *sql.Tx, b *model.Batch, p *partition, from, to int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE `+s.t("partitions")+` SET seq = ? WHERE part = ? AND parts = ? AND seq = ?`,
		to, p.part, p.parts, from)
	if err != nil {
		return fmt.Errorf("sqlite store: partition %d of %d: apply: checkpoint: %w", p.part, p.parts, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite store: partition %d of %d: apply: checkpoint: %w", p.part, p.parts, err)
	} else if n == 1 {
		return nil
	}
	var cur, parts int64
	switch err := tx.QueryRowContext(ctx, `SELECT seq, parts FROM `+s.t("partitions")+` WHERE part = ?`, p.part).Scan(&cur, &parts); {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlite store: partition %d of %d: apply %d..%d: %w (generation %d has no partition %d)",
			p.part, p.parts, b.From, b.To, model.ErrPartitions, s.gen, p.part)
	case err != nil:
		return fmt.Errorf("sqlite store: partition %d of %d: apply: checkpoint: %w", p.part, p.parts, err)
	case parts != int64(p.parts):
		return fmt.Errorf("sqlite store: partition %d of %d: apply %d..%d: %w (generation %d is split into %d)",
			p.part, p.parts, b.From, b.To, model.ErrPartitions, s.gen, parts)
	}
	return fmt.Errorf("sqlite store: partition %d of %d: apply %d..%d: %w (it is %d)",
		p.part, p.parts, b.From, b.To, model.ErrCheckpointMoved, cur)
}

// insert runs t's multi-row INSERT over args (a whole number of rows):
// full statements of rowsPerStatement rows through the statement prepared
// by prepareInserts, the remainder through a one-off statement.
func (s *Store) insert(ctx context.Context, tx *sql.Tx, t *table, args []any) error {
	ncol := len(t.cols)
	rows := len(args) / ncol
	for start := 0; start < rows; start += rowsPerStatement {
		n := min(rowsPerStatement, rows-start)
		chunk := args[start*ncol : (start+n)*ncol]
		if n < rowsPerStatement {
			if _, err := tx.ExecContext(ctx, t.insertSQL(s.prefix, n), chunk...); err != nil {
				return err
			}
			continue
		}
		if _, err := tx.StmtContext(ctx, s.inserts[t]).ExecContext(ctx, chunk...); err != nil {
			return err
		}
	}
	return nil
}

// prepareInserts prepares each table's full-size INSERT on the writer
// connection, before any transaction holds it. Since that pool has one
// connection, tx.StmtContext reuses these statements in every Apply rather
// than preparing them again.
func (s *Store) prepareInserts(ctx context.Context) error {
	s.inserts = map[*table]*sql.Stmt{}
	for _, t := range allTables {
		st, err := s.w.PrepareContext(ctx, t.insertSQL(s.prefix, rowsPerStatement))
		if err != nil {
			return fmt.Errorf("prepare %s insert: %w", t.name, err)
		}
		s.inserts[t] = st
	}
	return nil
}
