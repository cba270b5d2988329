package projector_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/natstest"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/pgtest"
	"github.com/docketledger/docket/projections/projector"
	"github.com/docketledger/docket/projections/source"
	"github.com/docketledger/docket/projections/state"
	"github.com/docketledger/docket/projections/store/postgres"
	"github.com/docketledger/docket/projections/store/sqlite"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	gocmp "github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go/jetstream"
)

// ---------------------------------------------------------------------------
// The ledger: a real in-process JetStream with the DOCKET stream, appended
// to through a real Emitter that seals values with a key ring.

type ledger struct {
	js     jetstream.JetStream
	stream jetstream.Stream
	em     *events.Emitter
}

func newLedger(t *testing.T) *ledger {
	t.Helper()
	s := natstest.Start(t)
	_, js := natstest.Connect(t, s)
	stream, err := events.EnsureStream(t.Context(), js, events.StreamConfig{})
	if err != nil {
		t.Fatalf("EnsureStream: %v", err)
	}
	kek, err := keys.NewLocalKEK(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keys.NewKeyring(keys.NewMemoryStore(), kek, keys.KeyringConfig{})
	if err != nil {
		t.Fatal(err)
	}
	em, err := events.NewEmitter(js, events.EmitterConfig{Keys: kr})
	if err != nil {
		t.Fatal(err)
	}
	return &ledger{js: js, stream: stream, em: em}
}

// append stores evs in order (sealing their values in place).
func (l *ledger) append(t *testing.T, evs []*eventsv1.Event) {
	t.Helper()
	for len(evs) > 0 {
		n := min(len(evs), 500)
		if _, err := l.em.Append(t.Context(), evs[:n]...); err != nil {
			t.Fatalf("Append: %v", err)
		}
		evs = evs[n:]
	}
}

// records reads the whole stream back as the projector sees it: stored
// bytes, stream sequences and recorded_at.
func (l *ledger) records(t *testing.T) []source.Record {
	t.Helper()
	r, err := source.NewReader(l.js, "", "")
	if err != nil {
		t.Fatal(err)
	}
	var out []source.Record
	if err := r.Each(t.Context(), 1, 500, func(rec source.Record) error {
		out = append(out, rec)
		return nil
	}); err != nil {
		t.Fatalf("read the stream: %v", err)
	}
	return out
}

var discard = slog.New(slog.DiscardHandler)

// catchUp runs a new projector for store to the stream's head and returns it.
func catchUp(t *testing.T, l *ledger, store model.Store, cfg projector.Config) *projector.Projector {
	t.Helper()
	p, err := projector.New(l.js, store, cfg, discard)
	if err != nil {
		t.Fatal(err)
	}
	runCatchUp(t, p)
	return p
}

func runCatchUp(t *testing.T, p *projector.Projector) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if err := p.CatchUp(ctx); err != nil {
		t.Fatalf("CatchUp: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("CatchUp did not reach the head in time: %+v", p.Stats())
	}
}

// ---------------------------------------------------------------------------
// The stores: every test runs against both.

// database opens stores (of any generation) on one fresh, empty database.
type database func(t *testing.T, gen int) model.Store

type backend struct {
	name  string
	fresh func(t *testing.T) database
}

var backends = []backend{
	{"sqlite", func(t *testing.T) database {
		path := filepath.Join(t.TempDir(), "docket.db")
		return func(t *testing.T, gen int) model.Store {
			t.Helper()
			s, err := sqlite.Open(t.Context(), path, gen)
			if err != nil {
				t.Fatalf("sqlite.Open: %v", err)
			}
			return closing(t, s)
		}
	}},
	{"postgres", func(t *testing.T) database {
		dsn := pgtest.Start(t)
		return func(t *testing.T, gen int) model.Store {
			t.Helper()
			s, err := postgres.Open(t.Context(), dsn, gen)
			if err != nil {
				t.Fatalf("postgres.Open: %v", err)
			}
			return closing(t, s)
		}
	}},
}

// onceStore closes its store once, whether the test closes it or the
// cleanup does.
type onceStore struct {
	model.Store
	once sync.Once
	err  error
}

func (s *onceStore) Close() error {
	s.once.Do(func() { s.err = s.Store.Close() })
	return s.err
}

func closing(t *testing.T, s model.Store) model.Store {
	o := &onceStore{Store: s}
	t.Cleanup(func() { o.Close() })
	return o
}

func eachBackend(t *testing.T, fn func(t *testing.T, db database)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b.fresh(t)) })
	}
}

