package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/docketledger/docket/projections/model"
	"github.com/jackc/pgx/v5"
)

// Checkpoint is the last stream sequence applied; 0 when none. Once the
// generation is partitioned (see Partition), it is the smallest of the
// partitions' checkpoints: the sequence up to which every partition has
// applied its events.
func (s *Store) Checkpoint(ctx context.Context) (uint64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce((SELECT min(seq) FROM partitions), seq) FROM checkpoint WHERE id = 1`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("postgres store: checkpoint: %w", err)
	}
	return uint64(seq), nil
}

// Subjects returns the stored state of those keys that have one.
func (s *Store) Subjects(ctx context.Context, keys []model.SubjectKey) (map[model.SubjectKey]*model.SubjectState, error) {
	out := make(map[model.SubjectKey]*model.SubjectState, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	tenants, refs := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		tenants[i], refs[i] = k.Tenant, k.SubjectRef
	}
	rows, err := s.pool.Query(ctx, `SELECT s.state FROM subjects s
JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])) AS k(tenant, subject_ref)
	ON s.tenant = k.tenant AND s.subject_ref = k.subject_ref`, tenants, refs)
	if err != nil {
		return nil, fmt.Errorf("postgres store: subjects: %w", err)
	}
	states, err := collectStates(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: subjects: %w", err)
	}
	for _, st := range states {
		out[model.SubjectKey{Tenant: st.Tenant, SubjectRef: st.SubjectRef}] = st
	}
	return out, nil
}

// Requests returns the stored rows of those requests that exist.
func (s *Store) Requests(ctx context.Context, tenant string, ids []string) (map[string]*model.RequestRow, error) {
	out := make(map[string]*model.RequestRow, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+requestCols+` FROM requests WHERE tenant = $1 AND request_id = ANY($2::text[])`, tenant, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres store: requests: %w", err)
	}
	list, err := pgx.CollectRows(rows, scanRequest)
	if err != nil {
		return nil, fmt.Errorf("postgres store: requests: %w", err)
	}
	for i := range list {
		out[list[i].RequestID] = &list[i]
	}
	return out, nil
}

// Breaches returns the stored rows of those breaches that exist.
func (s *Store) Breaches(ctx context.Context, tenant string, ids []string) (map[string]*model.BreachRow, error) {
	out := make(map[string]*model.BreachRow, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT doc FROM breaches WHERE tenant = $1 AND breach_id = ANY($2::text[])`, tenant, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres store: breaches: %w", err)
	}
	list, err := collectBreaches(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: breaches: %w", err)
	}
	for i := range list {
		out[list[i].BreachID] = &list[i]
	}
	return out, nil
}

// ListBreaches lists a tenant's breaches ordered by FirstSeq, paging on it.
func (s *Store) ListBreaches(ctx context.Context, tenant string, p model.Page) ([]model.BreachRow, error) {
	var w where
	w.add("tenant = $?", tenant)
	w.after("first_seq", p)
	rows, err := s.pool.Query(ctx, `SELECT doc FROM breaches WHERE `+w.sql()+
		` ORDER BY first_seq, breach_id LIMIT `+w.arg(limit(p)), w.args...)
	if err != nil {
		return nil, fmt.Errorf("postgres store: list breaches: %w", err)
	}
	out, err := collectBreaches(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: list breaches: %w", err)
	}
	return out, nil
}

func collectBreaches(rows pgx.Rows) ([]model.BreachRow, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.BreachRow, error) {
		var doc string
		if err := r.Scan(&doc); err != nil {
			return model.BreachRow{}, err
		}
		b, err := model.ParseBreachDoc(doc)
		if err != nil {
			return model.BreachRow{}, fmt.Errorf("breach document: %w", err)
		}
		return *b, nil
	})
}

// AllActivities returns every declaration of every tenant, in stream order.
func (s *Store) AllActivities(ctx context.Context) ([]model.ActivityRow, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+activityCols+` FROM activities ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("postgres store: activities: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanActivity)
	if err != nil {
		return nil, fmt.Errorf("postgres store: activities: %w", err)
	}
	return out, nil
}

// AllProfiles returns every controller profile declaration of every
// tenant, in stream order.
func (s *Store) AllProfiles(ctx context.Context) ([]model.ProfileRow, error) {
	return s.profiles(ctx, "")
}

// Profiles lists a tenant's controller profile declarations in stream
// order.
func (s *Store) Profiles(ctx context.Context, tenant string) ([]model.ProfileRow, error) {
	return s.profiles(ctx, ` WHERE tenant = $1`, tenant)
}

func (s *Store) profiles(ctx context.Context, where string, args ...any) ([]model.ProfileRow, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+profileCols+` FROM profiles`+where+` ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres store: profiles: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanProfile)
	if err != nil {
		return nil, fmt.Errorf("postgres store: profiles: %w", err)
	}
	return out, nil
}

