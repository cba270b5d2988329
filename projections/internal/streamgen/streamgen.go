// Package streamgen generates deterministic, random, valid Docket event
// streams for tests of the read models: a few tenants, each with a
// processing catalogue, notices and up to a few hundred data subjects whose
// life cycles run through every payload of the event vocabulary — consents
// given and withdrawn, collections with plaintext values, disclosures to
// declared and undeclared recipients (public authorities among them, under
// confidentiality), rights requests from receipt to fulfilment or denial,
// restrictions, objections, erasures, key shredding, retention expiry,
// breaches, rectifications, notices and amendments.
//
// The same seed and length always give the same stream. occurred_at mostly
// increases, but some events are reported late (an earlier occurred_at than
// events already generated), and the stream plants compliance problems
// (processing after withdrawal or objection, disclosures to undeclared
// recipients, collections after shredding, consent for children without
// parental authorisation) so that every event-time rule has work to do.
package streamgen

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/taxonomy"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Start is the occurred_at of the first event of every stream.
var Start = time.Date(2025, 1, 6, 8, 0, 0, 0, time.UTC)

// MinCoverage is the smallest n for which Generate guarantees that every
// payload type of the Event oneof occurs in the stream.
const MinCoverage = 64

// Generate returns a stream of n valid events (each passes events.Validate)
// drawn from a PCG generator seeded with seed. Values are plaintext: an
// Emitter seals them on append.
func Generate(seed int64, n int) []*eventsv1.Event {
	if n <= 0 {
		return nil
	}
	g := &gen{
		rng:   rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15)),
		clock: Start,
		ids:   map[string]bool{},
		seen:  map[protoreflect.Name]bool{},
	}
	g.run(n)
	return g.out
}

// PayloadFields lists the names of the Event oneof's fields, in field
// order: the payload types a complete stream holds.
func PayloadFields() []protoreflect.Name {
	fields := payloadOneof.Fields()
	out := make([]protoreflect.Name, fields.Len())
	for i := range out {
		out[i] = fields.Get(i).Name()
	}
	return out
}

var payloadOneof = (&eventsv1.Event{}).ProtoReflect().Descriptor().Oneofs().ByName("payload")

type gen struct {
	rng     *rand.Rand
	clock   time.Time // the generator's "now": never goes back
	out     []*eventsv1.Event
	ids     map[string]bool
	seen    map[protoreflect.Name]bool
	tenants []*tenant
	n       int // events wanted
}

type tenant struct {
	name        string
	maxSubjects int
	activities  []*eventsv1.ProcessingActivity // as currently declared
	undeclared  []*eventsv1.Recipient
	notices     []notice
	subjects    []*subject
	nextReq     int
	nextRestr   int
	nextBreach  int
}

type notice struct {
	id, version string
	sha         []byte
}

type subject struct {
	ref          string
	child        bool
	collected    []string // activity ids
	consents     []string // purposes with consent given and not withdrawn
	withdrawn    []string
	disclosedTo  []string // recipient ids
	disclosures  []string // event ids of its disclosures, in order
	requests     []*request
	restrictions []string // in force
	shredded     bool
}

type request struct {
	id       string
	right    eventsv1.Right
	stage    int
	verified bool
	extended bool
	slow     bool // forgotten in a drawer: moves only when its subject is active
	// extendedAgain: a slow request, once extended, is extended a second
	// time, which does not count (deadline_extension_not_counted).
	extendedAgain bool
}

// ---------------------------------------------------------------------------
// The driver

func (g *gen) run(n int) {
	g.n = n
	nt := 2 + g.rng.IntN(2)
	names := slices.Clone(tenantNames)
	g.rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for i := range nt {
		t := &tenant{name: names[i]}
		t.maxSubjects = min(200, max(50, n/(nt*8)+g.rng.IntN(20)))
		g.tenants = append(g.tenants, t)
	}
	// The catalogue and a first notice of every tenant come first.
	for _, t := range g.tenants {
		g.catalogue(t)
		if g.full() {
			return
		}
	}
	for _, t := range g.tenants {
		g.emit(g.notice(t))
		if g.full() {
			return
		}
	}
	for !g.full() {
		if missing := g.missing(); len(missing) > 0 && n-len(g.out) <= len(missing) {
			g.emit(g.force(missing[0]))
			continue
		}
		if ev := g.step(); ev != nil {
			g.emit(ev)
		}
	}
}

func (g *gen) full() bool { return len(g.out) >= g.n }

// missing lists the payload fields not generated yet, in field order.
func (g *gen) missing() []protoreflect.Name {
	var out []protoreflect.Name
	for _, f := range PayloadFields() {
		if !g.seen[f] {
			out = append(out, f)
		}
	}
	return out
}

func (g *gen) emit(ev *eventsv1.Event) {
	if ev == nil || g.full() {
		return
	}
	g.seen[protoreflect.Name(events.PayloadField(ev))] = true
	g.out = append(g.out, ev)
}

// step draws one event: mostly subject-level, now and then a change of
// the catalogue, a notice or a breach.
func (g *gen) step() *eventsv1.Event {
	t := g.tenants[g.rng.IntN(len(g.tenants))]
	r := g.rng.IntN(1000)
	switch {
	case r < 8:
		return g.amend(t)
	case r < 13:
		return g.notice(t)
	case r < 18:
		return g.breach(t)
	}
	if len(t.subjects) == 0 || (len(t.subjects) < t.maxSubjects && g.rng.IntN(100) < 12) {
		return g.collect(t, g.newSubject(t))
	}
	// Requests move on at their own pace, whoever else is active.
	if g.rng.IntN(100) < 18 {
		var pending []*subject
		var reqs []*request
		for _, s := range t.subjects {
			for _, r := range s.requests {
				if !r.slow {
					pending, reqs = append(pending, s), append(reqs, r)
				}
			}
		}
		if len(pending) > 0 {
			i := g.rng.IntN(len(pending))
			return g.advance(t, pending[i], reqs[i])
		}
	}
	s := t.subjects[g.rng.IntN(len(t.subjects))]
	if s.shredded && g.rng.IntN(100) < 85 {
		// An erased subject mostly stays quiet; now and then a system
		// that did not hear of it processes its data anyway.
		return nil
	}
	r = g.rng.IntN(100)
	switch {
	case r < 24:
		return g.collect(t, s)
	case r < 36:
		return g.consentGiven(t, s)
	case r < 41:
		return g.consentWithdrawn(t, s)
	case r < 54:
		return g.disclose(t, s)
	case r < 58:
		return g.received(t, s)
	case r < 78:
		if req := g.openRequest(s); req != nil {
			return g.advance(t, s, req)
		}
		return g.collect(t, s)
	case r < 81:
		return g.restrictionLifted(t, s)
	case r < 83:
		return g.objection(t, s, "")
	case r < 87:
		return g.retentionExpired(t, s)
	case r < 90:
		return g.rectify(t, s, "")
	case r < 92:
		return g.erasure(t, s, "")
	case r < 93:
		id := fmt.Sprintf("req-%s-art19-%d", t.name, g.rng.IntN(1000))
		if req := g.openRequest(s); req != nil {
			id = req.id
		}
		return g.notificationDue(t, s, id)
	default:
		return g.use(t, s)
	}
}