// ---------------------------------------------------------------------------
// Comparing answers as JSON, with the bytes JSON leaves out.

type auditJSON struct {
	model.AuditRow
	Data []byte `json:"data"`
}

type profileJSON struct {
	model.ProfileRow
	Profile []byte `json:"profile"`
}

type activityJSON struct {
	model.ActivityRow
	Activity []byte `json:"activity"`
}

// canonical is v as JSON, with the stored bytes of audit and activity rows.
func canonical(v any) string {
	switch x := v.(type) {
	case []model.AuditRow:
		out := make([]auditJSON, len(x))
		for i, r := range x {
			out[i] = auditJSON{r, r.Data}
		}
		v = out
	case []model.ActivityRow:
		out := make([]activityJSON, len(x))
		for i, r := range x {
			out[i] = activityJSON{r, r.Activity}
		}
		v = out
	case []model.ProfileRow:
		out := make([]profileJSON, len(x))
		for i, r := range x {
			out[i] = profileJSON{r, r.Profile}
		}
		v = out
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	// A nil and an empty list are the same answer (storetest's rule): every
	// null becomes [] (nil pointers are omitted, so only lists are null).
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		panic(err)
	}
	if b, err = json.Marshal(nullsToLists(doc)); err != nil {
		panic(err)
	}
	return string(b)
}

func nullsToLists(v any) any {
	switch x := v.(type) {
	case nil:
		return []any{}
	case []any:
		for i := range x {
			x[i] = nullsToLists(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = nullsToLists(x[k])
		}
	}
	return v
}

// explain says how two JSON answers differ: cmp's diff (-want +got) of
// the decoded documents, or both texts if either is not JSON.
func explain(want, got string) string {
	var w, g any
	if json.Unmarshal([]byte(want), &w) == nil && json.Unmarshal([]byte(got), &g) == nil {
		if d := gocmp.Diff(w, g); d != "" {
			return "(-want +got):\n" + d
		}
	}
	return fmt.Sprintf("\n  want %s\n  got  %s", short(want), short(got))
}

func short(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "..."
	}
	return s
}

// same reports (as a test error) whether want and got differ as JSON.
func same(t *testing.T, what string, want, got any) bool {
	t.Helper()
	w, g := canonical(want), canonical(got)
	if w == g {
		return true
	}
	t.Errorf("%s: %s", what, explain(w, g))
	return false
}

// ---------------------------------------------------------------------------
// Every query the Reader answers, enumerated from a stream.

// queries are the filter values a stream gives rise to.
type queries struct {
	tenants  []string
	subjects map[string][]string // per tenant, in order of first event
	// Disclosure filter values seen in the stream, plus one matching nothing.
	recipients, kinds, categories, purposes, bases []string
	// times are instants of disclosures on each axis, at quantiles.
	times map[model.TimeAxis][]time.Time
}

