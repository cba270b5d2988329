package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/docketledger/docket/projections/model"
)

// Paging: rows whose sequence is greater than Page.After, at most
// Page.Limit of them; a Limit of 0 or less means no limit.

// where builds a WHERE clause and its arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// eq adds col = v unless v is empty (a filter field left open).
func (w *where) eq(col, v string) {
	if v != "" {
		w.add(col+" = ?", v)
	}
}

func (w *where) after(col string, after uint64) {
	if after > 0 {
		w.add(col+" > ?", clampSeq(after))
	}
}

func (w *where) String() string { return " WHERE " + strings.Join(w.conds, " AND ") }

func clampSeq(u uint64) int64 {
	if u > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(u)
}

func limit(p model.Page) string {
	if p.Limit > 0 {
		return fmt.Sprintf(" LIMIT %d", p.Limit)
	}
	return ""
}

// Checkpoint is the last stream sequence applied; 0 when none. Once the
// generation is partitioned (see Partition), it is the smallest of the
// partitions' checkpoints: the sequence up to which every partition has
// applied its events.
func (s *Store) Checkpoint(ctx context.Context) (uint64, error) {
	var seq int64
	if err := s.r.QueryRowContext(ctx, `SELECT coalesce((SELECT min(seq) FROM `+s.t("partitions")+`), seq) FROM `+
		s.t("checkpoint")+` WHERE id = 1`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("sqlite store: checkpoint: %w", err)
	}
	return uint64(seq), nil
}

// keysPerQuery bounds the IN lists of Subjects and Requests.
const keysPerQuery = 500

// Subjects returns the stored state of those keys that have one.
func (s *Store) Subjects(ctx context.Context, keys []model.SubjectKey) (map[model.SubjectKey]*model.SubjectState, error) {
	byTenant := map[string][]any{}
	for _, k := range keys {
		byTenant[k.Tenant] = append(byTenant[k.Tenant], k.SubjectRef)
	}
	out := make(map[model.SubjectKey]*model.SubjectState, len(keys))
	for tenant, refs := range byTenant {
		for len(refs) > 0 {
			n := min(keysPerQuery, len(refs))
			q := `SELECT state FROM ` + s.t("subjects") + ` WHERE tenant = ? AND subject_ref IN (?` + strings.Repeat(", ?", n-1) + `)`
			states, err := s.states(ctx, q, append([]any{tenant}, refs[:n]...)...)
			if err != nil {
				return nil, fmt.Errorf("sqlite store: subjects: %w", err)
			}
			for _, st := range states {
				out[model.SubjectKey{Tenant: st.Tenant, SubjectRef: st.SubjectRef}] = st
			}
			refs = refs[n:]
		}
	}
	return out, nil
}

// Subject is one subject's state; ErrNotFound if the tenant has no such
// subject.
func (s *Store) Subject(ctx context.Context, tenant, subjectRef string) (*model.SubjectState, error) {
	states, err := s.states(ctx, `SELECT state FROM `+s.t("subjects")+` WHERE tenant = ? AND subject_ref = ?`, tenant, subjectRef)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: subject: %w", err)
	}
	if len(states) == 0 {
		return nil, fmt.Errorf("sqlite store: subject: %w", model.ErrNotFound)
	}
	return states[0], nil
}

// SubjectsOf lists a tenant's subjects ordered by FirstSeq, paging on it.
func (s *Store) SubjectsOf(ctx context.Context, tenant string, p model.Page) ([]*model.SubjectState, error) {
	var w where
	w.add("tenant = ?", tenant)
	w.after("first_seq", p.After)
	states, err := s.states(ctx, `SELECT state FROM `+s.t("subjects")+w.String()+` ORDER BY first_seq, subject_ref`+limit(p), w.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: subjects of tenant: %w", err)
	}
	return states, nil
}