// force returns an event of the payload field name, whatever the state.
func (g *gen) force(name protoreflect.Name) *eventsv1.Event {
	t := g.tenants[g.rng.IntN(len(g.tenants))]
	var s *subject
	if len(t.subjects) == 0 {
		s = g.newSubject(t)
	} else {
		s = t.subjects[g.rng.IntN(len(t.subjects))]
	}
	req := g.openRequest(s)
	if req == nil {
		// A request the ledger never saw received: accepted, changes nothing.
		req = &request{id: fmt.Sprintf("req-unknown-%d", len(g.out)), right: eventsv1.Right_RIGHT_ACCESS}
	}
	switch name {
	case "processing_activity_declared":
		return g.declare(t, g.activity(t, templates[g.rng.IntN(len(templates))]), false)
	case "processing_activity_amended":
		return g.amend(t)
	case "notice_published":
		return g.notice(t)
	case "data_collected":
		return g.collect(t, s)
	case "data_rectified":
		return g.rectify(t, s, "")
	case "consent_given":
		return g.consentGiven(t, s)
	case "consent_withdrawn":
		return g.consentWithdrawn(t, s)
	case "disclosure_made":
		return g.disclose(t, s)
	case "rights_request_received":
		return g.received(t, s)
	case "rights_request_identity_verified":
		return g.verified(t, s, req)
	case "rights_request_deadline_extended":
		return g.extended(t, s, req)
	case "rights_request_fulfilled":
		return g.fulfilled(t, s, req)
	case "rights_request_denied":
		return g.denied(t, s, req, eventsv1.DenialGround_DENIAL_GROUND_MANIFESTLY_UNFOUNDED)
	case "restriction_applied":
		return g.restrictionApplied(t, s, "")
	case "restriction_lifted":
		if len(s.restrictions) == 0 {
			return g.unknownLift(t, s)
		}
		return g.restrictionLifted(t, s)
	case "objection_recorded":
		return g.objection(t, s, "")
	case "erasure_executed":
		return g.erasure(t, s, "")
	case "subject_key_shredded":
		return g.shred(t, s, "")
	case "recipient_notified":
		return g.notified(t, s, req.id, eventsv1.Right_RIGHT_ERASURE)
	case "retention_expired":
		return g.retentionExpired(t, s)
	case "breach_recorded":
		return g.breach(t)
	case "subject_data_exported":
		return g.exported(t, s, req.id)
	case "recipient_notification_due":
		return g.notificationDue(t, s, req.id)
	case "recipient_notification_waived":
		return g.notificationWaived(t, s, req.id)
	case "erasure_exemption_recorded":
		ev := g.event(t, s, "privacy-desk")
		ev.Payload = &eventsv1.Event_ErasureExemptionRecorded{ErasureExemptionRecorded: &eventsv1.ErasureExemptionRecorded{
			RequestId: req.id, KeyGroups: []string{"tax"}, Ground: eventsv1.ErasureExemptionGround_ERASURE_EXEMPTION_GROUND_LEGAL_OBLIGATION,
			Detail: "invoices kept ten years", Until: timestamppb.New(ev.GetOccurredAt().AsTime().AddDate(10, 0, 0)),
		}}
		return ev
	case "controller_profile_declared":
		ev := g.event(t, nil, "privacy-desk")
		ev.Payload = &eventsv1.Event_ControllerProfileDeclared{ControllerProfileDeclared: &eventsv1.ControllerProfileDeclared{
			Profile: &eventsv1.ControllerProfile{
				Name: t.name + " Ltd", TimeZone: g.pick([]string{"UTC", "Europe/Berlin", "Europe/Helsinki", "Europe/Lisbon"}),
				MemberState: g.pick([]string{"DE", "FI", "PT", "IE"}), Languages: []string{g.pick([]string{"en", "de-DE", "fr"})},
				ContactUrl: "https://" + t.name + ".example/privacy/contact",
			},
		}}
		return ev
	case "data_processed":
		return g.use(t, s)
	case "relationship_ended":
		ev := g.event(t, s, "crm")
		ev.Payload = &eventsv1.Event_RelationshipEnded{RelationshipEnded: &eventsv1.RelationshipEnded{
			RelationshipId: fmt.Sprintf("contract-%d", len(g.out)), Kind: eventsv1.RelationshipKind_RELATIONSHIP_KIND_CONTRACT,
		}}
		return ev
	case "objection_overridden":
		ev := g.event(t, s, "privacy-desk")
		ev.Payload = &eventsv1.Event_ObjectionOverridden{ObjectionOverridden: &eventsv1.ObjectionOverridden{
			RequestId: req.id, Purposes: []string{"essential.fraud_detection"},
			Ground: eventsv1.ObjectionOverrideGround_OBJECTION_OVERRIDE_GROUND_COMPELLING_LEGITIMATE_GROUNDS, Grounds: "fraud pattern",
		}}
		return ev
	case "disclosure_confidentiality_changed":
		ev := g.event(t, s, "legal")
		c := &eventsv1.DisclosureConfidentialityChanged{DisclosureEventId: g.uuid7(), LegalInstrumentRef: "order lifted"}
		// The subject's latest disclosure when it has one, so that the
		// register's update is exercised; lifted, or (by the change's event
		// id, not the generator, so that the rest of the stream stays as it
		// was) extended.
		if n := len(s.disclosures); n > 0 {
			c.DisclosureEventId = s.disclosures[n-1]
			if strings.HasSuffix(ev.GetEventId(), "1") || strings.HasSuffix(ev.GetEventId(), "2") {
				c.ConfidentialUntil, c.LegalInstrumentRef = ts(g.clock.Add(90*24*time.Hour)), "order extended"
			}
		}
		ev.Payload = &eventsv1.Event_DisclosureConfidentialityChanged{DisclosureConfidentialityChanged: c}
		return ev
	case "breach_risk_assessed":
		return g.breachStep(t, func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_BreachRiskAssessed{BreachRiskAssessed: &eventsv1.BreachRiskAssessed{
				BreachId: g.lastBreach(t), Risk: g.pick([]string{"none", "low", "high"}),
			}}
		})
	case "breach_authority_notified":
		return g.breachStep(t, func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_BreachAuthorityNotified{BreachAuthorityNotified: &eventsv1.BreachAuthorityNotified{
				BreachId: g.lastBreach(t), Phase: eventsv1.BreachNotificationPhase_BREACH_NOTIFICATION_PHASE_INITIAL, Authority: "lead authority",
			}}
		})
	case "breach_subjects_notified":
		return g.breachStep(t, func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_BreachSubjectsNotified{BreachSubjectsNotified: &eventsv1.BreachSubjectsNotified{
				BreachId: g.lastBreach(t), Channel: eventsv1.Channel_CHANNEL_EMAIL, SubjectsNotified: uint64(g.rng.IntN(5000)),
			}}
		})
	case "breach_subject_notification_exempted":
		return g.breachStep(t, func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_BreachSubjectNotificationExempted{BreachSubjectNotificationExempted: &eventsv1.BreachSubjectNotificationExempted{
				BreachId: g.lastBreach(t), Ground: eventsv1.Art34Exception_ART34_EXCEPTION_UNINTELLIGIBLE,
			}}
		})
	case "breach_closed":
		return g.breachStep(t, func(ev *eventsv1.Event) {
			ev.Payload = &eventsv1.Event_BreachClosed{BreachClosed: &eventsv1.BreachClosed{BreachId: g.lastBreach(t)}}
		})
	case "finding_status_changed":
		ev := g.event(t, nil, "privacy-desk")
		ev.Payload = &eventsv1.Event_FindingStatusChanged{FindingStatusChanged: &eventsv1.FindingStatusChanged{
			FindingIds: []string{"processing_after_objection:" + g.uuid7()}, Status: eventsv1.FindingStatus_FINDING_STATUS_ACKNOWLEDGED,
		}}
		return ev
	}
	panic("streamgen: no generator for payload " + string(name))
}