func queriesOf(recs []source.Record) queries {
	q := queries{subjects: map[string][]string{}, times: map[model.TimeAxis][]time.Time{}}
	seenSubject := map[[2]string]bool{}
	add := func(list *[]string, s string) {
		if s != "" && !slices.Contains(*list, s) {
			*list = append(*list, s)
		}
	}
	var occurred, recorded []time.Time
	for _, r := range recs {
		ev := r.Event
		add(&q.tenants, ev.GetTenant())
		if ref := ev.GetSubjectRef(); ref != "" && !seenSubject[[2]string{ev.GetTenant(), ref}] {
			seenSubject[[2]string{ev.GetTenant(), ref}] = true
			q.subjects[ev.GetTenant()] = append(q.subjects[ev.GetTenant()], ref)
		}
		if d := ev.GetDisclosureMade(); d != nil {
			add(&q.recipients, d.GetRecipient().GetId())
			add(&q.kinds, d.GetRecipient().GetKind().String())
			for _, c := range d.GetCategories() {
				add(&q.categories, c)
			}
			add(&q.purposes, d.GetPurpose())
			add(&q.bases, d.GetLegalBasis().String())
			occurred = append(occurred, ev.GetOccurredAt().AsTime())
			recorded = append(recorded, r.RecordedAt)
		}
	}
	for _, l := range []*[]string{&q.recipients, &q.kinds, &q.categories, &q.purposes, &q.bases} {
		sort.Strings(*l)
		*l = append(*l, "no-such-value")
	}
	quantiles := func(ts []time.Time) []time.Time {
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		var out []time.Time
		for _, f := range []float64{0, 0.1, 0.35, 0.6, 0.85, 1} {
			if len(ts) > 0 {
				out = append(out, ts[min(len(ts)-1, int(f*float64(len(ts))))])
			}
		}
		return out
	}
	q.times[model.Occurred], q.times[model.Recorded] = quantiles(occurred), quantiles(recorded)
	return q
}

// timeRanges are the ranges to filter disclosures by on each axis: closed,
// open on either side, and a single instant (bounds are inclusive).
func (q queries) timeRanges() []model.TimeRange {
	var out []model.TimeRange
	for _, axis := range []model.TimeAxis{model.Occurred, model.Recorded} {
		ts := q.times[axis]
		if len(ts) < 6 {
			continue
		}
		out = append(out,
			model.TimeRange{Axis: axis, From: ts[1], To: ts[3]},
			model.TimeRange{Axis: axis, From: ts[2], To: ts[4]},
			model.TimeRange{Axis: axis, From: ts[3]},
			model.TimeRange{Axis: axis, To: ts[2]},
			model.TimeRange{Axis: axis, From: ts[2], To: ts[2]},
			model.TimeRange{Axis: axis, From: ts[0], To: ts[5]},
			model.TimeRange{Axis: axis, From: ts[5].Add(time.Nanosecond)},
			model.TimeRange{Axis: axis, From: ts[2].Add(time.Nanosecond), To: ts[4].Add(-time.Nanosecond)},
		)
	}
	return out
}

// answer is one query and its result as JSON.
type answer struct{ query, json string }

// pages runs a list query once with no limit and again in pages of size,
// keyed by key; the pages together must equal the single answer.
func pages[T any](t *testing.T, what string, q func(model.Page) ([]T, error), key func(T) uint64, size int) []T {
	t.Helper()
	all, err := q(model.Page{})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var paged []T
	after := uint64(0)
	for i := 0; ; i++ {
		page, err := q(model.Page{After: after, Limit: size})
		if err != nil {
			t.Fatalf("%s, page after %d: %v", what, after, err)
		}
		paged = append(paged, page...)
		if len(page) < size || i > len(all) {
			break
		}
		after = key(page[len(page)-1])
	}
	if w, g := canonical(all), canonical(paged); w != g {
		t.Errorf("%s: pages of %d differ from one page: %s", what, size, explain(w, g))
	}
	return all
}

func seqOfAudit(r model.AuditRow) uint64           { return r.Seq }
func seqOfDisclosure(r model.DisclosureRow) uint64 { return r.Seq }
func seqOfRequest(r model.RequestRow) uint64       { return r.ReceivedSeq }
func seqOfFinding(f model.Finding) uint64          { return f.Seq }
func seqOfSubject(s *model.SubjectState) uint64    { return s.FirstSeq }

