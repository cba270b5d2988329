// Package demo generates a deterministic demo data set for Docket: a year of
// personal-data processing at Harbourline Backup Ltd, a fictional maker of
// backup software, with a handful of compliance problems planted on purpose.
//
// Every value in it is invented. The same Config always gives byte-identical
// events, event ids included (UUIDv7 whose random bits come from the seeded
// generator), so loading the data set twice stores it once.
//
// Every event is valid (events.Validate). The planted problems (Dataset.Planted)
// are the only events that break the rules listed in Rules: the tests
// replay the data set through a plain reading of each rule to prove it. Two
// readings matter: a rights request's deadline is the end of the day, in
// the company's zone (its controller profile: Europe/Dublin), one month
// from receipt, plus the months of the first extension when it
// is recorded within that month (a later or a second extension does not
// count, and is itself a finding); every activity declares a time limit and
// the event that starts it: collection (web-enquiries and web-analytics run
// out within the data set; fraud-and-claims, product-telemetry, staff-vetting, support and
// the rest keep data longer than it runs), consent withdrawn (newsletter: 30
// days after the unsubscription), objection (product updates, which collect
// nothing), or the end of the relationship (a RelationshipEnded when an
// account closes: card details 90 days later, the account a year, invoices
// six years); the retention job's RetentionExpired of an activity, or the
// shredding of the subject's keys, ends the data collected before it. No
// demo event raises retention_without_time_limit: Validate refuses the
// declarations that would.
package demo

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/docketledger/docket/events/taxonomy"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Config selects a data set. The zero value gives the default one.
type Config struct {
	// Seed of the generator; 0 means 1.
	Seed int64
	// Number of data subjects; 0 means 1200.
	Subjects int
	// Tenant token; "" means "harbourline".
	Tenant string
	// Start of the year the data set spans; zero means 2025-01-06T09:00:00Z.
	Start time.Time
	// Source of every event; "" means "demo-loader".
	Source string
}

// Planted is a compliance problem put into the data set on purpose: the
// events are valid, but a finding named Rule should flag them.
type Planted struct {
	Rule     string
	EventIDs []string
	Note     string
}

// Dataset is a generated data set: events in stream order, and the problems
// planted in them.
type Dataset struct {
	Events  []*eventsv1.Event
	Planted []Planted
}

// Defaults of Config.
const (
	DefaultSeed     = 1
	DefaultSubjects = 1200
	DefaultTenant   = "harbourline"
	DefaultSource   = "demo-loader"
)

// DefaultStart is the default start of the data set.
var DefaultStart = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)

// Span is how long the data set runs from Start.
const Span = 365 * 24 * time.Hour

const day = 24 * time.Hour

// Rules of the planted problems.
const (
	RuleAfterConsentWithdrawn  = "processing_after_consent_withdrawn"
	RuleWithoutConsent         = "processing_without_consent"
	RuleUndeclaredRecipient    = "disclosure_to_undeclared_recipient"
	RuleDuringRestriction      = "processing_during_restriction"
	RuleAfterObjection         = "processing_after_objection"
	RuleChildWithoutParent     = "child_data_without_parental_authorization"
	RuleRequestPastDeadline    = "rights_request_past_deadline"
	RuleRetentionExceeded      = "retention_exceeded"
	RuleAfterErasure           = "processing_after_erasure"
	RuleExtensionNotCounted    = "deadline_extension_not_counted"
	RuleSpecialCategory        = "special_category_without_condition"
	RuleUndeclaredActivity     = "processing_under_undeclared_activity"
	RuleOutsideActivity        = "processing_outside_declared_activity"
	RuleTransferWithoutGround  = "transfer_without_chapter_v_ground"
	RuleRecipientNotAsDeclared = "disclosure_to_recipient_not_as_declared"
	RuleAutomatedDecision      = "automated_decision_without_art22_exception"
	RuleCriminalData           = "criminal_data_without_art10_basis"
	RuleChildTargeted          = "child_profiled_or_targeted"
	RuleDenialWithoutRemedies  = "denial_without_remedies_info"
	RuleBreachNotifiedLate     = "breach_notified_late"
	RuleBreachNotInformed      = "breach_subjects_not_informed"
)

// Rules lists every rule Generate plants, in a fixed order.
var Rules = []string{
	RuleAfterConsentWithdrawn, RuleUndeclaredRecipient, RuleDuringRestriction, RuleAfterObjection,
	RuleChildWithoutParent, RuleRequestPastDeadline, RuleRetentionExceeded, RuleAfterErasure,
	RuleExtensionNotCounted, RuleSpecialCategory, RuleUndeclaredActivity, RuleOutsideActivity,
	RuleTransferWithoutGround, RuleRecipientNotAsDeclared, RuleAutomatedDecision, RuleCriminalData,
	RuleChildTargeted, RuleDenialWithoutRemedies, RuleBreachNotifiedLate, RuleBreachNotInformed,
	RuleWithoutConsent,
}