// ---------------------------------------------------------------------------
// Envelope, time, ids

// tick advances the clock by up to three hours (to the nanosecond) and
// returns the occurred_at of the next event: the clock, or, for about one
// event in sixteen, a late report up to three weeks back.
func (g *gen) tick() time.Time {
	g.clock = g.clock.Add(time.Duration(g.rng.Int64N(int64(3 * time.Hour))))
	if g.rng.IntN(16) == 0 {
		return g.clock.Add(-time.Duration(g.rng.Int64N(int64(21 * 24 * time.Hour))))
	}
	return g.clock
}

// uuid7 is a UUIDv7 from the clock's milliseconds and the seeded generator,
// never repeated within a stream.
func (g *gen) uuid7() string {
	for {
		var b [16]byte
		binary.BigEndian.PutUint64(b[0:8], uint64(g.clock.UnixMilli())<<16)
		binary.BigEndian.PutUint64(b[8:16], g.rng.Uint64())
		r := g.rng.Uint32()
		b[6] = 0x70 | byte(r&0x0f)
		b[7] = byte(r >> 8)
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
		if id := string(s[:]); !g.ids[id] {
			g.ids[id] = true
			return id
		}
	}
}

func (g *gen) event(t *tenant, s *subject, source string) *eventsv1.Event {
	ev := &eventsv1.Event{
		Tenant:          t.name,
		OccurredAt:      timestamppb.New(g.tick()),
		Source:          source,
		TaxonomyVersion: taxonomy.Version,
	}
	ev.EventId = g.uuid7()
	if s != nil {
		ev.SubjectRef = s.ref
	}
	switch r := g.rng.IntN(10); {
	case r < 4:
		ev.Actor = &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_SYSTEM, Id: source + "-job"}
	case r < 6:
		ev.Actor = &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_STAFF, Id: fmt.Sprintf("staff-%03d", g.rng.IntN(40))}
	case r < 8 && s != nil:
		ev.Actor = &eventsv1.Actor{Kind: eventsv1.ActorKind_ACTOR_KIND_DATA_SUBJECT}
	case r < 9:
		ev.Actor = &eventsv1.Actor{Kind: eventsv1.ActorKind(1 + g.rng.IntN(5))}
	}
	if g.rng.IntN(3) == 0 {
		ev.CorrelationId = fmt.Sprintf("op-%08x", g.rng.Uint32())
	}
	if len(g.out) > 0 && g.rng.IntN(5) == 0 {
		ev.CausationId = g.out[g.rng.IntN(len(g.out))].GetEventId()
	}
	return ev
}