// answers asks r every query q enumerates, paging each list both in one
// page and in small pages.
func answers(t *testing.T, r model.Reader, q queries) []answer {
	t.Helper()
	ctx := t.Context()
	var out []answer
	add := func(query string, v any) { out = append(out, answer{query, canonical(v)}) }
	fail := func(query string, err error) { t.Fatalf("%s: %v", query, err) }

	for _, tn := range append(slices.Clone(q.tenants), "", "no-such-tenant") {
		quar, err := r.Quarantined(ctx, tn, model.Page{})
		if err != nil {
			fail("Quarantined "+tn, err)
		}
		add("Quarantined "+tn, quar)
		add("Quarantined "+tn+" in pages", pages(t, "Quarantined "+tn, func(p model.Page) ([]model.QuarantineRow, error) {
			return r.Quarantined(ctx, tn, p)
		}, func(q model.QuarantineRow) uint64 { return q.Seq }, 2))
	}
	sum, err := r.QuarantineSummary(ctx, 3)
	if err != nil {
		fail("QuarantineSummary", err)
	}
	add("QuarantineSummary", sum)
	for _, tn := range append(slices.Clone(q.tenants), "no-such-tenant") {
		ok, err := r.TenantExists(ctx, tn)
		if err != nil {
			fail("TenantExists "+tn, err)
		}
		add("TenantExists "+tn, ok)
		acts, err := r.Activities(ctx, tn)
		if err != nil {
			fail("Activities "+tn, err)
		}
		add("Activities "+tn, acts)
		profiles, err := r.Profiles(ctx, tn)
		if err != nil {
			fail("Profiles "+tn, err)
		}
		add("Profiles "+tn, profiles)
		obs, err := r.Observed(ctx, tn)
		if err != nil {
			fail("Observed "+tn, err)
		}
		add("Observed "+tn, obs)
		name := "SubjectsOf " + tn
		add(name, pages(t, name, func(p model.Page) ([]*model.SubjectState, error) { return r.SubjectsOf(ctx, tn, p) }, seqOfSubject, 7))

		for _, ref := range append([]string{""}, append(slices.Clone(q.subjects[tn]), "no-such-subject")...) {
			at := tn + "/" + ref
			if ref != "" {
				st, err := r.Subject(ctx, tn, ref)
				switch {
				case errors.Is(err, model.ErrNotFound):
					add("Subject "+at, "not found")
				case err != nil:
					fail("Subject "+at, err)
				default:
					add("Subject "+at, st)
				}
			}
			name := "History " + at
			add(name, pages(t, name, func(p model.Page) ([]model.AuditRow, error) { return r.History(ctx, tn, ref, p) }, seqOfAudit, 4))
			name = "Disclosures subject " + at
			add(name, pages(t, name, func(p model.Page) ([]model.DisclosureRow, error) {
				return r.Disclosures(ctx, model.DisclosureFilter{Tenant: tn, SubjectRef: ref}, p)
			}, seqOfDisclosure, 2))
			name = "ListRequests subject " + at
			add(name, pages(t, name, func(p model.Page) ([]model.RequestRow, error) {
				return r.ListRequests(ctx, model.RequestFilter{Tenant: tn, SubjectRef: ref}, p)
			}, seqOfRequest, 2))
			name = "Findings subject " + at
			add(name, pages(t, name, func(p model.Page) ([]model.Finding, error) {
				return r.Findings(ctx, model.FindingFilter{Tenant: tn, SubjectRef: ref}, p)
			}, seqOfFinding, 2))
		}

		for _, status := range []string{model.RequestOpen, model.RequestFulfilled, model.RequestDenied, "no-such-status"} {
			name := "ListRequests " + tn + " status " + status
			add(name, pages(t, name, func(p model.Page) ([]model.RequestRow, error) {
				return r.ListRequests(ctx, model.RequestFilter{Tenant: tn, Status: status}, p)
			}, seqOfRequest, 5))
		}
		for _, rule := range append(slices.Clone(state.Rules), "no-such-rule") {
			name := "Findings " + tn + " rule " + rule
			add(name, pages(t, name, func(p model.Page) ([]model.Finding, error) {
				return r.Findings(ctx, model.FindingFilter{Tenant: tn, Rule: rule}, p)
			}, seqOfFinding, 5))
		}

		disclosures := func(what string, f model.DisclosureFilter) {
			f.Tenant = tn
			name := "Disclosures " + tn + " " + what
			add(name, pages(t, name, func(p model.Page) ([]model.DisclosureRow, error) { return r.Disclosures(ctx, f, p) }, seqOfDisclosure, 9))
		}
		disclosures("all", model.DisclosureFilter{})
		for _, v := range q.recipients {
			disclosures("recipient "+v, model.DisclosureFilter{RecipientID: v})
		}
		for _, v := range q.kinds {
			disclosures("kind "+v, model.DisclosureFilter{RecipientKind: v})
		}
		for _, v := range q.categories {
			disclosures("category "+v, model.DisclosureFilter{Category: v})
		}
		for _, v := range q.purposes {
			disclosures("purpose "+v, model.DisclosureFilter{Purpose: v})
		}
		for _, v := range q.bases {
			disclosures("basis "+v, model.DisclosureFilter{LegalBasis: v})
		}
		for i, tr := range q.timeRanges() {
			disclosures(fmt.Sprintf("time range %d", i), model.DisclosureFilter{Time: tr})
			// Combined with other filters.
			disclosures(fmt.Sprintf("time range %d, recipient %s", i, q.recipients[i%len(q.recipients)]),
				model.DisclosureFilter{Time: tr, RecipientID: q.recipients[i%len(q.recipients)]})
			disclosures(fmt.Sprintf("time range %d, category %s, kind %s", i, q.categories[i%len(q.categories)], q.kinds[i%len(q.kinds)]),
				model.DisclosureFilter{Time: tr, Category: q.categories[i%len(q.categories)], RecipientKind: q.kinds[i%len(q.kinds)]})
		}
		for i, p := range q.purposes {
			disclosures(fmt.Sprintf("purpose %s, basis %s, category %s", p, q.bases[i%len(q.bases)], q.categories[i%len(q.categories)]),
				model.DisclosureFilter{Purpose: p, LegalBasis: q.bases[i%len(q.bases)], Category: q.categories[i%len(q.categories)]})
		}
	}
	return out
}

