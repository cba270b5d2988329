package demo_test

import (
	"crypto/sha256"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/taxonomy"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/demo"
	"google.golang.org/protobuf/proto"
)

func generate(t *testing.T, cfg demo.Config) *demo.Dataset {
	t.Helper()
	ds, err := demo.Generate(cfg)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return ds
}

// digest hashes the deterministic encoding of every event, in order.
func digest(t *testing.T, evs []*eventsv1.Event) [32]byte {
	t.Helper()
	h := sha256.New()
	opts := proto.MarshalOptions{Deterministic: true}
	for _, ev := range evs {
		b, err := opts.Marshal(ev)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		h.Write(b)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func TestDeterministic(t *testing.T) {
	a := generate(t, demo.Config{})
	b := generate(t, demo.Config{})
	if len(a.Events) != len(b.Events) {
		t.Fatalf("event counts differ: %d and %d", len(a.Events), len(b.Events))
	}
	for i := range a.Events {
		if !proto.Equal(a.Events[i], b.Events[i]) {
			t.Fatalf("event %d differs between two runs", i)
		}
	}
	if digest(t, a.Events) != digest(t, b.Events) {
		t.Fatal("marshaled bytes differ between two runs")
	}
	if len(a.Planted) != len(b.Planted) {
		t.Fatal("planted problems differ between two runs")
	}
	for i := range a.Planted {
		if strings.Join(a.Planted[i].EventIDs, ",") != strings.Join(b.Planted[i].EventIDs, ",") {
			t.Fatalf("planted problem %d differs between two runs", i)
		}
	}

	// The zero Config is the documented defaults, and another seed gives
	// another data set.
	c := generate(t, demo.Config{Seed: demo.DefaultSeed, Subjects: demo.DefaultSubjects, Tenant: demo.DefaultTenant,
		Start: demo.DefaultStart, Source: demo.DefaultSource})
	if digest(t, c.Events) != digest(t, a.Events) {
		t.Fatal("the zero Config and the explicit defaults give different data sets")
	}
	d := generate(t, demo.Config{Seed: 2, Subjects: 100})
	if d.Events[len(d.Events)-1].GetEventId() == a.Events[len(a.Events)-1].GetEventId() {
		t.Fatal("seed 2 gives the same events as seed 1")
	}
}

func TestCountsAndOrder(t *testing.T) {
	ds := generate(t, demo.Config{})
	if len(ds.Events) < 20000 {
		t.Errorf("%d events, want at least 20000", len(ds.Events))
	}
	subjects := map[string]bool{}
	ids := map[string]bool{}
	var prev time.Time
	controllerDone := false
	for i, ev := range ds.Events {
		if ref := ev.GetSubjectRef(); ref != "" {
			subjects[ref] = true
			controllerDone = true
		} else if !controllerDone && ev.GetProcessingActivityDeclared() == nil && ev.GetNoticePublished() == nil && ev.GetControllerProfileDeclared() == nil {
			t.Errorf("event %d: %s before the first subject event", i, events.TypeName(ev))
		}
		id := ev.GetEventId()
		if ids[id] {
			t.Fatalf("event %d: duplicate event id", i)
		}
		ids[id] = true
		at := ev.GetOccurredAt().AsTime()
		if at.Before(prev) {
			t.Fatalf("event %d: occurred_at goes backwards", i)
		}
		prev = at
		if ms := uuidMillis(t, id); ms != at.UnixMilli() {
			t.Fatalf("event %d: UUIDv7 timestamp %d is not occurred_at %d", i, ms, at.UnixMilli())
		}
		if c := ev.GetCausationId(); c != "" && !ids[c] {
			t.Fatalf("event %d: causation id refers to no earlier event", i)
		}
	}
	if len(subjects) < 1000 {
		t.Errorf("%d subjects, want at least 1000", len(subjects))
	}
	first, last := ds.Events[0].GetOccurredAt().AsTime(), prev
	if span := last.Sub(first); span < 330*24*time.Hour || span > 366*24*time.Hour {
		t.Errorf("data set spans %v, want about a year", span)
	}
	t.Logf("%d subjects, %d events", len(subjects), len(ds.Events))
}

var uuid7RE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// uuidMillis checks that id is a canonical UUIDv7 and returns its timestamp.
func uuidMillis(t *testing.T, id string) int64 {
	t.Helper()
	if !uuid7RE.MatchString(id) {
		t.Fatalf("event id %q is not a canonical UUIDv7", id)
	}
	hexMS := strings.ReplaceAll(id[:13], "-", "")
	var ms int64
	for _, c := range hexMS {
		ms <<= 4
		switch {
		case c >= '0' && c <= '9':
			ms |= int64(c - '0')
		default:
			ms |= int64(c-'a') + 10
		}
	}
	return ms
}

func TestEveryEventValid(t *testing.T) {
	ds := generate(t, demo.Config{})
	bad := 0
	for i, ev := range ds.Events {
		if err := events.Validate(ev); err != nil {
			t.Errorf("event %d (%s): %v", i, events.TypeName(ev), err)
			if bad++; bad > 20 {
				t.Fatal("too many invalid events")
			}
		}
	}
}

func TestPlanted(t *testing.T) {
	ds := generate(t, demo.Config{})
	ids := map[string]bool{}
	for _, ev := range ds.Events {
		ids[ev.GetEventId()] = true
	}
	perRule := map[string]int{}
	for _, p := range ds.Planted {
		if len(p.EventIDs) == 0 || p.Note == "" {
			t.Errorf("planted %s has no event ids or no note", p.Rule)
		}
		for _, id := range p.EventIDs {
			if !ids[id] {
				t.Errorf("planted %s names event %s, which is not in the data set", p.Rule, id)
			}
		}
		perRule[p.Rule]++
	}
	for _, r := range demo.Rules {
		if perRule[r] == 0 {
			t.Errorf("no problem planted for rule %s", r)
		}
		t.Logf("%-45s %d", r, perRule[r])
	}
}

// docketdOnly are the events docketd itself records (exports, its Art. 19
// saga's notices due) or staff record through it (waivers, erasure
// exemptions), never the company's services: the demo does not make them
// up.
var docketdOnly = map[string]bool{"subject_data_exported": true, "recipient_notification_due": true,
	"recipient_notification_waived": true, "erasure_exemption_recorded": true}

func TestEveryPayloadType(t *testing.T) {
	ds := generate(t, demo.Config{})
	seen := map[string]int{}
	for _, ev := range ds.Events {
		seen[events.PayloadField(ev)]++
	}
	oneof := (&eventsv1.Event{}).ProtoReflect().Descriptor().Oneofs().ByName("payload")
	fields := oneof.Fields()
	for i := 0; i < fields.Len(); i++ {
		name := string(fields.Get(i).Name())
		if docketdOnly[name] {
			continue
		}
		if seen[name] == 0 {
			t.Errorf("no %s event", name)
		}
		t.Logf("%-35s %6d", name, seen[name])
	}
	if seen[""] != 0 {
		t.Errorf("%d events without a payload", seen[""])
	}
}

// Email addresses must use the reserved example domains only; URLs in
// notices use subdomains of them.
var emailRE = regexp.MustCompile(`[A-Za-z0-9._%+-]+@([A-Za-z0-9.-]+)`)

func TestOnlyExampleDomains(t *testing.T) {
	ds := generate(t, demo.Config{})
	allowed := map[string]bool{"example.com": true, "example.org": true, "example.net": true}
	n := 0
	for i, ev := range ds.Events {
		for _, v := range events.Values(ev) {
			pt := v.Value.GetPlaintext()
			if pt == "" {
				t.Fatalf("event %d %s: no plaintext", i, v.Path())
			}
			for _, m := range emailRE.FindAllStringSubmatch(pt, -1) {
				n++
				if !allowed[strings.ToLower(m[1])] {
					t.Errorf("event %d %s: email domain %q is not a reserved example domain", i, v.Path(), m[1])
				}
			}
		}
	}
	if n == 0 {
		t.Error("no email address in the data set")
	}
}

func TestSmallAndCustomConfig(t *testing.T) {
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	ds := generate(t, demo.Config{Seed: 7, Subjects: 50, Tenant: "acme-test", Start: start, Source: "loader-2"})
	for i, ev := range ds.Events {
		if ev.GetTenant() != "acme-test" || ev.GetSource() != "loader-2" {
			t.Fatalf("event %d: tenant or source not taken from Config", i)
		}
		if ev.GetOccurredAt().AsTime().Before(start) {
			t.Fatalf("event %d: before Start", i)
		}
		if err := events.Validate(ev); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	if _, err := demo.Generate(demo.Config{Tenant: "not a token"}); err == nil {
		t.Error("Generate accepted a tenant that is not a NATS token")
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := demo.Generate(demo.Config{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestOnlyPlantedProblems replays the data set through a plain reading of each
// rule and checks that what it flags is exactly the planted problems: the
// simulation itself breaks none of the rules.
func TestOnlyPlantedProblems(t *testing.T) {
	ds := generate(t, demo.Config{})
	flagged := findProblems(ds.Events)

	planted := map[string]map[string]bool{}
	for _, p := range ds.Planted {
		if planted[p.Rule] == nil {
			planted[p.Rule] = map[string]bool{}
		}
		hit := false
		for _, id := range p.EventIDs {
			planted[p.Rule][id] = true
			hit = hit || flagged[p.Rule][id]
		}
		if !hit {
			t.Errorf("planted %s (%s) is not flagged by the reference rule", p.Rule, p.Note)
		}
	}
	for _, r := range demo.Rules {
		for id := range flagged[r] {
			if !planted[r][id] {
				t.Errorf("rule %s flags event %s, which was not planted", r, id)
			}
		}
	}
}

// findProblems flags, per rule, the ids of the events that break it.
func findProblems(evs []*eventsv1.Event) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	flag := func(rule, id string) {
		if out[rule] == nil {
			out[rule] = map[string]bool{}
		}
		out[rule][id] = true
	}
	type subj struct {
		withdrawn    map[string]bool
		restrictions map[string][]string
		objected     map[string]bool
		child        bool
		bornBy       time.Time       // by the oldest age band given; zero: none
		parental     map[string]bool // consent given, by purpose: with parental authorisation
		consented    map[string]bool
		shredded     bool
		collections  map[string][]*eventsv1.Event // activity -> collections not yet expired
	}
	subjects := map[string]*subj{}
	get := func(ref string) *subj {
		s := subjects[ref]
		if s == nil {
			s = &subj{withdrawn: map[string]bool{}, restrictions: map[string][]string{}, objected: map[string]bool{},
				collections: map[string][]*eventsv1.Event{}, parental: map[string]bool{}, consented: map[string]bool{}}
			subjects[ref] = s
		}
		return s
	}
	declared := map[string]bool{}
	activities := map[string]*eventsv1.ProcessingActivity{} // as last declared: the stream is in occurred_at order
	// recipients are the declared recipients by id, as last declared per
	// activity.
	recipients := func(id string) []*eventsv1.Recipient {
		var out []*eventsv1.Recipient
		for _, a := range activities {
			for _, r := range a.GetRecipients() {
				if r.GetId() == id {
					out = append(out, r)
				}
			}
		}
		return out
	}
	// adequate: the third countries with an Art. 45 decision in force for
	// any importer throughout the demo's year (2025): the United Kingdom's
	// runs from 28 June 2021, Switzerland's and Japan's long before; the
	// United States' (from 10 July 2023) holds only for an importer certified
	// under the Data Privacy Framework (dpf_certified).
	adequate := func(r *eventsv1.Recipient) bool {
		return map[string]bool{"GB": true, "CH": true, "JP": true}[r.GetCountry()] || r.GetCountry() == "US" && r.GetDpfCertified()
	}
	retentionDays := map[string]int{}
	type req struct {
		received *eventsv1.Event
		deadline time.Time // late from this instant on
		zone     *time.Location
		extended bool
		closed   bool
	}
	requests := map[string]*req{}
	var end time.Time
	// The controller's profile: deadlines end in its zone; its age of
	// digital consent is its member state's (the demo's is Irish: 16).
	zone, consentAge := time.UTC, 16
	// ageAt is the least age a band shows at t: its lower bound plus the
	// whole years since; -1 without a band.
	floors := map[eventsv1.AgeBand]int{eventsv1.AgeBand_AGE_BAND_UNDER_13: 0, eventsv1.AgeBand_AGE_BAND_13: 13,
		eventsv1.AgeBand_AGE_BAND_14: 14, eventsv1.AgeBand_AGE_BAND_15: 15, eventsv1.AgeBand_AGE_BAND_16_TO_17: 16, eventsv1.AgeBand_AGE_BAND_ADULT: 18}
	ageAt := func(s *subj, t time.Time) int {
		if s.bornBy.IsZero() {
			return -1
		}
		y := t.Year() - s.bornBy.Year()
		if s.bornBy.AddDate(y, 0, 0).After(t) {
			y--
		}
		return y
	}
	childUnder := func(s *subj, t time.Time, limit int) bool {
		a := ageAt(s, t)
		return s.child || (a >= 0 && a < limit)
	}
	// Marketing to a subject under 18 is a problem unless it rests on
	// consent that Art. 8 makes valid (a parent's under the age of digital
	// consent).
	marketing := func(ev *eventsv1.Event, s *subj, purposes []string, basis eventsv1.LegalBasis) {
		at := ev.GetOccurredAt().AsTime()
		if !childUnder(s, at, 18) {
			return
		}
		for _, p := range purposes {
			if p != "marketing" && !strings.HasPrefix(p, "marketing.") {
				continue
			}
			ok := basis == eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT && s.consented[p] && !s.withdrawn[p] &&
				(s.parental[p] || !childUnder(s, at, consentAge))
			if !ok {
				flag(demo.RuleChildTargeted, ev.GetEventId())
			}
		}
	}

	// Processing on consent needs a consent given for the purpose (the
	// demo's consents name the very purposes processed).
	withoutConsent := func(ev *eventsv1.Event, s *subj, purposes []string, basis eventsv1.LegalBasis) {
		if basis != eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT {
			return
		}
		for _, p := range purposes {
			if !s.consented[p] {
				flag(demo.RuleWithoutConsent, ev.GetEventId())
			}
		}
	}
	processing := func(ev *eventsv1.Event, s *subj, purposes []string) {
		for _, p := range purposes {
			if s.withdrawn[p] {
				flag(demo.RuleAfterConsentWithdrawn, ev.GetEventId())
			}
			if s.objected[p] {
				flag(demo.RuleAfterObjection, ev.GetEventId())
			}
			for _, rp := range s.restrictions {
				if len(rp) == 0 || containsString(rp, p) {
					flag(demo.RuleDuringRestriction, ev.GetEventId())
				}
			}
		}
		if s.shredded {
			flag(demo.RuleAfterErasure, ev.GetEventId())
		}
	}
	// A declared key covers itself and the keys below it.
	covered := func(declared []string, key string) bool {
		for _, d := range declared {
			if key == d || strings.HasPrefix(key, d+".") {
				return true
			}
		}
		return false
	}
	// The demo relies on no Art. 9(2)(a) consent: a special category's
	// condition is its activity's or a problem.
	limitation := func(ev *eventsv1.Event, activity string, categories, purposes []string, basis, condition eventsv1.LegalBasis) {
		if activity == "" {
			return
		}
		a := activities[activity]
		special := false
		for _, c := range categories {
			special = special || taxonomy.IsSpecialCategory(c)
		}
		if special && (a == nil || a.GetSpecialCategoryCondition() != condition) {
			flag(demo.RuleSpecialCategory, ev.GetEventId())
		}
		if a == nil {
			flag(demo.RuleUndeclaredActivity, ev.GetEventId())
			return
		}
		outside := basis != a.GetLegalBasis()
		for _, c := range categories {
			outside = outside || !covered(a.GetDataCategories(), c)
		}
		for _, p := range purposes {
			outside = outside || !covered(a.GetPurposes(), p)
		}
		if u := ev.GetDataProcessed(); u != nil {
			outside = outside || u.GetProfiling() && !a.GetProfiling() || u.GetAutomatedDecision() > a.GetAutomatedDecision()
		}
		if outside {
			flag(demo.RuleOutsideActivity, ev.GetEventId())
		}
	}
	// Art. 10: criminal-offence data needs a basis on the event or its
	// activity.
	criminal := func(ev *eventsv1.Event, activity string, categories []string, basis eventsv1.CriminalDataBasis) {
		if !slices.Contains(categories, "user.criminal_history") || basis != 0 || activities[activity].GetCriminalDataBasis() != 0 {
			return
		}
		flag(demo.RuleCriminalData, ev.GetEventId())
	}
	for _, ev := range evs {
		at := ev.GetOccurredAt().AsTime()
		end = at
		s := get(ev.GetSubjectRef())
		switch p := ev.GetPayload().(type) {
		case *eventsv1.Event_ProcessingActivityDeclared, *eventsv1.Event_ProcessingActivityAmended:
			a := ev.GetProcessingActivityDeclared().GetActivity()
			if a == nil {
				a = ev.GetProcessingActivityAmended().GetActivity()
			}
			activities[a.GetActivityId()] = a
			for _, r := range a.GetRecipients() {
				declared[r.GetId()] = true
			}
			if a.GetRetention().GetTrigger() == "collection" {
				retentionDays[a.GetActivityId()] = int(a.GetRetention().GetDays())
			}
		case *eventsv1.Event_ControllerProfileDeclared:
			if l, err := time.LoadLocation(p.ControllerProfileDeclared.GetProfile().GetTimeZone()); err == nil {
				zone = l
			}
			if p.ControllerProfileDeclared.GetProfile().GetMemberState() != "IE" {
				panic("the oracle knows Ireland's age of digital consent only")
			}
		case *eventsv1.Event_DataCollected:
			if p.DataCollected.GetSubjectIsChild() {
				s.child = true
			}
			if f, ok := floors[p.DataCollected.GetAgeBand()]; ok {
				if b := at.AddDate(-f, 0, 0); s.bornBy.IsZero() || b.Before(s.bornBy) {
					s.bornBy = b
				}
			}
			marketing(ev, s, p.DataCollected.GetPurposes(), p.DataCollected.GetLegalBasis())
			processing(ev, s, p.DataCollected.GetPurposes())
			withoutConsent(ev, s, p.DataCollected.GetPurposes(), p.DataCollected.GetLegalBasis())
			limitation(ev, p.DataCollected.GetActivityId(), p.DataCollected.GetCategories(), p.DataCollected.GetPurposes(), p.DataCollected.GetLegalBasis(), p.DataCollected.GetSpecialCategoryCondition())
			criminal(ev, p.DataCollected.GetActivityId(), p.DataCollected.GetCategories(), p.DataCollected.GetCriminalDataBasis())
			if retentionDays[p.DataCollected.GetActivityId()] > 0 {
				s.collections[p.DataCollected.GetActivityId()] = append(s.collections[p.DataCollected.GetActivityId()], ev)
			}
		case *eventsv1.Event_DisclosureMade:
			r := p.DisclosureMade.GetRecipient()
			if !declared[r.GetId()] {
				flag(demo.RuleUndeclaredRecipient, ev.GetEventId())
			}
			if r.GetTransferMechanism() == eventsv1.TransferMechanism_TRANSFER_MECHANISM_ADEQUACY_DECISION && !adequate(r) {
				flag(demo.RuleTransferWithoutGround, ev.GetEventId())
			}
			// The demo relies on no Art. 49(1)(a) consent: a derogation is
			// taken at its word.
			if ds := recipients(r.GetId()); len(ds) > 0 && !slices.ContainsFunc(ds, func(d *eventsv1.Recipient) bool {
				return d.GetKind() == r.GetKind() && d.GetCountry() == r.GetCountry() && d.GetTransferMechanism() == r.GetTransferMechanism() &&
					d.GetArt49Derogation() == r.GetArt49Derogation() && d.GetDpfCertified() == r.GetDpfCertified()
			}) {
				flag(demo.RuleRecipientNotAsDeclared, ev.GetEventId())
			}
			processing(ev, s, []string{p.DisclosureMade.GetPurpose()})
			withoutConsent(ev, s, []string{p.DisclosureMade.GetPurpose()}, p.DisclosureMade.GetLegalBasis())
			marketing(ev, s, []string{p.DisclosureMade.GetPurpose()}, p.DisclosureMade.GetLegalBasis())
			m := p.DisclosureMade
			limitation(ev, m.GetActivityId(), m.GetCategories(), []string{m.GetPurpose()}, m.GetLegalBasis(), m.GetSpecialCategoryCondition())
			criminal(ev, m.GetActivityId(), m.GetCategories(), m.GetCriminalDataBasis())
		case *eventsv1.Event_DataProcessed:
			m := p.DataProcessed
			processing(ev, s, m.GetPurposes())
			withoutConsent(ev, s, m.GetPurposes(), m.GetLegalBasis())
			limitation(ev, m.GetActivityId(), m.GetCategories(), m.GetPurposes(), m.GetLegalBasis(), m.GetSpecialCategoryCondition())
			criminal(ev, m.GetActivityId(), m.GetCategories(), m.GetCriminalDataBasis())
			// Art. 22: the demo's decisions use no special categories.
			if m.GetAutomatedDecision() == eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT && m.GetArt22Exception() == 0 {
				flag(demo.RuleAutomatedDecision, ev.GetEventId())
			}
		case *eventsv1.Event_ConsentGiven:
			delete(s.withdrawn, p.ConsentGiven.GetPurpose())
			s.consented[p.ConsentGiven.GetPurpose()] = true
			s.parental[p.ConsentGiven.GetPurpose()] = p.ConsentGiven.GetParentalAuthorization() != nil
			if childUnder(s, at, consentAge) && p.ConsentGiven.GetParentalAuthorization() == nil {
				flag(demo.RuleChildWithoutParent, ev.GetEventId())
			}
		case *eventsv1.Event_ConsentWithdrawn:
			s.withdrawn[p.ConsentWithdrawn.GetPurpose()] = true
		case *eventsv1.Event_RestrictionApplied:
			s.restrictions[p.RestrictionApplied.GetRestrictionId()] = p.RestrictionApplied.GetPurposes()
		case *eventsv1.Event_RestrictionLifted:
			delete(s.restrictions, p.RestrictionLifted.GetRestrictionId())
		case *eventsv1.Event_ObjectionRecorded:
			for _, pu := range p.ObjectionRecorded.GetPurposes() {
				s.objected[pu] = true
			}
		case *eventsv1.Event_ObjectionOverridden:
			// Art. 21(1): the controller's compelling grounds; the demo
			// overrides objections to the very purposes objected to.
			for _, pu := range p.ObjectionOverridden.GetPurposes() {
				delete(s.objected, pu)
			}
		case *eventsv1.Event_SubjectKeyShredded:
			s.shredded = true
			for a, cs := range s.collections {
				for _, c := range cs {
					if at.After(c.GetOccurredAt().AsTime().AddDate(0, 0, retentionDays[a])) {
						flag(demo.RuleRetentionExceeded, c.GetEventId())
					}
				}
			}
			s.collections = map[string][]*eventsv1.Event{}
		case *eventsv1.Event_RetentionExpired:
			a := p.RetentionExpired.GetActivityId()
			for _, c := range s.collections[a] {
				due := c.GetOccurredAt().AsTime().AddDate(0, 0, retentionDays[a])
				if at.After(due) {
					flag(demo.RuleRetentionExceeded, c.GetEventId())
				}
			}
			delete(s.collections, a)
		case *eventsv1.Event_RightsRequestReceived:
			requests[p.RightsRequestReceived.GetRequestId()] = &req{received: ev, deadline: lateFrom(at, 1, zone), zone: zone}
		case *eventsv1.Event_RightsRequestDeadlineExtended:
			r := requests[p.RightsRequestDeadlineExtended.GetRequestId()]
			if r.extended || !at.Before(lateFrom(r.received.GetOccurredAt().AsTime(), 1, r.zone)) {
				flag(demo.RuleExtensionNotCounted, ev.GetEventId())
				break
			}
			r.extended = true
			r.deadline = lateFrom(r.received.GetOccurredAt().AsTime(), 1+int(p.RightsRequestDeadlineExtended.GetMonths()), r.zone)
		case *eventsv1.Event_RightsRequestFulfilled, *eventsv1.Event_RightsRequestDenied:
			if d := ev.GetRightsRequestDenied(); d != nil && !d.GetRemediesGiven() {
				flag(demo.RuleDenialWithoutRemedies, ev.GetEventId())
			}
			id := ev.GetRightsRequestFulfilled().GetRequestId() + ev.GetRightsRequestDenied().GetRequestId()
			if r := requests[id]; r != nil {
				r.closed = true
				if !at.Before(r.deadline) {
					flag(demo.RuleRequestPastDeadline, r.received.GetEventId())
				}
			}
		default:
			// exhaustive: this oracle models only the events the demo's
			// finding rules read.
		}
	}
	for _, r := range requests {
		if !r.closed && !end.Before(r.deadline) {
			flag(demo.RuleRequestPastDeadline, r.received.GetEventId())
		}
	}
	for _, s := range subjects {
		for a, cs := range s.collections {
			for _, c := range cs {
				if end.After(c.GetOccurredAt().AsTime().AddDate(0, 0, retentionDays[a])) {
					flag(demo.RuleRetentionExceeded, c.GetEventId())
				}
			}
		}
	}
	breachProblems(evs, end, flag)
	return out
}

// breachProblems is a plain reading of the two breach rules at end: Art.
// 33(1), a breach whose risk 72 hours after awareness is not "none" must be
// notified to the authority within them, or with a reason for the delay;
// Art. 34(1), once the risk is high, the subjects are told (or an Art.
// 34(3) exception recorded) within 72 hours, unless it stops being high
// by then. The demo records every breach's steps in time order.
func breachProblems(evs []*eventsv1.Event, end time.Time, flag func(rule, id string)) {
	type step struct {
		at   time.Time
		risk string
		id   string
	}
	type breach struct {
		recorded     *eventsv1.Event
		detected     time.Time
		risks        []step
		notified     *time.Time
		withReason   bool
		notifiedID   string
		toldOrExempt *time.Time
	}
	var order []string
	bs := map[string]*breach{}
	get := func(id string) *breach {
		if bs[id] == nil {
			bs[id] = &breach{}
			order = append(order, id)
		}
		return bs[id]
	}
	told := func(b *breach, at time.Time) {
		if b.toldOrExempt == nil {
			b.toldOrExempt = &at
		}
	}
	for _, ev := range evs {
		at := ev.GetOccurredAt().AsTime()
		switch p := ev.GetPayload().(type) {
		case *eventsv1.Event_BreachRecorded:
			b := get(p.BreachRecorded.GetBreachId())
			b.recorded, b.detected = ev, p.BreachRecorded.GetDetectedAt().AsTime()
			b.risks = append(b.risks, step{b.detected, p.BreachRecorded.GetRisk(), ev.GetEventId()})
			if n := p.BreachRecorded.GetAuthorityNotifiedAt(); n != nil && b.notified == nil {
				t := n.AsTime()
				b.notified, b.notifiedID = &t, ev.GetEventId()
			}
		case *eventsv1.Event_BreachRiskAssessed:
			b := get(p.BreachRiskAssessed.GetBreachId())
			b.risks = append(b.risks, step{at, p.BreachRiskAssessed.GetRisk(), ev.GetEventId()})
		case *eventsv1.Event_BreachAuthorityNotified:
			if b := get(p.BreachAuthorityNotified.GetBreachId()); b.notified == nil {
				b.notified, b.notifiedID, b.withReason = &at, ev.GetEventId(), p.BreachAuthorityNotified.GetDelayReason() != ""
			}
		case *eventsv1.Event_BreachSubjectsNotified:
			told(get(p.BreachSubjectsNotified.GetBreachId()), at)
		case *eventsv1.Event_BreachSubjectNotificationExempted:
			told(get(p.BreachSubjectNotificationExempted.GetBreachId()), at)
		default:
			// exhaustive: the other events are no steps of a breach.
		}
	}
	riskAt := func(b *breach, t time.Time) string {
		r := ""
		for _, s := range b.risks {
			if !s.at.After(t) {
				r = s.risk
			}
		}
		return r
	}
	for _, id := range order {
		b := bs[id]
		if b.recorded != nil {
			due := b.detected.Add(72 * time.Hour)
			if riskAt(b, due) != "none" && (b.notified == nil && end.After(due) || b.notified != nil && b.notified.After(due) && !b.withReason) {
				flag(demo.RuleBreachNotifiedLate, b.recorded.GetEventId())
			}
		}
		for i, s := range b.risks {
			if s.risk != "high" || i > 0 && b.risks[i-1].risk == "high" {
				continue
			}
			bound := s.at.Add(72 * time.Hour)
			if bound.After(end) || riskAt(b, bound) != "high" {
				continue
			}
			if b.toldOrExempt == nil || b.toldOrExempt.After(bound) {
				flag(demo.RuleBreachNotInformed, s.id)
			}
			break
		}
	}
}

// lateFrom is when a request received at received is late after months
// months: the start of the day after the day, months later, bearing the
// date of receipt (or the last day of a shorter month), in the
// controller's zone.
func lateFrom(received time.Time, months int, zone *time.Location) time.Time {
	y, m, d := received.In(zone).Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, zone)
	if last := first.AddDate(0, 1, -1).Day(); d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d+1, 0, 0, 0, 0, zone)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