func (g *gen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

// some returns a non-empty random subset of list, in list order.
func (g *gen) some(list []string) []string {
	var out []string
	for _, x := range list {
		if g.rng.IntN(2) == 0 {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		out = []string{g.pick(list)}
	}
	return out
}

func (g *gen) digest(parts ...string) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	fmt.Fprintf(h, "%d", g.rng.Uint64())
	return h.Sum(nil)
}

func ts(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

// ---------------------------------------------------------------------------
// Catalogue, notices, breaches

func (g *gen) catalogue(t *tenant) {
	// account and newsletter always; each other template by chance.
	for i, tpl := range templates {
		if i < 2 || g.rng.IntN(4) != 0 {
			g.emit(g.declare(t, g.activity(t, tpl), false))
		}
	}
	t.undeclared = []*eventsv1.Recipient{
		{Id: "adtech-broker", Name: "Adtech Broker Inc.", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_THIRD_PARTY, Country: "US", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_DEROGATION_ART49, Art49Derogation: eventsv1.Art49Derogation_ART49_DEROGATION_EXPLICIT_CONSENT},
		{Id: "police-" + t.name, Name: "Regional Police Directorate", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY, Country: "FR", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE},
		{Id: "partner-shop", Name: "Partner Shop GmbH", Kind: eventsv1.RecipientKind_RECIPIENT_KIND_CONTROLLER, Country: "AT", TransferMechanism: eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE},
	}
}

// activity instantiates a template for a tenant, with some variation.
func (g *gen) activity(t *tenant, tpl template) *eventsv1.ProcessingActivity {
	a := &eventsv1.ProcessingActivity{
		ActivityId:               tpl.id,
		Name:                     tpl.name,
		Purposes:                 slices.Clone(tpl.purposes),
		DataCategories:           slices.Clone(tpl.categories),
		DataSubjects:             slices.Clone(tpl.subjects),
		LegalBasis:               tpl.basis,
		SpecialCategoryCondition: tpl.condition,
		Retention:                &eventsv1.Retention{Days: tpl.days, Trigger: tpl.trigger, TriggerEvent: tpl.clock},
		KeyGroup:                 tpl.keyGroup,
	}
	if a.Retention.Days > 0 {
		a.Retention.Days += uint32(g.rng.IntN(30))
	}
	if tpl.basis == eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS {
		a.LegitimateInterestAssessmentRef = "LIA-" + t.name + "-" + tpl.id
	}
	for _, r := range tpl.recipients {
		if len(a.Recipients) == 0 || g.rng.IntN(5) != 0 {
			a.Recipients = append(a.Recipients, proto.CloneOf(r))
		}
	}
	return a
}

func (g *gen) declare(t *tenant, a *eventsv1.ProcessingActivity, amended bool) *eventsv1.Event {
	ev := g.event(t, nil, "dpo-console")
	if amended {
		ev.Payload = &eventsv1.Event_ProcessingActivityAmended{ProcessingActivityAmended: &eventsv1.ProcessingActivityAmended{
			Activity: a, Reason: g.pick([]string{"new processor", "retention reviewed", "purpose clarified", ""}),
		}}
		// An amendment is sometimes back-dated: it applies from an earlier date.
		if g.rng.IntN(3) == 0 {
			ev.OccurredAt = ts(g.clock.Add(-time.Duration(g.rng.Int64N(int64(30 * 24 * time.Hour)))))
		}
	} else {
		ev.Payload = &eventsv1.Event_ProcessingActivityDeclared{ProcessingActivityDeclared: &eventsv1.ProcessingActivityDeclared{Activity: a}}
	}
	for i, cur := range t.activities {
		if cur.GetActivityId() == a.GetActivityId() {
			t.activities[i] = a
			return ev
		}
	}
	t.activities = append(t.activities, a)
	return ev
}

// amend changes one declared activity: a recipient added or dropped, the
// retention changed, or a purpose added.
func (g *gen) amend(t *tenant) *eventsv1.Event {
	if len(t.activities) == 0 {
		return g.declare(t, g.activity(t, templates[0]), false)
	}
	a := proto.CloneOf(t.activities[g.rng.IntN(len(t.activities))])
	switch g.rng.IntN(4) {
	case 0:
		if u := t.undeclared[g.rng.IntN(len(t.undeclared))]; u.GetKind() != eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY &&
			!slices.ContainsFunc(a.Recipients, func(r *eventsv1.Recipient) bool { return r.GetId() == u.GetId() }) {
			a.Recipients = append(a.Recipients, proto.CloneOf(u))
		}
	case 1:
		if len(a.Recipients) > 1 {
			a.Recipients = a.Recipients[:len(a.Recipients)-1]
		}
	case 2:
		if a.Retention.GetDays() > 0 {
			a.Retention.Days = uint32(20 + g.rng.IntN(200))
		}
	default:
		if p := g.pick(extraPurposes); !slices.Contains(a.Purposes, p) {
			a.Purposes = append(a.Purposes, p)
		}
	}
	return g.declare(t, a, true)
}

func (g *gen) notice(t *tenant) *eventsv1.Event {
	n := notice{id: "privacy-notice", version: fmt.Sprintf("%d.%d", 1+len(t.notices)/3, len(t.notices)%3)}
	if g.rng.IntN(4) == 0 {
		n.id = "cookie-notice"
	}
	n.sha = g.digest(t.name, n.id, n.version)
	t.notices = append(t.notices, n)
	ev := g.event(t, nil, "dpo-console")
	ev.Payload = &eventsv1.Event_NoticePublished{NoticePublished: &eventsv1.NoticePublished{
		NoticeId: n.id, Version: n.version, Language: g.pick([]string{"en", "de-DE", "fr", "en-GB"}),
		TextSha256: n.sha, Url: "https://" + t.name + ".example/privacy/" + n.version,
	}}
	return ev
}

// lastBreach is the id of the tenant's last breach (one never recorded
// when it has none: a step of an unknown breach is accepted).
func (g *gen) lastBreach(t *tenant) string {
	return fmt.Sprintf("breach-%d", max(1, t.nextBreach))
}

// breachStep is a controller-level event of a breach's life cycle, its
// payload set by set.
func (g *gen) breachStep(t *tenant, set func(ev *eventsv1.Event)) *eventsv1.Event {
	ev := g.event(t, nil, "security-desk")
	set(ev)
	return ev
}

func (g *gen) breach(t *tenant) *eventsv1.Event {
	t.nextBreach++
	ev := g.event(t, nil, "security-desk")
	detected := g.clock.Add(-time.Duration(g.rng.Int64N(int64(72 * time.Hour))))
	b := &eventsv1.BreachRecorded{
		BreachId:                 fmt.Sprintf("breach-%d", t.nextBreach),
		Description:              g.pick([]string{"laptop stolen from a car", "misdirected e-mail batch", "backup bucket exposed publicly", "credential stuffing on the login"}),
		Categories:               g.some(breachCategories),
		SubjectsAffectedEstimate: uint64(g.rng.IntN(5000)),
		DetectedAt:               ts(detected),
		SubjectsNotified:         g.rng.IntN(2) == 0,
		Risk:                     g.pick([]string{"low", "high", ""}),
	}
	if g.rng.IntN(2) == 0 {
		b.AuthorityNotifiedAt = ts(detected.Add(time.Duration(g.rng.Int64N(int64(96 * time.Hour)))))
	}
	if t.nextBreach == 1 {
		// Every tenant's first breach is high-risk and its subjects not
		// told, so that every stream of a few breaches raises
		// breach_subjects_not_informed (Art. 34(1)).
		b.Risk, b.SubjectsNotified = "high", false
	}
	ev.Payload = &eventsv1.Event_BreachRecorded{BreachRecorded: b}
	return ev
}

// ---------------------------------------------------------------------------
// Subjects and processing

func (g *gen) newSubject(t *tenant) *subject {
	var ref string
	switch g.rng.IntN(3) {
	case 0:
		ref = fmt.Sprintf("cust-%06d", len(t.subjects)*37+g.rng.IntN(37))
	case 1:
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], g.rng.Uint64())
		binary.BigEndian.PutUint64(b[8:], g.rng.Uint64())
		ref = "h-" + hex.EncodeToString(b[:])
	default:
		ref = fmt.Sprintf("U%d_%s", len(t.subjects), t.name)
	}
	for _, s := range t.subjects {
		if s.ref == ref {
			ref += "-x"
		}
	}
	s := &subject{ref: ref, child: g.rng.IntN(25) == 0}
	t.subjects = append(t.subjects, s)
	return s
}

func (t *tenant) activityByID(id string) *eventsv1.ProcessingActivity {
	for _, a := range t.activities {
		if a.GetActivityId() == id {
			return a
		}
	}
	return nil
}

func (g *gen) pickActivity(t *tenant) *eventsv1.ProcessingActivity {
	if len(t.activities) == 0 {
		return g.activity(t, templates[0])
	}
	return t.activities[g.rng.IntN(len(t.activities))]
}

