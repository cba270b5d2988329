package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/docketledger/docket/projections/model"
	"github.com/jackc/pgx/v5"
)

// Apply writes b and moves the checkpoint from b.From to b.To in one
// serializable transaction (see InTx). The checkpoint moves first: a batch
// that does not start at it fails with model.ErrCheckpointMoved before
// anything is written, and so does, after that check, a batch whose To is
// below its From. Subjects, requests and breaches replace the rows of the same key
// (within b, the last one wins); observed rows merge; of findings with the
// same id, the one of lowest sequence stays; everything else is inserted,
// and a second row with the same key (audit, disclosure, activity or
// quarantine sequence) fails the whole batch. Each kind of row
// goes in with one statement over unnest'ed arrays, whatever the batch's
// size. Once the generation is partitioned, Apply refuses every batch
// (model.ErrPartitions): write through the partitions' views (see
// Partition).
func (s *Store) Apply(ctx context.Context, b *model.Batch) error {
	if b == nil {
		return errors.New("postgres store: apply: nil batch")
	}
	// Encoding once, outside the transaction: a retry reuses the arguments.
	stmts, err := encodeBatch(b)
	if err != nil {
		return fmt.Errorf("postgres store: apply %d..%d: %w", b.From, b.To, err)
	}
	err = InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// The checkpoint first: concurrent writers of one generation queue
		// on its row lock, and the losers see it moved when they retry.
		// Partition rewrites this row as it splits the generation, so an
		// Apply under way then is re-run, and sees the partitions.
		tag, err := tx.Exec(ctx, `UPDATE checkpoint SET seq = $2 WHERE id = 1 AND seq = $1
	AND NOT EXISTS (SELECT 1 FROM partitions)`, stmts.from, stmts.to)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var at, parts int64
			if err := tx.QueryRow(ctx, `SELECT seq, (SELECT count(*) FROM partitions) FROM checkpoint WHERE id = 1`).Scan(&at, &parts); err != nil {
				return err
			}
			if parts > 0 {
				return fmt.Errorf("%w: generation %d is split into %d partitions: apply through Partition", model.ErrPartitions, s.gen, parts)
			}
			return fmt.Errorf("%w: it is at %d, the batch starts at %d", model.ErrCheckpointMoved, at, b.From)
		}
		return writeBatch(ctx, tx, b, stmts)
	})
	if err != nil {
		return fmt.Errorf("postgres store: apply %d..%d: %w", b.From, b.To, err)
	}
	return nil
}

// writeBatch runs the statements of b, once its checkpoint has moved.
func writeBatch(ctx context.Context, tx pgx.Tx, b *model.Batch, stmts *encodedBatch) error {
	// Checked after the checkpoint, which takes precedence: a batch
	// from elsewhere is ErrCheckpointMoved whatever its end.
	if b.To < b.From {
		return fmt.Errorf("batch ends (%d) before it starts (%d)", b.To, b.From)
	}
	for _, st := range stmts.list {
		if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
	}
	return nil
}

type statement struct {
	what string
	sql  string
	args []any
}

type encodedBatch struct {
	from, to int64
	list     []statement
}