// gen holds what every subject's simulation shares.
type gen struct {
	cfg       Config
	start     time.Time
	end       time.Time
	amendAt   time.Time   // catalogue amendment and cookie notice 2025-07
	campaigns []time.Time // newsletter issues
	releases  []time.Time // product update emails
	quarters  []time.Time // hand-overs to the tax advisers
	// declaredBy is the event id of each activity's first declaration.
	declaredBy map[string]string
}

func (c Config) withDefaults() (Config, error) {
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	if c.Subjects == 0 {
		c.Subjects = DefaultSubjects
	}
	if c.Subjects < 0 {
		return c, errors.New("demo: Subjects is negative")
	}
	if c.Tenant == "" {
		c.Tenant = DefaultTenant
	}
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	c.Start = c.Start.UTC().Truncate(time.Second)
	if c.Source == "" {
		c.Source = DefaultSource
	}
	if !isToken(c.Tenant) {
		return c, fmt.Errorf("demo: tenant must be 1 to 64 characters of [A-Za-z0-9_-]")
	}
	return c, nil
}

func isToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Generate builds the data set cfg selects. It is deterministic: it reads no
// clock and depends on no map order.
func Generate(cfg Config) (*Dataset, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	g := &gen{cfg: cfg, start: cfg.Start, end: cfg.Start.Add(Span), amendAt: cfg.Start.Add(182*day + 5*time.Hour),
		declaredBy: map[string]string{}}
	for t := g.start.Add(9*day + time.Hour); t.Before(g.end); t = t.Add(30 * day) {
		g.campaigns = append(g.campaigns, t)
	}
	for t := g.start.Add(25*day + 2*time.Hour); t.Before(g.end); t = t.Add(61 * day) {
		g.releases = append(g.releases, t)
	}
	for t := g.start.Add(91*day + 6*time.Hour); t.Before(g.end); t = t.Add(91 * day) {
		g.quarters = append(g.quarters, t)
	}

	ctl := &subject{g: g, idx: -1, r: rand.New(rand.NewPCG(uint64(cfg.Seed), 0xc0417011e4))}
	head := g.declareCatalogue(ctl)
	nHead := len(ctl.events)

	subjects := g.newSubjects()
	for _, s := range subjects {
		s.simulate()
	}
	planted := plant(g, subjects, rand.New(rand.NewPCG(uint64(cfg.Seed), 0x91a47ed)))
	g.exceptions(subjects, planted)

	planted = append(planted, g.laterControllerEvents(ctl, head, len(subjects))...)
	byID := map[string]*eventsv1.Event{}
	for _, s := range subjects {
		for _, ev := range s.events {
			byID[ev.GetEventId()] = ev
		}
	}
	g.handledFindings(ctl, planted, byID)

	type keyed struct {
		ev  *eventsv1.Event
		at  int64
		idx int
		seq int
	}
	var tail []keyed
	for i, ev := range ctl.events[nHead:] {
		tail = append(tail, keyed{ev, ev.GetOccurredAt().AsTime().UnixNano(), -1, i})
	}
	for _, s := range subjects {
		for i, ev := range s.events {
			tail = append(tail, keyed{ev, ev.GetOccurredAt().AsTime().UnixNano(), s.idx, i})
		}
	}
	sort.SliceStable(tail, func(i, j int) bool {
		a, b := tail[i], tail[j]
		if a.at != b.at {
			return a.at < b.at
		}
		if a.idx != b.idx {
			return a.idx < b.idx
		}
		return a.seq < b.seq
	})
	out := &Dataset{Events: make([]*eventsv1.Event, 0, nHead+len(tail)), Planted: planted}
	out.Events = append(out.Events, ctl.events[:nHead]...)
	for _, k := range tail {
		out.Events = append(out.Events, k.ev)
	}
	return out, nil
}