func (g *gen) collect(t *tenant, s *subject) *eventsv1.Event {
	a := g.pickActivity(t)
	ev := g.event(t, s, g.pick([]string{"signup-service", "web-shop", "crm", "mobile-app"}))
	m := &eventsv1.DataCollected{
		ActivityId:       a.GetActivityId(),
		Purposes:         g.some(a.GetPurposes()),
		Categories:       g.some(a.GetDataCategories()),
		LegalBasis:       a.GetLegalBasis(),
		CollectionSource: g.pick([]string{"data_subject", "observed", "third_party:partner-shop"}),
		CollectionPoint:  g.pick([]string{"web.signup_form", "app.onboarding", "web.checkout", "support.call"}),
	}
	switch r := g.rng.IntN(40); {
	case r == 0:
		// Ad hoc processing outside the catalogue.
		m.ActivityId = ""
	case r == 1:
		// A purpose the activity does not declare.
		m.Purposes = append(m.Purposes, g.pick(extraPurposes))
	case r == 2:
		// Another basis than the declared one.
		m.LegalBasis = eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT
	case r == 3:
		// A special category the activity does not declare, with a
		// condition of its own.
		m.Categories = append(m.Categories, undeclaredSpecialCategory)
	case r == 4:
		// Criminal-offence data, with no Art. 10 basis anywhere.
		m.Categories = append(m.Categories, criminalCategory)
	}
	m.SpecialCategoryCondition = eventsv1.LegalBasis_LEGAL_BASIS_UNSPECIFIED
	for _, c := range m.Categories {
		if taxonomy.IsSpecialCategory(c) {
			m.SpecialCategoryCondition = a.GetSpecialCategoryCondition()
			if m.SpecialCategoryCondition == 0 {
				m.SpecialCategoryCondition = eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT
			}
		}
	}
	if s.child || g.rng.IntN(200) == 0 {
		m.SubjectIsChild = true
		s.child = true
	}
	for _, c := range m.Categories {
		if g.rng.IntN(3) != 0 {
			m.Values = append(m.Values, &eventsv1.DataValue{
				Category: c, KeyGroup: a.GetKeyGroup(),
				Value: &eventsv1.DataValue_Plaintext{Plaintext: g.value(c, s)},
			})
		}
	}
	ev.Payload = &eventsv1.Event_DataCollected{DataCollected: m}
	if m.ActivityId != "" && !slices.Contains(s.collected, m.ActivityId) {
		s.collected = append(s.collected, m.ActivityId)
	}
	return ev
}

// use is a use of the subject's data under one of the tenant's activities
// (DataProcessed): now and then one that profiles (no activity declares
// it), or decides on its own with legal effect, with or without an Art.
// 22(2) exception.
func (g *gen) use(t *tenant, s *subject) *eventsv1.Event {
	a := g.pickActivity(t)
	ev := g.event(t, s, g.pick([]string{"analytics", "newsletter-scheduler", "risk-engine"}))
	m := &eventsv1.DataProcessed{
		ActivityId: a.GetActivityId(), Purposes: g.some(a.GetPurposes()), Categories: g.some(a.GetDataCategories()),
		LegalBasis: a.GetLegalBasis(), System: ev.GetSource(), Profiling: g.rng.IntN(4) == 0,
	}
	for _, c := range m.Categories {
		if taxonomy.IsSpecialCategory(c) {
			m.SpecialCategoryCondition = a.GetSpecialCategoryCondition()
			if m.SpecialCategoryCondition == 0 {
				m.SpecialCategoryCondition = eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT
			}
		}
	}
	switch g.rng.IntN(10) {
	case 0:
		m.AutomatedDecision = eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT
	case 1:
		m.AutomatedDecision = eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT
		m.Art22Exception = eventsv1.Art22Exception_ART22_EXCEPTION_CONTRACT
	case 2:
		m.AutomatedDecision = eventsv1.AutomatedDecision_AUTOMATED_DECISION_WITHOUT_SIGNIFICANT_EFFECT
	}
	if ev.GetSource() == "newsletter-scheduler" {
		m.Channel = eventsv1.Channel_CHANNEL_EMAIL
	}
	ev.Payload = &eventsv1.Event_DataProcessed{DataProcessed: m}
	return ev
}

// value is a fictional personal-data value of category c.
func (g *gen) value(c string, s *subject) string {
	n := g.rng.IntN(100000)
	switch c {
	case "user.contact.email":
		return fmt.Sprintf("person%05d@example.org", n)
	case "user.name.first":
		return g.pick([]string{"Ada", "Bruno", "Chiara", "Dmitri", "Eun-ji", "François", "Grete"})
	case "user.name.last":
		return g.pick([]string{"Lovelace", "Kowalski", "Müller", "Ng", "O'Brien"})
	case "user.contact.phone_number":
		return fmt.Sprintf("+49 30 %07d", n)
	case "user.financial.bank_account":
		return fmt.Sprintf("DE89 3704 0044 %010d", n)
	case "user.device.ip_address":
		return fmt.Sprintf("192.0.2.%d", n%255)
	default:
		return fmt.Sprintf("%s value %d of %s", c, n, s.ref)
	}
}

func (g *gen) consentPurposes(t *tenant) []string {
	var out []string
	for _, a := range t.activities {
		if a.GetLegalBasis() == eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT {
			out = append(out, a.GetPurposes()...)
		}
	}
	if len(out) == 0 {
		out = []string{fallbackPurpose}
	}
	return out
}

func (g *gen) consentGiven(t *tenant, s *subject) *eventsv1.Event {
	purpose := g.pick(g.consentPurposes(t))
	n := notice{id: "privacy-notice", version: "0.0"}
	if len(t.notices) > 0 {
		n = t.notices[len(t.notices)-1]
	}
	ev := g.event(t, s, g.pick([]string{"signup-service", "consent-manager", "mobile-app"}))
	m := &eventsv1.ConsentGiven{
		Purpose:       purpose,
		NoticeId:      n.id,
		NoticeVersion: n.version,
		NoticeSha256:  n.sha,
		Method:        eventsv1.ConsentMethod(1 + g.rng.IntN(6)),
		Channel:       eventsv1.Channel(1 + g.rng.IntN(7)),
	}
	if s.child && g.rng.IntN(4) != 0 {
		m.ParentalAuthorization = &eventsv1.ParentalAuthorization{
			GuardianRef: "guardian-" + s.ref, VerificationMethod: g.pick([]string{"card_check", "signed_form"}),
			VerifiedAt: ts(g.clock.Add(-time.Hour)),
		}
	}
	if g.rng.IntN(3) == 0 {
		m.Categories = g.some(g.categoriesOf(t, purpose))
	}
	if g.rng.IntN(8) == 0 {
		m.ExpiresAt = ts(g.clock.Add(time.Duration(1+g.rng.IntN(90)) * 24 * time.Hour))
	}
	ev.Payload = &eventsv1.Event_ConsentGiven{ConsentGiven: m}
	if !slices.Contains(s.consents, purpose) {
		s.consents = append(s.consents, purpose)
	}
	s.withdrawn = slices.DeleteFunc(s.withdrawn, func(p string) bool { return p == purpose })
	return ev
}