// encodeBatch turns b into the statements that write it, skipping the
// kinds of rows b has none of.
func encodeBatch(b *model.Batch) (*encodedBatch, error) {
	var e encoder
	out := &encodedBatch{from: e.seq("from", b.From), to: e.seq("to", b.To)}
	add := func(what, sql string, args ...any) {
		out.list = append(out.list, statement{what, sql, args})
	}
	if n := len(b.Audit); n > 0 {
		var (
			seq                                                  = make([]int64, n)
			occurred, recorded                                   = make([]int64, n), make([]int64, n)
			eventID, tenant, subject, typ, cats, purposes, basis = strs(n), strs(n), strs(n), strs(n), strs(n), strs(n), strs(n)
			recipient, source, actorKind, actorID                = strs(n), strs(n), strs(n), strs(n)
			data                                                 = make([][]byte, n)
		)
		for i := range b.Audit {
			r := &b.Audit[i]
			seq[i] = e.seq("audit seq", r.Seq)
			eventID[i], tenant[i], subject[i], typ[i] = r.EventID, r.Tenant, r.SubjectRef, r.Type
			cats[i], purposes[i] = textArray(r.Categories), textArray(r.Purposes)
			basis[i], recipient[i] = r.LegalBasis, r.Recipient
			occurred[i], recorded[i] = e.time("audit occurred_at", r.OccurredAt), e.time("audit recorded_at", r.RecordedAt)
			source[i], actorKind[i], actorID[i] = r.Source, r.ActorKind, r.ActorID
			data[i] = bytesOrNil(r.Data)
		}
		add("audit", `INSERT INTO audit (seq, event_id, tenant, subject_ref, type, categories, purposes,
	legal_basis, recipient_id, occurred_at, recorded_at, source, actor_kind, actor_id, data)
SELECT seq, event_id, tenant, subject_ref, type, categories::text[], purposes::text[],
	legal_basis, recipient_id, occurred_at, recorded_at, source, actor_kind, actor_id, data
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
	$8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::text[], $13::text[], $14::text[], $15::bytea[])
	AS r(seq, event_id, tenant, subject_ref, type, categories, purposes,
	legal_basis, recipient_id, occurred_at, recorded_at, source, actor_kind, actor_id, data)`,
			seq, eventID, tenant, subject, typ, cats, purposes, basis, recipient, occurred, recorded, source, actorKind, actorID, data)
	}
	if n := len(b.Disclosures); n > 0 {
		var (
			seq, occurred, recorded                                          = make([]int64, n), make([]int64, n), make([]int64, n)
			confidential                                                     = make([]*int64, n)
			eventID, tenant, subject, recID, recName, recKind, country, mech = strs(n), strs(n), strs(n), strs(n), strs(n), strs(n), strs(n), strs(n)
			cats, purpose, basis, special, instrument, activity              = strs(n), strs(n), strs(n), strs(n), strs(n), strs(n)
			inquiry, certified                                               = make([]bool, n), make([]bool, n)
			derogation                                                       = strs(n)
		)
		for i := range b.Disclosures {
			r := &b.Disclosures[i]
			seq[i] = e.seq("disclosure seq", r.Seq)
			eventID[i], tenant[i], subject[i] = r.EventID, r.Tenant, r.SubjectRef
			recID[i], recName[i], recKind[i], country[i], mech[i] = r.RecipientID, r.RecipientName, r.RecipientKind, r.Country, r.TransferMechanism
			cats[i], purpose[i], basis[i], special[i], instrument[i] = textArray(r.Categories), r.Purpose, r.LegalBasis, r.SpecialCondition, r.LegalInstrumentRef
			confidential[i] = e.timePtr("disclosure confidential_until", r.ConfidentialUntil)
			activity[i] = r.ActivityID
			occurred[i], recorded[i] = e.time("disclosure occurred_at", r.OccurredAt), e.time("disclosure recorded_at", r.RecordedAt)
			inquiry[i], derogation[i], certified[i] = r.ParticularInquiry, r.Art49Derogation, r.DPFCertified
		}
		add("disclosures", `INSERT INTO disclosures (seq, event_id, tenant, subject_ref, recipient_id, recipient_name,
	recipient_kind, country, transfer_mechanism, categories, purpose, legal_basis, special_condition,
	legal_instrument_ref, confidential_until, activity_id, occurred_at, recorded_at,
	particular_inquiry, art49_derogation, dpf_certified)
SELECT seq, event_id, tenant, subject_ref, recipient_id, recipient_name,
	recipient_kind, country, transfer_mechanism, categories::text[], purpose, legal_basis, special_condition,
	legal_instrument_ref, confidential_until, activity_id, occurred_at, recorded_at,
	particular_inquiry, art49_derogation, dpf_certified
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
	$7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
	$14::text[], $15::bigint[], $16::text[], $17::bigint[], $18::bigint[],
	$19::boolean[], $20::text[], $21::boolean[])
	AS r(seq, event_id, tenant, subject_ref, recipient_id, recipient_name,
	recipient_kind, country, transfer_mechanism, categories, purpose, legal_basis, special_condition,
	legal_instrument_ref, confidential_until, activity_id, occurred_at, recorded_at,
	particular_inquiry, art49_derogation, dpf_certified)`,
			seq, eventID, tenant, subject, recID, recName, recKind, country, mech, cats, purpose, basis, special,
			instrument, confidential, activity, occurred, recorded, inquiry, derogation, certified)
	}
	// After the inserts: a change may name a disclosure of this batch. One
	// statement each, in order (the last change of a disclosure wins).
	for _, c := range b.Confidentiality {
		add("disclosure confidentiality", `UPDATE disclosures SET confidential_until = $4
WHERE tenant = $1 AND subject_ref = $2 AND event_id = $3`,
			c.Tenant, c.SubjectRef, c.EventID, e.timePtr("disclosure confidential_until", c.Until))
	}
	for _, st := range b.Subjects {
		if st == nil {
			return nil, errors.New("nil subject state")
		}
	}
	for _, r := range b.Requests {
		if r == nil {
			return nil, errors.New("nil request row")
		}
	}
	for _, r := range b.Breaches {
		if r == nil {
			return nil, errors.New("nil breach row")
		}
	}
	if last := lastSubjects(b.Subjects); len(last) > 0 {
		n := len(last)
		tenant, ref, state, firstSeq := strs(n), strs(n), strs(n), make([]int64, n)
		for i, j := range last {
			st := b.Subjects[j]
			tenant[i], ref[i] = st.Tenant, st.SubjectRef
			firstSeq[i] = e.seq("subject first_seq", st.FirstSeq)
			doc, err := b.SubjectDoc(j)
			if err != nil {
				e.fail("%v", err)
			}
			state[i] = doc
		}
		add("subjects", `INSERT INTO subjects (tenant, subject_ref, first_seq, state)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])
ON CONFLICT (tenant, subject_ref) DO UPDATE SET first_seq = excluded.first_seq, state = excluded.state`,
			tenant, ref, firstSeq, state)
	}
	if requests := lastByKey(b.Requests, func(r *model.RequestRow) [2]string { return [2]string{r.Tenant, r.RequestID} }); len(requests) > 0 {
		n := len(requests)
		var (
			tenant, id, subject, right, status, outcome, denial, eventIDs = strs(n), strs(n), strs(n), strs(n), strs(n), strs(n), strs(n), strs(n)
			received, due, receivedSeq                                    = make([]int64, n), make([]int64, n), make([]int64, n)
			verified, closed                                              = make([]*int64, n), make([]*int64, n)
			extended                                                      = make([]int32, n)
			noData                                                        = make([]bool, n)
		)
		for i, r := range requests {
			tenant[i], id[i], subject[i], right[i] = r.Tenant, r.RequestID, r.SubjectRef, r.Right
			received[i] = e.time("request received_at", r.ReceivedAt)
			verified[i] = e.timePtr("request verified_at", r.VerifiedAt)
			extended[i] = int32(r.ExtendedMonths)
			if int(extended[i]) != r.ExtendedMonths {
				e.fail("request extended_months: %d out of range", r.ExtendedMonths)
			}
			due[i] = e.time("request due_at", r.DueAt)
			status[i], outcome[i], denial[i] = r.Status, r.Outcome, r.DenialGround
			closed[i] = e.timePtr("request closed_at", r.ClosedAt)
			receivedSeq[i] = e.seq("request received_seq", r.ReceivedSeq)
			eventIDs[i] = textArray(r.EventIDs)
			noData[i] = r.NoDataHeld
		}
		add("requests", `INSERT INTO requests (tenant, request_id, subject_ref, request_right, received_at, verified_at,
	extended_months, due_at, status, outcome, denial_ground, closed_at, received_seq, event_ids, no_data_held)
SELECT tenant, request_id, subject_ref, request_right, received_at, verified_at,
	extended_months, due_at, status, outcome, denial_ground, closed_at, received_seq, event_ids::text[], no_data_held
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],
	$7::int[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::text[], $15::boolean[])
	AS r(tenant, request_id, subject_ref, request_right, received_at, verified_at,
	extended_months, due_at, status, outcome, denial_ground, closed_at, received_seq, event_ids, no_data_held)
ON CONFLICT (tenant, request_id) DO UPDATE SET
	subject_ref = excluded.subject_ref, request_right = excluded.request_right,
	received_at = excluded.received_at, verified_at = excluded.verified_at,
	extended_months = excluded.extended_months, due_at = excluded.due_at, status = excluded.status,
	outcome = excluded.outcome, denial_ground = excluded.denial_ground, closed_at = excluded.closed_at,
	received_seq = excluded.received_seq, event_ids = excluded.event_ids, no_data_held = excluded.no_data_held`,
			tenant, id, subject, right, received, verified, extended, due, status, outcome, denial, closed, receivedSeq, eventIDs, noData)
	}
	if breaches := lastByKey(b.Breaches, func(r *model.BreachRow) [2]string { return [2]string{r.Tenant, r.BreachID} }); len(breaches) > 0 {
		n := len(breaches)
		tenant, id, doc, firstSeq := strs(n), strs(n), strs(n), make([]int64, n)
		for i, r := range breaches {
			tenant[i], id[i] = r.Tenant, r.BreachID
			firstSeq[i] = e.seq("breach first_seq", r.FirstSeq)
			d, err := r.Doc()
			if err != nil {
				e.fail("breach row: %v", err)
			}
			doc[i] = d
		}
		add("breaches", `INSERT INTO breaches (tenant, breach_id, first_seq, doc)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])
ON CONFLICT (tenant, breach_id) DO UPDATE SET first_seq = excluded.first_seq, doc = excluded.doc`,
			tenant, id, firstSeq, doc)
	}
	if n := len(b.Activities); n > 0 {
		var (
			seq, occurred, recorded = make([]int64, n), make([]int64, n), make([]int64, n)
			eventID, tenant, actID  = strs(n), strs(n), strs(n)
			amended                 = make([]bool, n)
			activity                = make([][]byte, n)
		)
		for i := range b.Activities {
			r := &b.Activities[i]
			seq[i] = e.seq("activity seq", r.Seq)
			eventID[i], tenant[i], actID[i], amended[i] = r.EventID, r.Tenant, r.ActivityID, r.Amended
			occurred[i], recorded[i] = e.time("activity occurred_at", r.OccurredAt), e.time("activity recorded_at", r.RecordedAt)
			activity[i] = bytesOrNil(r.Activity)
		}
		add("activities", `INSERT INTO activities (seq, event_id, tenant, activity_id, amended, occurred_at, recorded_at, activity)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::bigint[], $7::bigint[], $8::bytea[])`,
			seq, eventID, tenant, actID, amended, occurred, recorded, activity)
	}
	if n := len(b.Profiles); n > 0 {
		var (
			seq, occurred, recorded = make([]int64, n), make([]int64, n), make([]int64, n)
			eventID, tenant         = strs(n), strs(n)
			profile                 = make([][]byte, n)
		)
		for i := range b.Profiles {
			r := &b.Profiles[i]
			seq[i] = e.seq("profile seq", r.Seq)
			eventID[i], tenant[i] = r.EventID, r.Tenant
			occurred[i], recorded[i] = e.time("profile occurred_at", r.OccurredAt), e.time("profile recorded_at", r.RecordedAt)
			profile[i] = bytesOrNil(r.Profile)
		}
		add("profiles", `INSERT INTO profiles (seq, event_id, tenant, occurred_at, recorded_at, profile)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bytea[])`,
			seq, eventID, tenant, occurred, recorded, profile)
	}
	if fs := model.FirstFindings(b.Findings); len(fs) > 0 {
		n := len(fs)
		var (
			tenant, id, rule, subject, eventIDs, detail, grp = strs(n), strs(n), strs(n), strs(n), strs(n), strs(n), strs(n)
			arose, seq                                       = make([]int64, n), make([]int64, n)
		)
		for i := range fs {
			f := &fs[i]
			tenant[i], id[i], rule[i], subject[i] = f.Tenant, f.ID, f.Rule, f.SubjectRef
			eventIDs[i], detail[i], grp[i] = textArray(f.EventIDs), f.Detail, f.Group
			arose[i], seq[i] = e.time("finding arose_at", f.AroseAt), e.seq("finding seq", f.Seq)
		}
		// A finding already stored under the same id stays, unless this
		// one is of a lower sequence (see model.Batch).
		add("findings", `INSERT INTO findings AS f (tenant, id, rule, subject_ref, event_ids, arose_at, seq, detail, grp)
SELECT tenant, id, rule, subject_ref, event_ids::text[], arose_at, seq, detail, grp
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::text[], $9::text[])
	AS r(tenant, id, rule, subject_ref, event_ids, arose_at, seq, detail, grp)
ON CONFLICT (tenant, id) DO UPDATE SET rule = excluded.rule, subject_ref = excluded.subject_ref,
	event_ids = excluded.event_ids, arose_at = excluded.arose_at, seq = excluded.seq, detail = excluded.detail,
	grp = excluded.grp
	WHERE excluded.seq < f.seq`,
			tenant, id, rule, subject, eventIDs, arose, seq, detail, grp)
	}
	if n := len(b.FindingStatus); n > 0 {
		var (
			seq, occurred, recorded                                  = make([]int64, n), make([]int64, n), make([]int64, n)
			eventID, tenant, ids, grp, status, actor, assignee, resv = strs(n), strs(n), strs(n), strs(n), strs(n), strs(n), strs(n), strs(n)
			justified                                                = make([]bool, n)
		)
		for i := range b.FindingStatus {
			r := &b.FindingStatus[i]
			seq[i], eventID[i], tenant[i], ids[i], grp[i], status[i] = e.seq("finding status seq", r.Seq), r.EventID, r.Tenant, textArray(r.FindingIDs), r.Group, r.Status
			occurred[i], recorded[i] = e.time("finding status occurred_at", r.At), e.time("finding status recorded_at", r.RecordedAt)
			actor[i], assignee[i], justified[i], resv[i] = r.ActorID, r.Assignee, r.Justified, r.ResolvingEventID
		}
		add("finding_status", `INSERT INTO finding_status (seq, event_id, tenant, finding_ids, grp, status, occurred_at, recorded_at,
	actor_id, assignee, justified, resolving_event_id)
SELECT seq, event_id, tenant, finding_ids::text[], grp, status, occurred_at, recorded_at, actor_id, assignee, justified, resolving_event_id
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[],
	$9::text[], $10::text[], $11::boolean[], $12::text[])
	AS r(seq, event_id, tenant, finding_ids, grp, status, occurred_at, recorded_at, actor_id, assignee, justified, resolving_event_id)`,
			seq, eventID, tenant, ids, grp, status, occurred, recorded, actor, assignee, justified, resv)
	}
	if n := len(b.Quarantined); n > 0 {
		var (
			seq, recorded         = make([]int64, n), make([]int64, n)
			tenant, reason, field = strs(n), strs(n), strs(n)
		)
		for i := range b.Quarantined {
			q := &b.Quarantined[i]
			seq[i], recorded[i] = e.seq("quarantine seq", q.Seq), e.time("quarantine recorded_at", q.RecordedAt)
			tenant[i], reason[i], field[i] = q.Tenant, q.Reason, q.Field
		}
		add("quarantine", `INSERT INTO quarantine (seq, recorded_at, tenant, reason, field)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[])`,
			seq, recorded, tenant, reason, field)
	}
	// Observed rows last, in key order: concurrent Applies of partitions
	// (see Partition) merge into the same rows, whose locks each then
	// holds only until its commit, and all take in one order (no deadlock).
	if observed := mergeObserved(b.Observed); len(observed) > 0 {
		n := len(observed)
		var (
			tenant, kind, key, firstEvent                = strs(n), strs(n), strs(n), strs(n)
			count, firstSeq, firstOccurred, lastOccurred = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		)
		for i, o := range observed {
			tenant[i], kind[i], key[i] = o.Tenant, o.Kind, o.Key
			count[i] = e.seq("observed count", o.Count)
			firstSeq[i], firstEvent[i] = e.seq("observed first_seq", o.FirstSeq), o.FirstEventID
			firstOccurred[i], lastOccurred[i] = e.time("observed first_occurred", o.FirstOccurred), e.time("observed last_occurred", o.LastOccurred)
		}
		add("observed", `INSERT INTO observed AS o (tenant, kind, obs_key, count, first_seq, first_event_id, first_occurred, last_occurred)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[], $8::bigint[])
ON CONFLICT (tenant, kind, obs_key) DO UPDATE SET
	count = o.count + excluded.count,
	first_event_id = CASE WHEN excluded.first_seq < o.first_seq THEN excluded.first_event_id ELSE o.first_event_id END,
	first_occurred = CASE WHEN excluded.first_seq < o.first_seq THEN excluded.first_occurred ELSE o.first_occurred END,
	first_seq = least(o.first_seq, excluded.first_seq),
	last_occurred = greatest(o.last_occurred, excluded.last_occurred)`,
			tenant, kind, key, count, firstSeq, firstEvent, firstOccurred, lastOccurred)
	}
	if e.err != nil {
		return nil, e.err
	}
	return out, nil
}