func (s *Store) states(ctx context.Context, query string, args ...any) ([]*model.SubjectState, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*model.SubjectState
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		st := &model.SubjectState{}
		if err := json.Unmarshal(doc, st); err != nil {
			return nil, fmt.Errorf("stored state: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

const auditCols = `seq, event_id, tenant, subject_ref, type, categories, purposes, legal_basis,
	recipient_id, occurred_at, recorded_at, source, actor_kind, actor_id, data`

// History is a subject's audit trail in stream order.
func (s *Store) History(ctx context.Context, tenant, subjectRef string, p model.Page) ([]model.AuditRow, error) {
	var w where
	w.add("tenant = ? AND subject_ref = ?", tenant, subjectRef)
	w.after("seq", p.After)
	out, err := s.audit(ctx, w.String()+` ORDER BY seq`+limit(p), w.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: history: %w", err)
	}
	return out, nil
}

// Event is the audit row of one event of tenant.
func (s *Store) Event(ctx context.Context, tenant, eventID string) (model.AuditRow, error) {
	out, err := s.audit(ctx, ` WHERE tenant = ? AND event_id = ? ORDER BY seq LIMIT 1`, tenant, eventID)
	if err != nil {
		return model.AuditRow{}, fmt.Errorf("sqlite store: event: %w", err)
	}
	if len(out) == 0 {
		return model.AuditRow{}, fmt.Errorf("sqlite store: event: %w", model.ErrNotFound)
	}
	return out[0], nil
}

// audit reads the audit rows that tail (WHERE ... ORDER BY ...) selects.
func (s *Store) audit(ctx context.Context, tail string, args ...any) ([]model.AuditRow, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+auditCols+` FROM `+s.t("audit")+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.AuditRow
	for rows.Next() {
		var (
			r                  model.AuditRow
			seq, occ, rec      int64
			categories, purpos string
		)
		if err := rows.Scan(&seq, &r.EventID, &r.Tenant, &r.SubjectRef, &r.Type, &categories, &purpos,
			&r.LegalBasis, &r.Recipient, &occ, &rec, &r.Source, &r.ActorKind, &r.ActorID, &r.Data); err != nil {
			return nil, err
		}
		r.Seq, r.OccurredAt, r.RecordedAt, r.Data = uint64(seq), fromNanos(occ), fromNanos(rec), nonEmpty(r.Data)
		if r.Categories, err = decodeStrings("categories", categories); err != nil {
			return nil, err
		}
		if r.Purposes, err = decodeStrings("purposes", purpos); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Disclosures lists a tenant's disclosures matching f, in stream order. A
// disclosure matches Category when that key is one of its categories.
func (s *Store) Disclosures(ctx context.Context, f model.DisclosureFilter, p model.Page) ([]model.DisclosureRow, error) {
	var w where
	w.add("tenant = ?", f.Tenant)
	w.eq("subject_ref", f.SubjectRef)
	w.eq("recipient_id", f.RecipientID)
	w.eq("recipient_kind", f.RecipientKind)
	w.eq("purpose", f.Purpose)
	w.eq("legal_basis", f.LegalBasis)
	if f.Category != "" {
		w.add("EXISTS (SELECT 1 FROM json_each(categories) WHERE json_each.value = ?)", f.Category)
	}
	var col string
	switch f.Time.Axis {
	case model.Occurred:
		col = "occurred_at"
	case model.Recorded:
		col = "recorded_at"
	default:
		return nil, fmt.Errorf("sqlite store: disclosures: unknown time axis %d", f.Time.Axis)
	}
	var e encoder
	if !f.Time.From.IsZero() {
		w.add(col+" >= ?", e.time("from", f.Time.From))
	}
	if !f.Time.To.IsZero() {
		w.add(col+" <= ?", e.time("to", f.Time.To))
	}
	if e.err != nil {
		return nil, fmt.Errorf("sqlite store: disclosures: %w", e.err)
	}
	w.after("seq", p.After)
	rows, err := s.r.QueryContext(ctx, `SELECT seq, event_id, tenant, subject_ref, recipient_id, recipient_name,
	recipient_kind, country, transfer_mechanism, categories, purpose, legal_basis, special_condition,
	legal_instrument_ref, confidential_until, activity_id, occurred_at, recorded_at,
	particular_inquiry, art49_derogation, dpf_certified
FROM `+s.t("disclosures")+w.String()+` ORDER BY seq`+limit(p), w.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: disclosures: %w", err)
	}
	defer rows.Close()
	var out []model.DisclosureRow
	for rows.Next() {
		var (
			r                  model.DisclosureRow
			seq, occ, rec      int64
			inquiry, certified int64
			until              *int64
			categories         string
		)
		if err := rows.Scan(&seq, &r.EventID, &r.Tenant, &r.SubjectRef, &r.RecipientID, &r.RecipientName,
			&r.RecipientKind, &r.Country, &r.TransferMechanism, &categories, &r.Purpose, &r.LegalBasis,
			&r.SpecialCondition, &r.LegalInstrumentRef, &until, &r.ActivityID, &occ, &rec,
			&inquiry, &r.Art49Derogation, &certified); err != nil {
			return nil, fmt.Errorf("sqlite store: disclosures: %w", err)
		}
		r.Seq, r.ConfidentialUntil, r.OccurredAt, r.RecordedAt = uint64(seq), fromNullNanos(until), fromNanos(occ), fromNanos(rec)
		r.ParticularInquiry, r.DPFCertified = inquiry != 0, certified != 0
		if r.Categories, err = decodeStrings("categories", categories); err != nil {
			return nil, fmt.Errorf("sqlite store: disclosures: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite store: disclosures: %w", err)
	}
	return out, nil
}

// Breaches returns the stored rows of those of the tenant's breaches that
// exist, by breach id.
func (s *Store) Breaches(ctx context.Context, tenant string, ids []string) (map[string]*model.BreachRow, error) {
	out := make(map[string]*model.BreachRow, len(ids))
	for len(ids) > 0 {
		n := min(keysPerQuery, len(ids))
		args := []any{tenant}
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		rows, err := s.breaches(ctx, `SELECT doc FROM `+s.t("breaches")+
			` WHERE tenant = ? AND breach_id IN (?`+strings.Repeat(", ?", n-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite store: breaches: %w", err)
		}
		for i := range rows {
			out[rows[i].BreachID] = &rows[i]
		}
		ids = ids[n:]
	}
	return out, nil
}

// ListBreaches lists a tenant's breaches ordered by FirstSeq, paging on it.
func (s *Store) ListBreaches(ctx context.Context, tenant string, p model.Page) ([]model.BreachRow, error) {
	var w where
	w.add("tenant = ?", tenant)
	w.after("first_seq", p.After)
	out, err := s.breaches(ctx, `SELECT doc FROM `+s.t("breaches")+w.String()+` ORDER BY first_seq, breach_id`+limit(p), w.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: list breaches: %w", err)
	}
	return out, nil
}

func (s *Store) breaches(ctx context.Context, query string, args ...any) ([]model.BreachRow, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.BreachRow
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		b, err := model.ParseBreachDoc(doc)
		if err != nil {
			return nil, fmt.Errorf("breach document: %w", err)
		}
		out = append(out, *b)
	}
	return out, rows.Err()
}

const requestCols = `tenant, request_id, subject_ref, request_right, received_at, verified_at,
	extended_months, due_at, status, outcome, denial_ground, closed_at, received_seq, event_ids, no_data_held`

// Requests returns the stored rows of those of the tenant's requests that
// exist, by request id.
func (s *Store) Requests(ctx context.Context, tenant string, ids []string) (map[string]*model.RequestRow, error) {
	out := make(map[string]*model.RequestRow, len(ids))
	for len(ids) > 0 {
		n := min(keysPerQuery, len(ids))
		args := []any{tenant}
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		rows, err := s.requests(ctx, `SELECT `+requestCols+` FROM `+s.t("requests")+
			` WHERE tenant = ? AND request_id IN (?`+strings.Repeat(", ?", n-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite store: requests: %w", err)
		}
		for i := range rows {
			out[rows[i].RequestID] = &rows[i]
		}
		ids = ids[n:]
	}
	return out, nil
}

// ListRequests lists a tenant's requests matching f, ordered by
// ReceivedSeq and paged on it.
func (s *Store) ListRequests(ctx context.Context, f model.RequestFilter, p model.Page) ([]model.RequestRow, error) {
	var w where
	w.add("tenant = ?", f.Tenant)
	w.eq("subject_ref", f.SubjectRef)
	w.eq("status", f.Status)
	if !f.DueBefore.IsZero() {
		var e encoder
		due := e.time("due before", f.DueBefore)
		if e.err != nil {
			return nil, fmt.Errorf("sqlite store: list requests: %w", e.err)
		}
		w.add("due_at < ?", due)
	}
	w.after("received_seq", p.After)
	out, err := s.requests(ctx, `SELECT `+requestCols+` FROM `+s.t("requests")+w.String()+` ORDER BY received_seq, request_id`+limit(p), w.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: list requests: %w", err)
	}
	return out, nil
}

func (s *Store) requests(ctx context.Context, query string, args ...any) ([]model.RequestRow, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.RequestRow
	for rows.Next() {
		var (
			r                       model.RequestRow
			received, due, seq, ext int64
			noData                  int64
			verified, closed        *int64
			eventIDs                string
		)
		if err := rows.Scan(&r.Tenant, &r.RequestID, &r.SubjectRef, &r.Right, &received, &verified, &ext,
			&due, &r.Status, &r.Outcome, &r.DenialGround, &closed, &seq, &eventIDs, &noData); err != nil {
			return nil, err
		}
		r.ReceivedAt, r.VerifiedAt, r.ExtendedMonths, r.DueAt = fromNanos(received), fromNullNanos(verified), int(ext), fromNanos(due)
		r.ClosedAt, r.ReceivedSeq, r.NoDataHeld = fromNullNanos(closed), uint64(seq), noData != 0
		if r.EventIDs, err = decodeStrings("event_ids", eventIDs); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Activities lists a tenant's activity declarations in stream order.
func (s *Store) Activities(ctx context.Context, tenant string) ([]model.ActivityRow, error) {
	out, err := s.activities(ctx, ` WHERE tenant = ?`, tenant)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: activities: %w", err)
	}
	return out, nil
}

// AllActivities lists every tenant's activity declarations in stream order.
func (s *Store) AllActivities(ctx context.Context) ([]model.ActivityRow, error) {
	out, err := s.activities(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("sqlite store: all activities: %w", err)
	}
	return out, nil
}

func (s *Store) activities(ctx context.Context, where string, args ...any) ([]model.ActivityRow, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, event_id, tenant, activity_id, amended, occurred_at, recorded_at, activity
FROM `+s.t("activities")+where+` ORDER BY seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.ActivityRow
	for rows.Next() {
		var (
			r                      model.ActivityRow
			seq, amended, occ, rec int64
		)
		if err := rows.Scan(&seq, &r.EventID, &r.Tenant, &r.ActivityID, &amended, &occ, &rec, &r.Activity); err != nil {
			return nil, err
		}
		r.Seq, r.Amended, r.OccurredAt, r.RecordedAt, r.Activity = uint64(seq), amended != 0, fromNanos(occ), fromNanos(rec), nonEmpty(r.Activity)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Profiles lists a tenant's controller profile declarations in stream order.
func (s *Store) Profiles(ctx context.Context, tenant string) ([]model.ProfileRow, error) {
	out, err := s.profiles(ctx, ` WHERE tenant = ?`, tenant)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: profiles: %w", err)
	}
	return out, nil
}

// AllProfiles lists every tenant's controller profile declarations in
// stream order.
func (s *Store) AllProfiles(ctx context.Context) ([]model.ProfileRow, error) {
	out, err := s.profiles(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("sqlite store: all profiles: %w", err)
	}
	return out, nil
}

func (s *Store) profiles(ctx context.Context, where string, args ...any) ([]model.ProfileRow, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, event_id, tenant, occurred_at, recorded_at, profile
FROM `+s.t("profiles")+where+` ORDER BY seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.ProfileRow
	for rows.Next() {
		var (
			r             model.ProfileRow
			seq, occ, rec int64
		)
		if err := rows.Scan(&seq, &r.EventID, &r.Tenant, &occ, &rec, &r.Profile); err != nil {
			return nil, err
		}
		r.Seq, r.OccurredAt, r.RecordedAt, r.Profile = uint64(seq), fromNanos(occ), fromNanos(rec), nonEmpty(r.Profile)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Observed lists a tenant's observed purposes, recipients and categories,
// ordered by (Kind, Key).
func (s *Store) Observed(ctx context.Context, tenant string) ([]model.ObservedRow, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT tenant, kind, obs_key, count, first_seq, first_event_id, first_occurred, last_occurred
FROM `+s.t("observed")+` WHERE tenant = ? ORDER BY kind, obs_key`, tenant)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: observed: %w", err)
	}
	defer rows.Close()
	var out []model.ObservedRow
	for rows.Next() {
		var (
			r                        model.ObservedRow
			count, first, occ1, occ2 int64
		)
		if err := rows.Scan(&r.Tenant, &r.Kind, &r.Key, &count, &first, &r.FirstEventID, &occ1, &occ2); err != nil {
			return nil, fmt.Errorf("sqlite store: observed: %w", err)
		}
		r.Count, r.FirstSeq, r.FirstOccurred, r.LastOccurred = uint64(count), uint64(first), fromNanos(occ1), fromNanos(occ2)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite store: observed: %w", err)
	}
	return out, nil
}

// Findings lists a tenant's findings matching f, ordered by (Seq, Rule,
// ID). A page takes the findings with Seq > After — and, when After is 0,
// also the time-based ones (Seq 0) — up to Limit, then runs on to finish
// the last sequence's findings so that a page never ends inside one Seq.
func (s *Store) Findings(ctx context.Context, f model.FindingFilter, p model.Page) ([]model.Finding, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // both queries read one snapshot
	if err != nil {
		return nil, fmt.Errorf("sqlite store: findings: %w", err)
	}
	defer tx.Rollback()
	var w where
	w.add("tenant = ?", f.Tenant)
	w.eq("subject_ref", f.SubjectRef)
	w.eq("rule", f.Rule)
	w.eq("id", f.ID)
	baseConds, baseArgs := len(w.conds), len(w.args)
	w.after("seq", p.After)
	const cols = `SELECT tenant, id, rule, subject_ref, event_ids, arose_at, seq, detail, grp FROM `
	order := ` ORDER BY seq, rule, id`
	out, err := findings(ctx, tx, cols+s.t("findings")+w.String()+order+limit(p), w.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: findings: %w", err)
	}
	if p.Limit > 0 && len(out) == p.Limit {
		last := out[len(out)-1]
		w.conds, w.args = w.conds[:baseConds], w.args[:baseArgs]
		w.add("seq = ?", int64(last.Seq))
		w.add("(rule, id) > (?, ?)", last.Rule, last.ID)
		rest, err := findings(ctx, tx, cols+s.t("findings")+w.String()+order, w.args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite store: findings: %w", err)
		}
		out = append(out, rest...)
	}
	return out, nil
}

func findings(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]model.Finding, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Finding
	for rows.Next() {
		var (
			r             model.Finding
			eventIDs      string
			arose, seqNum int64
		)
		if err := rows.Scan(&r.Tenant, &r.ID, &r.Rule, &r.SubjectRef, &eventIDs, &arose, &seqNum, &r.Detail, &r.Group); err != nil {
			return nil, err
		}
		r.AroseAt, r.Seq = fromNanos(arose), uint64(seqNum)
		if r.EventIDs, err = decodeStrings("event_ids", eventIDs); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// TenantExists tells whether the tenant has any event: an audit row or an
// activity declaration.
func (s *Store) TenantExists(ctx context.Context, tenant string) (bool, error) {
	var ok bool
	err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+s.t("audit")+` WHERE tenant = ?)
	OR EXISTS (SELECT 1 FROM `+s.t("activities")+` WHERE tenant = ?)`, tenant, tenant).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("sqlite store: tenant exists: %w", err)
	}
	return ok, nil
}

// Tenants walks the subjects' primary key from tenant to tenant (one index
// seek per tenant, however many subjects each has).
func (s *Store) Tenants(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `WITH RECURSIVE tn(tenant) AS (
		SELECT MIN(tenant) FROM `+s.t("subjects")+`
		UNION ALL
		SELECT (SELECT MIN(tenant) FROM `+s.t("subjects")+` WHERE tenant > tn.tenant) FROM tn WHERE tn.tenant IS NOT NULL)
	SELECT tenant FROM tn WHERE tenant IS NOT NULL
	UNION SELECT tenant FROM `+s.t("activities")+`
	ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: tenants: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("sqlite store: tenants: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite store: tenants: %w", err)
	}
	return out, nil
}

// FindingStatusChanges lists a tenant's FindingStatusChanged rows in
// stream order.
func (s *Store) FindingStatusChanges(ctx context.Context, tenant string, p model.Page) ([]model.FindingStatusRow, error) {
	var w where
	w.add("tenant = ?", tenant)
	w.after("seq", p.After)
	rows, err := s.r.QueryContext(ctx, `SELECT seq, event_id, tenant, finding_ids, grp, status, occurred_at, recorded_at,
	actor_id, assignee, justified, resolving_event_id FROM `+s.t("finding_status")+w.String()+` ORDER BY seq`+limit(p), w.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: finding status: %w", err)
	}
	defer rows.Close()
	var out []model.FindingStatusRow
	for rows.Next() {
		var (
			r                  model.FindingStatusRow
			ids                string
			seq, occ, rec, jst int64
		)
		if err := rows.Scan(&seq, &r.EventID, &r.Tenant, &ids, &r.Group, &r.Status, &occ, &rec,
			&r.ActorID, &r.Assignee, &jst, &r.ResolvingEventID); err != nil {
			return nil, fmt.Errorf("sqlite store: finding status: %w", err)
		}
		r.Seq, r.At, r.RecordedAt, r.Justified = uint64(seq), fromNanos(occ), fromNanos(rec), jst != 0
		if r.FindingIDs, err = decodeStrings("finding_ids", ids); err != nil {
			return nil, fmt.Errorf("sqlite store: finding status: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite store: finding status: %w", err)
	}
	return out, nil
}