func (g *gen) categoriesOf(t *tenant, purpose string) []string {
	for _, a := range t.activities {
		if slices.Contains(a.GetPurposes(), purpose) {
			return a.GetDataCategories()
		}
	}
	return []string{fallbackCategory}
}

func (g *gen) consentWithdrawn(t *tenant, s *subject) *eventsv1.Event {
	purpose := g.pick(g.consentPurposes(t))
	if len(s.consents) > 0 {
		purpose = g.pick(s.consents)
	}
	ev := g.event(t, s, g.pick([]string{"consent-manager", "mailer", "privacy-desk"}))
	ev.Payload = &eventsv1.Event_ConsentWithdrawn{ConsentWithdrawn: &eventsv1.ConsentWithdrawn{
		Purpose: purpose,
		Method:  eventsv1.ConsentMethod(g.rng.IntN(8)),
		Channel: eventsv1.Channel(1 + g.rng.IntN(7)),
	}}
	s.consents = slices.DeleteFunc(s.consents, func(p string) bool { return p == purpose })
	if !slices.Contains(s.withdrawn, purpose) {
		s.withdrawn = append(s.withdrawn, purpose)
	}
	return ev
}

func (g *gen) disclose(t *tenant, s *subject) *eventsv1.Event {
	a := g.pickActivity(t)
	var rcp *eventsv1.Recipient
	if len(a.GetRecipients()) > 0 && g.rng.IntN(7) != 0 {
		rcp = a.GetRecipients()[g.rng.IntN(len(a.GetRecipients()))]
	} else {
		rcp = t.undeclared[g.rng.IntN(len(t.undeclared))]
	}
	ev := g.event(t, s, g.pick([]string{"crm", "billing", "mailer", "legal-desk"}))
	m := &eventsv1.DisclosureMade{
		Recipient:  proto.CloneOf(rcp),
		Categories: g.some(a.GetDataCategories()),
		Purpose:    g.pick(a.GetPurposes()),
		LegalBasis: a.GetLegalBasis(),
		ActivityId: a.GetActivityId(),
	}
	if g.rng.IntN(12) == 0 {
		m.ActivityId = ""
	}
	// One disclosure in sixteen to a declared recipient goes to it in
	// another country than declared (disclosure_to_recipient_not_as_declared).
	// Chosen by the event id, not the generator, so that the rest of the
	// stream stays as it was.
	if id := ev.GetEventId(); slices.Contains(a.GetRecipients(), rcp) && strings.HasSuffix(id, "0") {
		// Still valid: an EEA country for one declared in the EEA.
		other := [2]string{"CA", "JP"}
		if taxonomy.InEEA(rcp.GetCountry()) {
			other = [2]string{"LU", "BE"}
		}
		m.Recipient.Country = other[0]
		if rcp.GetCountry() == other[0] {
			m.Recipient.Country = other[1]
		}
	}
	for _, c := range m.Categories {
		if taxonomy.IsSpecialCategory(c) {
			m.SpecialCategoryCondition = a.GetSpecialCategoryCondition()
			if m.SpecialCategoryCondition == 0 {
				m.SpecialCategoryCondition = eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_G_SUBSTANTIAL_PUBLIC_INTEREST
			}
		}
	}
	if rcp.GetKind() == eventsv1.RecipientKind_RECIPIENT_KIND_PUBLIC_AUTHORITY {
		m.LegalBasis = eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION
		m.Purpose = authorityPurpose
		m.LegalInstrumentRef = fmt.Sprintf("order %d/%d", 1+g.rng.IntN(900), 2025)
		if g.rng.IntN(3) != 0 {
			m.ConfidentialUntil = ts(g.clock.Add(time.Duration(30+g.rng.IntN(300)) * 24 * time.Hour))
		}
	}
	if g.rng.IntN(5) == 0 {
		c := m.Categories[0]
		m.Values = []*eventsv1.DataValue{{Category: c, KeyGroup: a.GetKeyGroup(), Value: &eventsv1.DataValue_Plaintext{Plaintext: g.value(c, s)}}}
	}
	ev.Payload = &eventsv1.Event_DisclosureMade{DisclosureMade: m}
	s.disclosures = append(s.disclosures, ev.GetEventId())
	if !slices.Contains(s.disclosedTo, rcp.GetId()) {
		s.disclosedTo = append(s.disclosedTo, rcp.GetId())
	}
	return ev
}

func (g *gen) rectify(t *tenant, s *subject, requestID string) *eventsv1.Event {
	a := g.pickActivity(t)
	cats := g.some(a.GetDataCategories())
	ev := g.event(t, s, g.pick([]string{"crm", "privacy-desk"}))
	m := &eventsv1.DataRectified{Categories: cats, RequestId: requestID, Reason: g.pick([]string{"typo", "moved house", "name change", ""})}
	for _, c := range cats {
		m.Values = append(m.Values, &eventsv1.DataValue{Category: c, KeyGroup: a.GetKeyGroup(), Value: &eventsv1.DataValue_Plaintext{Plaintext: g.value(c, s)}})
	}
	ev.Payload = &eventsv1.Event_DataRectified{DataRectified: m}
	return ev
}

func (g *gen) retentionExpired(t *tenant, s *subject) *eventsv1.Event {
	id := ""
	if len(s.collected) > 0 {
		id = g.pick(s.collected)
	}
	a := t.activityByID(id)
	if a == nil {
		a = g.pickActivity(t)
	}
	ev := g.event(t, s, "retention-job")
	ev.Payload = &eventsv1.Event_RetentionExpired{RetentionExpired: &eventsv1.RetentionExpired{
		ActivityId: a.GetActivityId(),
		Categories: g.some(a.GetDataCategories()),
		Action:     g.pick([]string{"erased", "anonymised", "held: legal hold"}),
	}}
	s.collected = slices.DeleteFunc(s.collected, func(x string) bool { return x == a.GetActivityId() })
	return ev
}

// ---------------------------------------------------------------------------
// Rights requests

func (g *gen) openRequest(s *subject) *request {
	if len(s.requests) == 0 {
		return nil
	}
	return s.requests[g.rng.IntN(len(s.requests))]
}