func strs(n int) []string { return make([]string, n) }

// lastSubjects is the index in in of the last state given for each key
// (one statement may not upsert a row twice), in first-seen order.
func lastSubjects(in []*model.SubjectState) []int {
	idx := make(map[model.SubjectKey]int, len(in))
	out := make([]int, 0, len(in))
	for i, st := range in {
		k := model.SubjectKey{Tenant: st.Tenant, SubjectRef: st.SubjectRef}
		if j, ok := idx[k]; ok {
			out[j] = i
			continue
		}
		idx[k] = len(out)
		out = append(out, i)
	}
	return out
}

// lastByKey is lastSubjects for rows keyed by tenant and id (requests,
// breaches): each key once, in the order first seen, holding its last row.
func lastByKey[R any](in []R, key func(R) [2]string) []R {
	idx := make(map[[2]string]int, len(in))
	out := make([]R, 0, len(in))
	for _, r := range in {
		k := key(r)
		if i, ok := idx[k]; ok {
			out[i] = r
			continue
		}
		idx[k] = len(out)
		out = append(out, r)
	}
	return out
}

// mergeObserved merges rows of one key within a batch the way the upsert
// merges them with a stored row: counts add up, the row with the smallest
// FirstSeq gives the first fields (FirstSeq, FirstEventID, FirstOccurred,
// as the SQLite store does; on a tie the earlier row), and LastOccurred is
// the greatest. The rows come out ordered by key (tenant, kind, key, in
// byte order), the order in which the upsert then locks them.
func mergeObserved(in []model.ObservedRow) []model.ObservedRow {
	type key struct{ tenant, kind, key string }
	idx := make(map[key]int, len(in))
	out := make([]model.ObservedRow, 0, len(in))
	for _, o := range in {
		k := key{o.Tenant, o.Kind, o.Key}
		i, ok := idx[k]
		if !ok {
			idx[k] = len(out)
			out = append(out, o)
			continue
		}
		out[i].Merge(o)
	}
	slices.SortFunc(out, func(a, b model.ObservedRow) int {
		return cmp.Or(strings.Compare(a.Tenant, b.Tenant), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Key, b.Key))
	})
	return out
}