// newSubjects draws every subject's kind and pseudonymous reference.
func (g *gen) newSubjects() []*subject {
	master := rand.New(rand.NewPCG(uint64(g.cfg.Seed), 0x5eb1ec75))
	seen := make(map[string]bool, g.cfg.Subjects)
	out := make([]*subject, g.cfg.Subjects)
	for i := range out {
		var ref string
		for ref == "" || seen[ref] {
			ref = "u_" + randHex(master, 10)
		}
		seen[ref] = true
		k := master.IntN(1000)
		kind := kindCustomer
		switch {
		case k < 380:
			kind = kindCustomer
		case k < 690:
			kind = kindProspect
		case k < 940:
			kind = kindVisitor
		case k < 975:
			kind = kindAnonymous
		default:
			kind = kindEmployee
		}
		out[i] = &subject{
			g: g, idx: i, ref: ref, kind: kind,
			r: rand.New(rand.NewPCG(uint64(g.cfg.Seed), uint64(i)+1)),
		}
	}
	return out
}

// randHex returns n random bytes in hex.
func randHex(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return hex.EncodeToString(b)
}

// uuid7 returns a UUIDv7 whose timestamp is at and whose random bits come
// from r.
func uuid7(at time.Time, r *rand.Rand) string {
	var b [16]byte
	ms := uint64(at.UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (40 - 8*i))
	}
	x, y := r.Uint64(), r.Uint64()
	for i := 0; i < 8; i++ {
		b[8+i] = byte(y >> (56 - 8*i))
	}
	b[6], b[7] = byte(x>>8), byte(x)
	b[6] = 0x70 | b[6]&0x0f
	b[8] = 0x80 | b[8]&0x3f
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}

// event starts an event of s at at; corr "" starts a new operation whose
// correlation id is the event's own id.
func (s *subject) event(at time.Time, actor *eventsv1.Actor, corr, cause string) *eventsv1.Event {
	g := s.g
	ev := &eventsv1.Event{
		EventId:         uuid7(at, s.r),
		Tenant:          g.cfg.Tenant,
		SubjectRef:      s.ref,
		OccurredAt:      timestamppb.New(at),
		Source:          g.cfg.Source,
		Actor:           actor,
		CorrelationId:   corr,
		CausationId:     cause,
		TaxonomyVersion: taxonomy.Version,
	}
	if corr == "" {
		ev.CorrelationId = ev.EventId
	}
	s.events = append(s.events, ev)
	return ev
}

func system(id string) *eventsv1.Actor {
	return &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: id}
}

func staff(id string) *eventsv1.Actor {
	return &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_STAFF, Id: id}
}

var dpo = staff("staff-dpo-01")

// declareCatalogue appends the controller-level events at Start: every
// activity of the catalogue and the notices in force.
func (g *gen) declareCatalogue(ctl *subject) string {
	at := g.start
	pr := ctl.event(at, dpo, "", "")
	pr.Payload = &eventsv1.Event_ControllerProfileDeclared{ControllerProfileDeclared: &eventsv1.ControllerProfileDeclared{
		Profile: controllerProfile(),
	}}
	var first string
	for i, a := range catalogue() {
		ev := ctl.event(at.Add(time.Duration(i)*time.Second), dpo, first, "")
		ev.Payload = &eventsv1.Event_ProcessingActivityDeclared{ProcessingActivityDeclared: &eventsv1.ProcessingActivityDeclared{Activity: a}}
		g.declaredBy[a.GetActivityId()] = ev.GetEventId()
		if first == "" {
			first = ev.GetEventId()
		}
	}
	at = at.Add(time.Minute)
	for i, n := range []notice{privacyNoticeV1, cookieNoticeV1} {
		ev := ctl.event(at.Add(time.Duration(i)*time.Second), dpo, first, "")
		ev.Payload = &eventsv1.Event_NoticePublished{NoticePublished: noticePayload(n)}
	}
	return first
}

func noticePayload(n notice) *eventsv1.NoticePublished {
	return &eventsv1.NoticePublished{NoticeId: n.id, Version: n.version, Language: n.language, TextSha256: n.sha(), Url: n.url}
}

// laterControllerEvents appends the amendment of the catalogue, the notice
// it needs and the breach register (breaches.go), and returns the breach
// problems it plants.
func (g *gen) laterControllerEvents(ctl *subject, catalogueCorr string, nSubjects int) []Planted {
	am := ctl.event(g.amendAt, dpo, catalogueCorr, "")
	am.Payload = &eventsv1.Event_ProcessingActivityAmended{ProcessingActivityAmended: &eventsv1.ProcessingActivityAmended{
		Activity: amendedAnalytics(), Reason: amendmentReason,
	}}
	np := ctl.event(g.amendAt.Add(10*time.Minute), dpo, am.GetEventId(), am.GetEventId())
	np.Payload = &eventsv1.Event_NoticePublished{NoticePublished: noticePayload(cookieNoticeV2)}

	return g.breaches(ctl, nSubjects)
}