func (g *gen) closeRequest(s *subject, r *request) {
	s.requests = slices.DeleteFunc(s.requests, func(x *request) bool { return x == r })
}

var rights = []eventsv1.Right{
	eventsv1.Right_RIGHT_ACCESS, eventsv1.Right_RIGHT_ACCESS, eventsv1.Right_RIGHT_ERASURE, eventsv1.Right_RIGHT_ERASURE,
	eventsv1.Right_RIGHT_RECTIFICATION, eventsv1.Right_RIGHT_RESTRICTION, eventsv1.Right_RIGHT_OBJECTION, eventsv1.Right_RIGHT_PORTABILITY,
}

func (g *gen) received(t *tenant, s *subject) *eventsv1.Event {
	// Now and then a source sends the receipt of a known request again.
	if r := g.openRequest(s); r != nil && g.rng.IntN(15) == 0 {
		ev := g.event(t, s, "privacy-desk")
		ev.Payload = &eventsv1.Event_RightsRequestReceived{RightsRequestReceived: &eventsv1.RightsRequestReceived{
			RequestId: r.id, Right: r.right, Channel: eventsv1.Channel_CHANNEL_EMAIL,
		}}
		return ev
	}
	t.nextReq++
	r := &request{id: fmt.Sprintf("req-%s-%d", t.name, t.nextReq), right: rights[g.rng.IntN(len(rights))], slow: g.rng.IntN(5) == 0}
	s.requests = append(s.requests, r)
	ev := g.event(t, s, "privacy-desk")
	m := &eventsv1.RightsRequestReceived{RequestId: r.id, Right: r.right, Channel: eventsv1.Channel(g.rng.IntN(8))}
	if g.rng.IntN(4) == 0 {
		m.Categories = g.some(g.pickActivity(t).GetDataCategories())
	}
	if r.right == eventsv1.Right_RIGHT_OBJECTION || r.right == eventsv1.Right_RIGHT_RESTRICTION {
		m.Purposes = []string{g.pick(objectablePurposes)}
	}
	ev.Payload = &eventsv1.Event_RightsRequestReceived{RightsRequestReceived: m}
	return ev
}

// advance moves an open request one step on through its life cycle.
func (g *gen) advance(t *tenant, s *subject, r *request) *eventsv1.Event {
	if !r.verified {
		if g.rng.IntN(12) == 0 {
			g.closeRequest(s, r)
			return g.denied(t, s, r, eventsv1.DenialGround_DENIAL_GROUND_IDENTITY_NOT_VERIFIED)
		}
		return g.verified(t, s, r)
	}
	if !r.extended && g.rng.IntN(6) == 0 {
		return g.extended(t, s, r)
	}
	if r.slow && r.extended && !r.extendedAgain {
		r.extendedAgain = true
		return g.extended(t, s, r)
	}
	r.stage++
	switch r.right {
	case eventsv1.Right_RIGHT_ERASURE:
		switch {
		case r.stage == 1 && g.rng.IntN(10) == 0:
			g.closeRequest(s, r)
			return g.denied(t, s, r, eventsv1.DenialGround_DENIAL_GROUND_LEGAL_EXEMPTION)
		case r.stage <= 2:
			return g.erasure(t, s, r.id)
		case r.stage == 3:
			return g.shred(t, s, r.id)
		case r.stage <= 3+min(2, len(s.disclosedTo)):
			return g.notified(t, s, r.id, eventsv1.Right_RIGHT_ERASURE)
		}
	case eventsv1.Right_RIGHT_RECTIFICATION:
		switch r.stage {
		case 1:
			return g.rectify(t, s, r.id)
		case 2:
			if len(s.disclosedTo) > 0 {
				return g.notified(t, s, r.id, eventsv1.Right_RIGHT_RECTIFICATION)
			}
		}
	case eventsv1.Right_RIGHT_RESTRICTION:
		switch r.stage {
		case 1:
			return g.restrictionApplied(t, s, r.id)
		case 2:
			if len(s.disclosedTo) > 0 {
				return g.notified(t, s, r.id, eventsv1.Right_RIGHT_RESTRICTION)
			}
		}
	case eventsv1.Right_RIGHT_OBJECTION:
		if r.stage == 1 {
			return g.objection(t, s, r.id)
		}
	}
	g.closeRequest(s, r)
	if g.rng.IntN(8) == 0 {
		return g.denied(t, s, r, eventsv1.DenialGround(2+g.rng.IntN(3)))
	}
	return g.fulfilled(t, s, r)
}

func (g *gen) verified(t *tenant, s *subject, r *request) *eventsv1.Event {
	r.verified = true
	ev := g.event(t, s, "privacy-desk")
	ev.Payload = &eventsv1.Event_RightsRequestIdentityVerified{RightsRequestIdentityVerified: &eventsv1.RightsRequestIdentityVerified{
		RequestId: r.id, Method: g.pick([]string{"email_link", "id_document", "account_login", ""}),
	}}
	return ev
}

func (g *gen) extended(t *tenant, s *subject, r *request) *eventsv1.Event {
	r.extended = true
	ev := g.event(t, s, "privacy-desk")
	ev.Payload = &eventsv1.Event_RightsRequestDeadlineExtended{RightsRequestDeadlineExtended: &eventsv1.RightsRequestDeadlineExtended{
		RequestId: r.id, Months: uint32(1 + g.rng.IntN(2)), Reason: g.pick([]string{"complex request", "many requests", ""}),
	}}
	return ev
}

func (g *gen) fulfilled(t *tenant, s *subject, r *request) *eventsv1.Event {
	ev := g.event(t, s, "privacy-desk")
	m := &eventsv1.RightsRequestFulfilled{RequestId: r.id, Outcome: g.pick([]string{"export sent", "done", "data erased", ""})}
	if r.right == eventsv1.Right_RIGHT_ACCESS || r.right == eventsv1.Right_RIGHT_PORTABILITY {
		m.ResponseSha256 = g.digest(r.id)
	}
	ev.Payload = &eventsv1.Event_RightsRequestFulfilled{RightsRequestFulfilled: m}
	return ev
}

func (g *gen) denied(t *tenant, s *subject, r *request, ground eventsv1.DenialGround) *eventsv1.Event {
	ev := g.event(t, s, "privacy-desk")
	ev.Payload = &eventsv1.Event_RightsRequestDenied{RightsRequestDenied: &eventsv1.RightsRequestDenied{
		RequestId: r.id, Ground: ground, Explanation: g.pick([]string{"see letter", ""}),
	}}
	return ev
}