// sameAnswers compares two stores' answers query by query.
func sameAnswers(t *testing.T, wantName string, want []answer, gotName string, got []answer) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%s gave %d answers, %s %d", wantName, len(want), gotName, len(got))
	}
	bad := 0
	for i := range want {
		if want[i].query != got[i].query {
			t.Fatalf("answer %d: query %q vs %q", i, want[i].query, got[i].query)
		}
		if want[i].json != got[i].json {
			bad++
			if bad <= 15 {
				t.Errorf("%s: %s (want) and %s (got) differ: %s", want[i].query, wantName, gotName, explain(want[i].json, got[i].json))
			}
		}
	}
	if bad > 15 {
		t.Errorf("... %d answers of %d differ in all", bad, len(want))
	}
}

// nonEmpty counts the answers that are not empty lists, nulls or false.
func nonEmpty(as []answer) int {
	n := 0
	for _, a := range as {
		switch a.json {
		case "null", "[]", "false", `"not found"`:
		default:
			n++
		}
	}
	return n
}

// ---------------------------------------------------------------------------
// The reference: state.Replay over the same records.

// matchesReplay checks every answer of r against state.Replay of recs
// (want: Replay, got: the store).
func matchesReplay(t *testing.T, r model.Reader, recs []source.Record) {
	t.Helper()
	same := func(t *testing.T, what string, want, got any) {
		t.Helper()
		same(t, what+" (want: state.Replay, got: store)", want, got)
	}
	ctx := t.Context()
	res, err := state.Replay(recs, time.Time{})
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	q := queriesOf(recs)
	for _, tn := range q.tenants {
		// Subjects, one by one and all in FirstSeq order.
		var subjects []*model.SubjectState
		for _, st := range res.Subjects {
			if st.Tenant != tn {
				continue
			}
			subjects = append(subjects, st)
			got, err := r.Subject(ctx, tn, st.SubjectRef)
			if err != nil {
				t.Fatalf("Subject %s/%s: %v", tn, st.SubjectRef, err)
			}
			same(t, "Subject "+tn+"/"+st.SubjectRef, st, got)
		}
		got, err := r.SubjectsOf(ctx, tn, model.Page{})
		if err != nil {
			t.Fatal(err)
		}
		same(t, "SubjectsOf "+tn, subjects, got)

		// Every subject's history, and the controller-level events.
		history := map[string][]model.AuditRow{"": nil}
		for _, row := range res.Audit {
			if row.Tenant == tn {
				history[row.SubjectRef] = append(history[row.SubjectRef], row)
			}
		}
		for ref, want := range history {
			got, err := r.History(ctx, tn, ref, model.Page{})
			if err != nil {
				t.Fatal(err)
			}
			same(t, "History "+tn+"/"+ref, want, got)
		}

		var disclosures []model.DisclosureRow
		for _, d := range res.Disclosures {
			if d.Tenant == tn {
				disclosures = append(disclosures, d)
			}
		}
		gotD, err := r.Disclosures(ctx, model.DisclosureFilter{Tenant: tn}, model.Page{})
		if err != nil {
			t.Fatal(err)
		}
		same(t, "Disclosures "+tn, disclosures, gotD)

		var requests []model.RequestRow
		for _, rq := range res.Requests {
			if rq.Tenant == tn {
				requests = append(requests, *rq)
			}
		}
		gotR, err := r.ListRequests(ctx, model.RequestFilter{Tenant: tn}, model.Page{})
		if err != nil {
			t.Fatal(err)
		}
		same(t, "ListRequests "+tn, requests, gotR)

		var breaches []model.BreachRow
		for _, b := range res.Breaches {
			if b.Tenant == tn {
				breaches = append(breaches, *b)
			}
		}
		gotB, err := r.ListBreaches(ctx, tn, model.Page{})
		if err != nil {
			t.Fatal(err)
		}
		same(t, "ListBreaches "+tn, breaches, gotB)

		var activities []model.ActivityRow
		for _, a := range res.Activities {
			if a.Tenant == tn {
				activities = append(activities, a)
			}
		}
		gotA, err := r.Activities(ctx, tn)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "Activities "+tn, activities, gotA)

		var profiles []model.ProfileRow
		for _, p := range res.Profiles {
			if p.Tenant == tn {
				profiles = append(profiles, p)
			}
		}
		gotP, err := r.Profiles(ctx, tn)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "Profiles "+tn, profiles, gotP)

		// Stores list observed rows by (Kind, Key), byte order.
		var observed []model.ObservedRow
		for _, o := range res.Observed {
			if o.Tenant == tn {
				observed = append(observed, o)
			}
		}
		slices.SortFunc(observed, func(a, b model.ObservedRow) int {
			return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Key, b.Key))
		})
		gotO, err := r.Observed(ctx, tn)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "Observed "+tn, observed, gotO)

		// Stores hold the event-time findings (Seq > 0); Replay adds the
		// time-based ones at the end of the stream, which a store computes
		// at query time.
		var findings []model.Finding
		for _, f := range res.Findings {
			if f.Tenant == tn && f.Seq != 0 {
				findings = append(findings, f)
			}
		}
		slices.SortStableFunc(findings, func(a, b model.Finding) int {
			return cmp.Or(cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.ID, b.ID))
		})
		gotF, err := r.Findings(ctx, model.FindingFilter{Tenant: tn}, model.Page{})
		if err != nil {
			t.Fatal(err)
		}
		// The projector's findings about quarantined messages are not
		// Replay's: TestQuarantine checks them.
		gotF = slices.DeleteFunc(gotF, func(f model.Finding) bool { return f.Rule == state.RuleUnprojectable })
		same(t, "Findings "+tn, findings, gotF)
	}
}

// Partition passes a partitioned projector's request on to the store.
func (s *onceStore) Partition(ctx context.Context, part, parts int) (model.Store, error) {
	ps, ok := s.Store.(model.Partitioner)
	if !ok {
		return nil, errors.New("the store cannot be partitioned")
	}
	return ps.Partition(ctx, part, parts)
}