const profileCols = `seq, event_id, tenant, occurred_at, recorded_at, profile`

func scanProfile(r pgx.CollectableRow) (model.ProfileRow, error) {
	var (
		p                       model.ProfileRow
		seq, occurred, recorded int64
	)
	err := r.Scan(&seq, &p.EventID, &p.Tenant, &occurred, &recorded, &p.Profile)
	p.Seq, p.OccurredAt, p.RecordedAt, p.Profile = uint64(seq), fromNanos(occurred), fromNanos(recorded), bytesOrNil(p.Profile)
	return p, err
}

// Subject returns one subject's state; model.ErrNotFound if it has none.
func (s *Store) Subject(ctx context.Context, tenant, subjectRef string) (*model.SubjectState, error) {
	var doc string
	err := s.pool.QueryRow(ctx, `SELECT state FROM subjects WHERE tenant = $1 AND subject_ref = $2`, tenant, subjectRef).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres store: subject: %w", model.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres store: subject: %w", err)
	}
	st := &model.SubjectState{}
	if err := json.Unmarshal([]byte(doc), st); err != nil {
		return nil, fmt.Errorf("postgres store: subject: stored state: %w", err)
	}
	return st, nil
}

// History is a subject's audit trail in stream order.
func (s *Store) History(ctx context.Context, tenant, subjectRef string, p model.Page) ([]model.AuditRow, error) {
	var w where
	w.add("tenant = $?", tenant)
	w.add("subject_ref = $?", subjectRef)
	w.after("seq", p)
	rows, err := s.pool.Query(ctx, `SELECT `+auditCols+` FROM audit WHERE `+w.sql()+
		` ORDER BY seq LIMIT `+w.arg(limit(p)), w.args...)
	if err != nil {
		return nil, fmt.Errorf("postgres store: history: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanAudit)
	if err != nil {
		return nil, fmt.Errorf("postgres store: history: %w", err)
	}
	return out, nil
}

// Event is the audit row of one event of tenant.
func (s *Store) Event(ctx context.Context, tenant, eventID string) (model.AuditRow, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+auditCols+` FROM audit WHERE tenant = $1 AND event_id = $2 ORDER BY seq LIMIT 1`,
		tenant, eventID)
	if err != nil {
		return model.AuditRow{}, fmt.Errorf("postgres store: event: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanAudit)
	if err != nil {
		return model.AuditRow{}, fmt.Errorf("postgres store: event: %w", err)
	}
	if len(out) == 0 {
		return model.AuditRow{}, fmt.Errorf("postgres store: event: %w", model.ErrNotFound)
	}
	return out[0], nil
}

// Disclosures lists the disclosures f selects, in stream order.
func (s *Store) Disclosures(ctx context.Context, f model.DisclosureFilter, p model.Page) ([]model.DisclosureRow, error) {
	var w where
	w.add("tenant = $?", f.Tenant)
	w.eq("subject_ref", f.SubjectRef)
	w.eq("recipient_id", f.RecipientID)
	w.eq("recipient_kind", f.RecipientKind)
	if f.Category != "" {
		w.add("$? = ANY(categories)", f.Category)
	}
	w.eq("purpose", f.Purpose)
	w.eq("legal_basis", f.LegalBasis)
	var col string
	switch f.Time.Axis {
	case model.Occurred:
		col = "occurred_at"
	case model.Recorded:
		col = "recorded_at"
	default:
		return nil, fmt.Errorf("postgres store: disclosures: unknown time axis %d", f.Time.Axis)
	}
	var e encoder
	if !f.Time.From.IsZero() {
		w.add(col+" >= $?", e.time("time from", f.Time.From))
	}
	if !f.Time.To.IsZero() {
		w.add(col+" <= $?", e.time("time to", f.Time.To))
	}
	if e.err != nil {
		return nil, fmt.Errorf("postgres store: disclosures: %w", e.err)
	}
	w.after("seq", p)
	rows, err := s.pool.Query(ctx, `SELECT `+disclosureCols+` FROM disclosures WHERE `+w.sql()+
		` ORDER BY seq LIMIT `+w.arg(limit(p)), w.args...)
	if err != nil {
		return nil, fmt.Errorf("postgres store: disclosures: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanDisclosure)
	if err != nil {
		return nil, fmt.Errorf("postgres store: disclosures: %w", err)
	}
	return out, nil
}

// ListRequests lists the requests f selects in the order they were
// received; Page.After is a received sequence.
func (s *Store) ListRequests(ctx context.Context, f model.RequestFilter, p model.Page) ([]model.RequestRow, error) {
	var w where
	w.add("tenant = $?", f.Tenant)
	w.eq("subject_ref", f.SubjectRef)
	w.eq("status", f.Status)
	if !f.DueBefore.IsZero() {
		var e encoder
		due := e.time("due before", f.DueBefore)
		if e.err != nil {
			return nil, fmt.Errorf("postgres store: requests: %w", e.err)
		}
		w.add("due_at < $?", due)
	}
	w.after("received_seq", p)
	rows, err := s.pool.Query(ctx, `SELECT `+requestCols+` FROM requests WHERE `+w.sql()+
		` ORDER BY received_seq, request_id LIMIT `+w.arg(limit(p)), w.args...)
	if err != nil {
		return nil, fmt.Errorf("postgres store: requests: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanRequest)
	if err != nil {
		return nil, fmt.Errorf("postgres store: requests: %w", err)
	}
	return out, nil
}

// Activities lists a tenant's declarations in stream order.
func (s *Store) Activities(ctx context.Context, tenant string) ([]model.ActivityRow, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+activityCols+` FROM activities WHERE tenant = $1 ORDER BY seq`, tenant)
	if err != nil {
		return nil, fmt.Errorf("postgres store: activities: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanActivity)
	if err != nil {
		return nil, fmt.Errorf("postgres store: activities: %w", err)
	}
	return out, nil
}

// Observed lists what a tenant's events showed, by kind and key.
func (s *Store) Observed(ctx context.Context, tenant string) ([]model.ObservedRow, error) {
	rows, err := s.pool.Query(ctx, `SELECT tenant, kind, obs_key, count, first_seq, first_event_id, first_occurred, last_occurred
FROM observed WHERE tenant = $1 ORDER BY kind, obs_key`, tenant)
	if err != nil {
		return nil, fmt.Errorf("postgres store: observed: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.ObservedRow, error) {
		var (
			o                      model.ObservedRow
			count, firstSeq        int64
			firstOcc, lastOccurred int64
		)
		err := r.Scan(&o.Tenant, &o.Kind, &o.Key, &count, &firstSeq, &o.FirstEventID, &firstOcc, &lastOccurred)
		o.Count, o.FirstSeq = uint64(count), uint64(firstSeq)
		o.FirstOccurred, o.LastOccurred = fromNanos(firstOcc), fromNanos(lastOccurred)
		return o, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres store: observed: %w", err)
	}
	return out, nil
}

// Findings lists the findings f selects ordered by (Seq, Rule, ID). A page
// takes the findings with Seq > After — and, when After is 0, also the
// time-based ones (Seq 0) — up to Limit, and runs past Limit to finish the
// last sequence's findings: a page never ends inside one Seq. One
// statement, so one snapshot.
func (s *Store) Findings(ctx context.Context, f model.FindingFilter, p model.Page) ([]model.Finding, error) {
	var w where
	w.add("tenant = $?", f.Tenant)
	w.eq("subject_ref", f.SubjectRef)
	w.eq("rule", f.Rule)
	w.eq("id", f.ID)
	w.after("seq", p)
	cond := w.sql()
	// The page's last sequence is that of its Limit-th finding; every
	// finding up to it comes back.
	q := `SELECT ` + findingCols + ` FROM findings WHERE ` + cond + `
	AND seq <= (SELECT max(seq) FROM (SELECT seq FROM findings WHERE ` + cond + `
		ORDER BY seq, rule, id LIMIT ` + w.arg(limit(p)) + `) AS page)
ORDER BY seq, rule, id`
	rows, err := s.pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("postgres store: findings: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Finding, error) {
		var (
			x          model.Finding
			arose, seq int64
		)
		err := r.Scan(&x.Tenant, &x.ID, &x.Rule, &x.SubjectRef, &x.EventIDs, &arose, &seq, &x.Detail, &x.Group)
		x.EventIDs, x.AroseAt, x.Seq = list(x.EventIDs), fromNanos(arose), uint64(seq)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres store: findings: %w", err)
	}
	return out, nil
}

// SubjectsOf lists a tenant's subjects ordered by FirstSeq; Page.After is
// a FirstSeq.
func (s *Store) SubjectsOf(ctx context.Context, tenant string, p model.Page) ([]*model.SubjectState, error) {
	var w where
	w.add("tenant = $?", tenant)
	w.after("first_seq", p)
	rows, err := s.pool.Query(ctx, `SELECT state FROM subjects WHERE `+w.sql()+
		` ORDER BY first_seq, subject_ref LIMIT `+w.arg(limit(p)), w.args...)
	if err != nil {
		return nil, fmt.Errorf("postgres store: subjects of tenant: %w", err)
	}
	out, err := collectStates(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: subjects of tenant: %w", err)
	}
	return out, nil
}

// TenantExists tells whether the tenant has any event: an audit row or an
// activity declaration.
func (s *Store) TenantExists(ctx context.Context, tenant string) (bool, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit WHERE tenant = $1)
	OR EXISTS (SELECT 1 FROM activities WHERE tenant = $1)`, tenant).Scan(&ok); err != nil {
		return false, fmt.Errorf("postgres store: tenant exists: %w", err)
	}
	return ok, nil
}

// Tenants walks the subjects' primary key from tenant to tenant (one index
// seek per tenant, however many subjects each has).
func (s *Store) Tenants(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `WITH RECURSIVE tn(tenant) AS (
		SELECT MIN(tenant) FROM subjects
		UNION ALL
		SELECT (SELECT MIN(tenant) FROM subjects WHERE tenant > tn.tenant) FROM tn WHERE tn.tenant IS NOT NULL)
	SELECT tenant FROM tn WHERE tenant IS NOT NULL
	UNION SELECT tenant FROM activities
	ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("postgres store: tenants: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres store: tenants: %w", err)
	}
	return out, nil
}

// limit is a page's size; zero or less means no limit.
func limit(p model.Page) int64 {
	if p.Limit <= 0 {
		return math.MaxInt64
	}
	return int64(p.Limit)
}

// where builds a conjunction of conditions with numbered parameters.
type where struct {
	conds []string
	args  []any
}

// arg adds v as a parameter and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// add adds cond, whose "$?" stands for v.
func (w *where) add(cond string, v any) {
	w.conds = append(w.conds, strings.Replace(cond, "$?", w.arg(v), 1))
}

// after adds the page's lower bound on col: rows after p.After, and, when
// After is 0, every row (time-based findings have Seq 0).
func (w *where) after(col string, p model.Page) {
	if p.After == 0 {
		return
	}
	a := int64(math.MaxInt64) // past the int64 range no stored row is after it
	if p.After < math.MaxInt64 {
		a = int64(p.After)
	}
	w.add(col+" > $?", a)
}

// eq adds col = v unless v is empty (an empty filter field matches all).
func (w *where) eq(col, v string) {
	if v != "" {
		w.add(col+" = $?", v)
	}
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "true"
	}
	return strings.Join(w.conds, " AND ")
}

func collectStates(rows pgx.Rows) ([]*model.SubjectState, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.SubjectState, error) {
		var doc []byte
		if err := r.Scan(&doc); err != nil {
			return nil, err
		}
		st := &model.SubjectState{}
		if err := json.Unmarshal(doc, st); err != nil {
			return nil, fmt.Errorf("stored state: %w", err)
		}
		return st, nil
	})
}

const auditCols = `seq, event_id, tenant, subject_ref, type, categories, purposes, legal_basis,
	recipient_id, occurred_at, recorded_at, source, actor_kind, actor_id, data`

func scanAudit(r pgx.CollectableRow) (model.AuditRow, error) {
	var (
		a                       model.AuditRow
		seq, occurred, recorded int64
	)
	err := r.Scan(&seq, &a.EventID, &a.Tenant, &a.SubjectRef, &a.Type, &a.Categories, &a.Purposes, &a.LegalBasis,
		&a.Recipient, &occurred, &recorded, &a.Source, &a.ActorKind, &a.ActorID, &a.Data)
	a.Seq, a.OccurredAt, a.RecordedAt = uint64(seq), fromNanos(occurred), fromNanos(recorded)
	a.Categories, a.Purposes, a.Data = list(a.Categories), list(a.Purposes), bytesOrNil(a.Data)
	return a, err
}

const disclosureCols = `seq, event_id, tenant, subject_ref, recipient_id, recipient_name, recipient_kind,
	country, transfer_mechanism, categories, purpose, legal_basis, special_condition,
	legal_instrument_ref, confidential_until, activity_id, occurred_at, recorded_at,
	particular_inquiry, art49_derogation, dpf_certified`

func scanDisclosure(r pgx.CollectableRow) (model.DisclosureRow, error) {
	var (
		d                       model.DisclosureRow
		seq, occurred, recorded int64
		confidential            *int64
	)
	err := r.Scan(&seq, &d.EventID, &d.Tenant, &d.SubjectRef, &d.RecipientID, &d.RecipientName, &d.RecipientKind,
		&d.Country, &d.TransferMechanism, &d.Categories, &d.Purpose, &d.LegalBasis, &d.SpecialCondition,
		&d.LegalInstrumentRef, &confidential, &d.ActivityID, &occurred, &recorded,
		&d.ParticularInquiry, &d.Art49Derogation, &d.DPFCertified)
	d.Seq, d.ConfidentialUntil = uint64(seq), fromNullNanos(confidential)
	d.OccurredAt, d.RecordedAt, d.Categories = fromNanos(occurred), fromNanos(recorded), list(d.Categories)
	return d, err
}

const requestCols = `tenant, request_id, subject_ref, request_right, received_at, verified_at,
	extended_months, due_at, status, outcome, denial_ground, closed_at, received_seq, event_ids, no_data_held`

func scanRequest(r pgx.CollectableRow) (model.RequestRow, error) {
	var (
		q                          model.RequestRow
		received, due, receivedSeq int64
		verified, closed           *int64
		extended                   int32
	)
	err := r.Scan(&q.Tenant, &q.RequestID, &q.SubjectRef, &q.Right, &received, &verified,
		&extended, &due, &q.Status, &q.Outcome, &q.DenialGround, &closed, &receivedSeq, &q.EventIDs, &q.NoDataHeld)
	q.ReceivedAt, q.VerifiedAt, q.ExtendedMonths = fromNanos(received), fromNullNanos(verified), int(extended)
	q.DueAt, q.ClosedAt, q.ReceivedSeq = fromNanos(due), fromNullNanos(closed), uint64(receivedSeq)
	q.EventIDs = list(q.EventIDs)
	return q, err
}

const activityCols = `seq, event_id, tenant, activity_id, amended, occurred_at, recorded_at, activity`

func scanActivity(r pgx.CollectableRow) (model.ActivityRow, error) {
	var (
		a                       model.ActivityRow
		seq, occurred, recorded int64
	)
	err := r.Scan(&seq, &a.EventID, &a.Tenant, &a.ActivityID, &a.Amended, &occurred, &recorded, &a.Activity)
	a.Seq, a.OccurredAt, a.RecordedAt, a.Activity = uint64(seq), fromNanos(occurred), fromNanos(recorded), bytesOrNil(a.Activity)
	return a, err
}

const findingCols = `tenant, id, rule, subject_ref, event_ids, arose_at, seq, detail, grp`

// FindingStatusChanges lists a tenant's FindingStatusChanged rows in
// stream order.
func (s *Store) FindingStatusChanges(ctx context.Context, tenant string, p model.Page) ([]model.FindingStatusRow, error) {
	var w where
	w.add("tenant = $?", tenant)
	w.after("seq", p)
	rows, err := s.pool.Query(ctx, `SELECT seq, event_id, tenant, finding_ids, grp, status, occurred_at, recorded_at,
	actor_id, assignee, justified, resolving_event_id FROM finding_status WHERE `+w.sql()+` ORDER BY seq LIMIT `+w.arg(limit(p)), w.args...)
	if err != nil {
		return nil, fmt.Errorf("postgres store: finding status: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.FindingStatusRow, error) {
		var (
			x             model.FindingStatusRow
			seq, occ, rec int64
		)
		err := r.Scan(&seq, &x.EventID, &x.Tenant, &x.FindingIDs, &x.Group, &x.Status, &occ, &rec,
			&x.ActorID, &x.Assignee, &x.Justified, &x.ResolvingEventID)
		x.Seq, x.At, x.RecordedAt, x.FindingIDs = uint64(seq), fromNanos(occ), fromNanos(rec), list(x.FindingIDs)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres store: finding status: %w", err)
	}
	return out, nil
}