func (g *gen) restrictionApplied(t *tenant, s *subject, requestID string) *eventsv1.Event {
	t.nextRestr++
	id := fmt.Sprintf("rst-%d", t.nextRestr)
	ev := g.event(t, s, "privacy-desk")
	m := &eventsv1.RestrictionApplied{RestrictionId: id, RequestId: requestID, Reason: g.pick([]string{"accuracy contested", "objection pending", ""})}
	if g.rng.IntN(3) != 0 {
		m.Purposes = []string{g.pick(objectablePurposes)}
	}
	if g.rng.IntN(3) == 0 {
		m.Categories = []string{g.pick(restrictionCategories)}
	}
	ev.Payload = &eventsv1.Event_RestrictionApplied{RestrictionApplied: m}
	s.restrictions = append(s.restrictions, id)
	return ev
}

func (g *gen) restrictionLifted(t *tenant, s *subject) *eventsv1.Event {
	if len(s.restrictions) == 0 {
		if g.rng.IntN(4) != 0 {
			return g.restrictionApplied(t, s, "")
		}
		return g.unknownLift(t, s)
	}
	id := s.restrictions[0]
	s.restrictions = s.restrictions[1:]
	ev := g.event(t, s, "privacy-desk")
	ev.Payload = &eventsv1.Event_RestrictionLifted{RestrictionLifted: &eventsv1.RestrictionLifted{RestrictionId: id, Reason: g.pick([]string{"accuracy verified", ""})}}
	return ev
}

// unknownLift lifts a restriction the ledger never saw applied.
func (g *gen) unknownLift(t *tenant, s *subject) *eventsv1.Event {
	ev := g.event(t, s, "privacy-desk")
	ev.Payload = &eventsv1.Event_RestrictionLifted{RestrictionLifted: &eventsv1.RestrictionLifted{RestrictionId: "rst-unknown"}}
	return ev
}

func (g *gen) objection(t *tenant, s *subject, requestID string) *eventsv1.Event {
	ev := g.event(t, s, "privacy-desk")
	ev.Payload = &eventsv1.Event_ObjectionRecorded{ObjectionRecorded: &eventsv1.ObjectionRecorded{
		Purposes: g.some(objectablePurposes), RequestId: requestID, Grounds: g.pick([]string{"direct marketing", "particular situation", ""}),
	}}
	return ev
}

// art19Rights are the rights whose outcome recipients are told of.
var art19Rights = []eventsv1.Right{eventsv1.Right_RIGHT_RECTIFICATION, eventsv1.Right_RIGHT_ERASURE, eventsv1.Right_RIGHT_RESTRICTION}

// notificationDue is docketd's Art. 19 saga opening a notice.
func (g *gen) notificationDue(t *tenant, s *subject, requestID string) *eventsv1.Event {
	ev := g.event(t, s, "docketd")
	ev.Payload = &eventsv1.Event_RecipientNotificationDue{RecipientNotificationDue: &eventsv1.RecipientNotificationDue{
		RequestId: requestID, RecipientId: g.pick([]string{"mailer", "crm-vendor", "tax-office"}),
		Right: art19Rights[g.rng.IntN(len(art19Rights))], CauseEventId: g.out[len(g.out)-1].GetEventId(),
		DueAt: timestamppb.New(ev.GetOccurredAt().AsTime().Add(time.Duration(1+g.rng.IntN(20)) * 24 * time.Hour)),
	}}
	return ev
}

// notificationWaived is staff waiving an Art. 19 notice.
func (g *gen) notificationWaived(t *tenant, s *subject, requestID string) *eventsv1.Event {
	ev := g.event(t, s, "privacy-desk")
	ev.Payload = &eventsv1.Event_RecipientNotificationWaived{RecipientNotificationWaived: &eventsv1.RecipientNotificationWaived{
		RequestId: requestID, RecipientId: g.pick([]string{"mailer", "crm-vendor", "tax-office"}),
		Right:  art19Rights[g.rng.IntN(len(art19Rights))],
		Ground: eventsv1.WaiverGround(1 + g.rng.IntN(2)), Detail: "the recipient no longer exists",
	}}
	return ev
}

// exported is docketd recording an access or portability export.
func (g *gen) exported(t *tenant, s *subject, requestID string) *eventsv1.Event {
	ev := g.event(t, s, "docketd")
	through := uint64(len(g.out)) + 1
	ev.Payload = &eventsv1.Event_SubjectDataExported{SubjectDataExported: &eventsv1.SubjectDataExported{
		RequestId:           requestID,
		Format:              eventsv1.ExportFormat(1 + g.rng.IntN(2)),
		ThroughSequence:     through,
		Events:              uint32(g.rng.IntN(40)),
		WithheldDisclosures: uint32(g.rng.IntN(2)),
		TreeSize:            uint64(g.rng.Int64N(int64(through) + 1)),
	}}
	return ev
}

func (g *gen) erasure(t *tenant, s *subject, requestID string) *eventsv1.Event {
	if requestID == "" {
		requestID = fmt.Sprintf("req-%s-internal-%d", t.name, g.rng.IntN(1000))
	}
	ev := g.event(t, s, g.pick([]string{"crm", "billing", "mailer"}))
	m := &eventsv1.ErasureExecuted{RequestId: requestID, System: g.pick([]string{"crm", "billing", "mailer", "warehouse"}), RecordsErased: uint64(g.rng.IntN(50))}
	if g.rng.IntN(3) == 0 {
		m.Categories = g.some(g.pickActivity(t).GetDataCategories())
	}
	ev.Payload = &eventsv1.Event_ErasureExecuted{ErasureExecuted: m}
	return ev
}

func (g *gen) shred(t *tenant, s *subject, requestID string) *eventsv1.Event {
	groups := []string{"default"}
	for _, a := range t.activities {
		if kg := a.GetKeyGroup(); kg != "" && kg != "tax" && !slices.Contains(groups, kg) && g.rng.IntN(4) != 0 {
			groups = append(groups, kg)
		}
	}
	ev := g.event(t, s, "docketd")
	ev.Payload = &eventsv1.Event_SubjectKeyShredded{SubjectKeyShredded: &eventsv1.SubjectKeyShredded{KeyGroups: groups, RequestId: requestID}}
	s.shredded = true
	return ev
}

func (g *gen) notified(t *tenant, s *subject, requestID string, right eventsv1.Right) *eventsv1.Event {
	rcp := "mailing-platform"
	if len(s.disclosedTo) > 0 {
		rcp = g.pick(s.disclosedTo)
	}
	ev := g.event(t, s, "privacy-desk")
	ev.Payload = &eventsv1.Event_RecipientNotified{RecipientNotified: &eventsv1.RecipientNotified{
		RequestId: requestID, RecipientId: rcp, Right: right, Channel: eventsv1.Channel(g.rng.IntN(8)),
	}}
	return ev
}
