package state

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/events/taxonomy"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/source"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// Rule names: Finding.Rule. Apply checks the event-time rules (the rules
// table, then RuleExtensionNotCounted, which needs the request's row, and
// for a declaration or amendment RuleRetentionWithoutLimit); the
// next five are time-based, computed at query time by OverdueRequests,
// RetentionExceeded, OverdueNotifications and BreachFindings; the projector raises
// RuleUnprojectable.
const (
	RuleConsentWithdrawn    = "processing_after_consent_withdrawn"
	RuleWithoutConsent      = "processing_without_consent"
	RuleAfterObjection      = "processing_after_objection"
	RuleDuringRestriction   = "processing_during_restriction"
	RuleUndeclaredRecipient = "disclosure_to_undeclared_recipient"
	RuleSpecialCategory     = "special_category_without_condition"
	RuleUndeclaredActivity  = "processing_under_undeclared_activity"
	RuleOutsideActivity     = "processing_outside_declared_activity"
	RuleChildWithoutParent  = "child_data_without_parental_authorization"
	// RuleChildProfiledOrTargeted: profiling, an automated decision or
	// direct marketing concerning a subject under 18 (Recitals 38, 71).
	RuleChildProfiledOrTargeted = "child_profiled_or_targeted"
	// RuleDenialWithoutRemedies: a request denied without telling the
	// subject of the complaint and the judicial remedy (Art. 12(4)).
	RuleDenialWithoutRemedies = "denial_without_remedies_info"
	RuleAfterErasure          = "processing_after_erasure"
	// RuleTransferWithoutGround: a disclosure to a third country (outside
	// the EEA) without a Chapter V ground: under an adequacy decision that is
	// not in force for the country at occurred_at (Art. 45) or does not cover
	// the importer (the United States': DPF certification), under the Art.
	// 49(1)(a) derogation without the subject's consent, or under none.
	RuleTransferWithoutGround = "transfer_without_chapter_v_ground"
	// RuleRecipientNotAsDeclared: a disclosure whose recipient kind, country,
	// transfer mechanism, Art. 49(1) derogation or DPF certification is not
	// the one the catalogue declares for that recipient id.
	RuleRecipientNotAsDeclared = "disclosure_to_recipient_not_as_declared"
	// RuleExtensionNotCounted: an extension of a rights request's deadline
	// that does not count (Art. 12(3)): recorded after the first month
	// ended, or not the first (ExtensionStanding).
	RuleExtensionNotCounted = "deadline_extension_not_counted"
	// RuleAutomatedDecision: a use (DataProcessed) that takes a decision
	// based solely on automated processing with legal or similarly
	// significant effect (Art. 22(1)) without an Art. 22(2) exception, or
	// that rests on special categories without Art. 9(2)(a) or (g) (Art.
	// 22(4)).
	RuleAutomatedDecision = "automated_decision_without_art22_exception"
	// RuleCriminalData: a collection, use or disclosure of criminal-offence
	// data (user.criminal_history or below) with no Art. 10 basis, neither
	// on the event nor on its declared activity.
	RuleCriminalData = "criminal_data_without_art10_basis"
	// RuleRetentionWithoutLimit: a declaration or amendment of an activity
	// whose retention has no time limit (days 0) or a trigger the ledger
	// does not see, so that its data is never checked (Art. 5(1)(e)).
	// Validate refuses both in a new declaration; only one stored before
	// they were required raises it. It names the declaring event and no
	// subject.
	RuleRetentionWithoutLimit = "retention_without_time_limit"
	RuleRequestPastDeadline   = "rights_request_past_deadline"
	RuleRetentionExceeded     = "retention_exceeded"
	RuleNotificationOverdue   = "recipient_notification_overdue"
	// RuleBreachNotifiedLate and RuleBreachSubjectsNotInformed are
	// time-based, computed at query time from the breach register by
	// BreachFindings (Art. 33(1) and 34(1)); tenant-level: no subject.
	RuleBreachNotifiedLate        = "breach_notified_late"
	RuleBreachSubjectsNotInformed = "breach_subjects_not_informed"
	// RuleUnprojectable is raised by the projector, not by Apply: a stored
	// message under the tenant's subjects is not a valid sealed event and
	// was quarantined (see model.QuarantineRow).
	RuleUnprojectable = "unprojectable_event"
)

// Rules lists every rule name, event-time rules first, in a fixed order.
var Rules = []string{
	RuleConsentWithdrawn, RuleWithoutConsent, RuleAfterObjection, RuleDuringRestriction,
	RuleUndeclaredRecipient, RuleSpecialCategory, RuleUndeclaredActivity, RuleOutsideActivity,
	RuleChildWithoutParent, RuleChildProfiledOrTargeted, RuleAfterErasure, RuleTransferWithoutGround, RuleRecipientNotAsDeclared,
	RuleDenialWithoutRemedies, RuleExtensionNotCounted, RuleAutomatedDecision, RuleCriminalData, RuleRetentionWithoutLimit,
	RuleRequestPastDeadline,
	RuleRetentionExceeded, RuleNotificationOverdue, RuleBreachNotifiedLate, RuleBreachSubjectsNotInformed,
	RuleUnprojectable,
}

const (
	// RetentionFromCollection is the Retention.trigger whose clock the
	// ledger sees: only activities declared with it are checked by
	// RetentionExceeded ("end of contract" and the like are not events).
	RetentionFromCollection = "collection"
	// RetentionHeld starts the action of a RetentionExpired whose data was
	// kept ("held: key group shared with ..."): its period stays open.
	RetentionHeld = "held"
	// MaxExtensionMonths is the most a deadline can be extended (Art. 12(3)).
	MaxExtensionMonths = 2
)

const (
	detailTime = time.RFC3339
	// marketingPurpose is the fideslang data use of direct marketing: it and
	// every key below it.
	marketingPurpose = "marketing"
)

// rule is one event-time compliance rule: check looks at the subject's
// state before the event and the event, and returns the findings the event
// raises (at most one per rule name).
type rule struct {
	name  string
	check func(st *model.SubjectState, cat *Catalogue, rec source.Record) []model.Finding
}

// rules are checked by Apply, in this order, for every subject-level event.
var rules = []rule{
	{RuleConsentWithdrawn, ruleConsent}, // also raises RuleWithoutConsent
	{RuleAfterObjection, ruleObjection},
	{RuleDuringRestriction, ruleRestriction},
	{RuleUndeclaredRecipient, ruleUndeclaredRecipient},
	{RuleSpecialCategory, ruleSpecialCategory},
	{RuleUndeclaredActivity, ruleUndeclaredActivity},
	{RuleOutsideActivity, ruleOutsideActivity},
	{RuleChildWithoutParent, ruleChildWithoutParent},
	{RuleChildProfiledOrTargeted, ruleChildProfiledOrTargeted},
	{RuleAfterErasure, ruleAfterErasure},
	{RuleTransferWithoutGround, ruleTransferWithoutGround},
	{RuleRecipientNotAsDeclared, ruleRecipientNotAsDeclared},
	{RuleAutomatedDecision, ruleAutomatedDecision},
	{RuleCriminalData, ruleCriminalData},
	{RuleDenialWithoutRemedies, ruleDenialWithoutRemedies},
}

// processing is what a rule needs of an event that processes personal
// data: DataCollected, DataProcessed (a use) or DisclosureMade.
type processing struct {
	activity   string
	purposes   []string
	categories []string
	basis      eventsv1.LegalBasis
	condition  eventsv1.LegalBasis
	groups     []string // key groups of the event's values
	// exception is the Art. 18(2) exception the event relies on while the
	// data is restricted (UNSPECIFIED: none).
	exception eventsv1.Art18Exception
}

// processingOf returns the processing an event does; ok is false for an
// event that does none.
func processingOf(ev *eventsv1.Event) (p processing, ok bool) {
	var vals []*eventsv1.DataValue
	switch m := ev.GetPayload().(type) {
	case *eventsv1.Event_DataCollected:
		d := m.DataCollected
		p = processing{d.GetActivityId(), d.GetPurposes(), d.GetCategories(), d.GetLegalBasis(), d.GetSpecialCategoryCondition(), nil, d.GetRestrictionException()}
		vals = d.GetValues()
	case *eventsv1.Event_DisclosureMade:
		d := m.DisclosureMade
		p = processing{d.GetActivityId(), []string{d.GetPurpose()}, d.GetCategories(), d.GetLegalBasis(), d.GetSpecialCategoryCondition(), nil, d.GetRestrictionException()}
		vals = d.GetValues()
	case *eventsv1.Event_DataProcessed:
		// A use holds no values: its key group is its activity's.
		d := m.DataProcessed
		p = processing{d.GetActivityId(), d.GetPurposes(), d.GetCategories(), d.GetLegalBasis(), d.GetSpecialCategoryCondition(), nil, d.GetRestrictionException()}
	default:
		// exhaustive: only a collection, a use and a disclosure process
		// personal data; the others record rights, consents and decisions
		// about it.
		return processing{}, false
	}
	for _, v := range vals {
		if g := normGroup(v.GetKeyGroup()); !contains(p.groups, g) {
			p.groups = append(p.groups, g)
		}
	}
	return p, true
}

// finding builds a finding raised by rec. ids are the earlier events that
// show it; rec's own id comes last.
func finding(name string, rec source.Record, ids []string, detail string) model.Finding {
	ev := rec.Event
	out := make([]string, 0, len(ids)+1)
	for _, id := range append(ids, ev.GetEventId()) {
		if id != "" && !contains(out, id) {
			out = append(out, id)
		}
	}
	return model.Finding{
		ID: name + ":" + ev.GetEventId(), Tenant: ev.GetTenant(), Rule: name, SubjectRef: ev.GetSubjectRef(),
		EventIDs: out, AroseAt: occurredAt(ev), Seq: rec.Sequence, Detail: detail, Group: groupOfEvent(name, ev),
	}
}

func coversAny(parents []string, key string) bool {
	for _, p := range parents {
		if taxonomy.Covers(p, key) {
			return true
		}
	}
	return false
}

// consentAt is how a subject's consent for purpose stood at t.
type consentStanding int

const (
	consentNone      consentStanding = iota // never given (or given only after t)
	consentValid                            // given, not withdrawn, not expired at t
	consentWithdrawn                        // withdrawn at or before t
	consentExpired                          // expired at or before t
)

func consentAt(st *model.SubjectState, purpose string, t time.Time) (consentStanding, *model.Consent) {
	c := st.Consents[purpose]
	switch {
	case c == nil:
		return consentNone, nil
	case c.WithdrawnAt != nil && !c.WithdrawnAt.After(t):
		return consentWithdrawn, c
	case c.GivenAt == nil || c.GivenAt.After(t):
		return consentNone, c
	case c.ExpiresAt != nil && !c.ExpiresAt.After(t):
		return consentExpired, c
	}
	return consentValid, c
}

// ruleConsent: processing or a disclosure for a purpose that needs consent
// — the event rests on Art. 6(1)(a), or the catalogue's activity for it
// does — with no valid consent for that purpose at occurred_at. Raises
// RuleConsentWithdrawn when the consent was withdrawn (citing the
// withdrawal), RuleWithoutConsent when it was never given, given only
// later, or expired.
func ruleConsent(st *model.SubjectState, cat *Catalogue, rec source.Record) []model.Finding {
	p, ok := processingOf(rec.Event)
	if !ok {
		return nil
	}
	at := occurredAt(rec.Event)
	v := cat.view(rec.Event.GetTenant(), at, rec.Sequence)
	var withdrawnIDs, withdrawn, missing []string
	for _, purpose := range p.purposes {
		if p.basis != eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_A_CONSENT && !v.requiresConsent(p.activity, purpose) {
			continue
		}
		s, c := consentAt(st, purpose, at)
		if s != consentWithdrawn {
			if key, w := relatedWithdrawal(st, purpose, c, at); w != nil {
				withdrawn = append(withdrawn, purpose+" (consent to "+key+" withdrawn)")
				withdrawnIDs = append(withdrawnIDs, w.EventID)
				continue
			}
		}
		switch s {
		case consentValid:
		case consentWithdrawn:
			withdrawn = append(withdrawn, purpose)
			withdrawnIDs = append(withdrawnIDs, c.EventID)
		case consentExpired:
			missing = append(missing, purpose+" (consent expired)")
		default:
			missing = append(missing, purpose+" (no consent given)")
		}
	}
	var out []model.Finding
	if len(withdrawn) > 0 {
		out = append(out, finding(RuleConsentWithdrawn, rec, withdrawnIDs, fmt.Sprintf(
			"%s for %s after consent to it was withdrawn%s", what(rec.Event, p), strings.Join(withdrawn, ", "), under(p))))
	}
	if len(missing) > 0 {
		out = append(out, finding(RuleWithoutConsent, rec, nil, fmt.Sprintf(
			"%s for %s, which needs consent, without valid consent%s", what(rec.Event, p), strings.Join(missing, ", "), under(p))))
	}
	return out
}

// relatedWithdrawal finds a withdrawal, at or before at, of consent to a
// purpose above or below purpose (Art. 7(3)): withdrawing consent to
// "marketing" withdraws it for "marketing.communications.email", and
// processing for "marketing" may include the "marketing.communications.email"
// the subject withdrew from. A consent to purpose itself given after that
// withdrawal is a new, specific consent and stands. It returns the
// withdrawn key and its consent, or nil.
func relatedWithdrawal(st *model.SubjectState, purpose string, own *model.Consent, at time.Time) (string, *model.Consent) {
	for _, k := range sortedKeys(st.Consents) {
		if k == purpose || !taxonomy.Related(k, purpose) {
			continue
		}
		s, w := consentAt(st, k, at)
		if s != consentWithdrawn {
			continue
		}
		if own != nil && own.GivenAt != nil && own.GivenAt.After(*w.WithdrawnAt) && !own.GivenAt.After(at) {
			continue
		}
		return k, w
	}
	return "", nil
}

// ruleObjection: processing for a purpose the subject objected to (at or
// before occurred_at). An objection (Art. 21) binds processing on public
// task or legitimate interests (Art. 6(1)(e), (f)) and any direct marketing
// ("marketing" or a purpose below it, whatever the basis: Art. 21(2), (3)).
// Purposes match on one line of the hierarchy: an objection covers the
// purposes below it, and processing for a broader purpose than the one
// objected to is flagged too, since it may include it; a sibling purpose is
// not.
//
// The controller's compelling legitimate grounds or legal claims (Art.
// 21(1), ObjectionOverridden) lift it for processing on Art. 6(1)(e) or (f)
// after the override, for the purposes the override names and those below
// them, of the objections recorded (occurred_at) at or before the override:
// of the purpose and the key objected to, the narrower is the processing
// objected to, and the override must cover it. An objection recorded after
// the override needs grounds of its own. Direct marketing is never
// overridden (Art. 21(3); validation refuses such an override, and a stored
// one is ignored here).
func ruleObjection(st *model.SubjectState, _ *Catalogue, rec source.Record) []model.Finding {
	p, ok := processingOf(rec.Event)
	if !ok {
		return nil
	}
	at := occurredAt(rec.Event)
	var ids, hit []string
	for _, purpose := range p.purposes {
		marketing := taxonomy.Covers(marketingPurpose, purpose)
		if p.basis != eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_E_PUBLIC_TASK &&
			p.basis != eventsv1.LegalBasis_LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS &&
			!marketing {
			continue
		}
		for _, o := range st.Objections {
			if o.At.After(at) {
				continue
			}
			for _, op := range o.Purposes {
				if !taxonomy.Related(op, purpose) {
					continue
				}
				objected := purpose // the narrower of the two keys
				if !taxonomy.Covers(op, purpose) {
					objected = op
				}
				if !marketing && !taxonomy.Covers(marketingPurpose, objected) && overridden(st, objected, o.At, at) {
					continue
				}
				ids = append(ids, o.EventID)
				h := purpose
				if !taxonomy.Covers(op, purpose) {
					h += " (which includes " + op + ")"
				}
				if !contains(hit, h) {
					hit = append(hit, h)
				}
			}
		}
	}
	if len(hit) == 0 {
		return nil
	}
	return []model.Finding{finding(RuleAfterObjection, rec, ids, fmt.Sprintf(
		"%s for %s after the subject objected to it%s", what(rec.Event, p), strings.Join(hit, ", "), under(p)))}
}

// overridden tells whether an ObjectionOverridden of the subject, recorded
// (occurred_at) at or after objectedAt and at or before at, names purpose or
// a purpose above it. It never covers direct marketing (Art. 21(3)), which
// Validate refuses in an override.
func overridden(st *model.SubjectState, purpose string, objectedAt, at time.Time) bool {
	if taxonomy.Covers(marketingPurpose, purpose) {
		return false
	}
	for _, o := range st.Overrides {
		if o == nil || o.At.Before(objectedAt) || o.At.After(at) {
			continue
		}
		if coversAny(o.Purposes, purpose) {
			return true
		}
	}
	return false
}

// ruleRestriction: processing while a restriction (Art. 18) in force at
// occurred_at covers it: applied at or before, not lifted by then, for one
// of the event's purposes (a restriction without purposes covers every
// purpose) and, when the restriction names categories, for one of them.
// An event that records an Art. 18(2) exception (restriction_exception:
// the subject's consent, legal claims, the protection of another person,
// an important public interest) is processing the law allows during the
// restriction, and raises nothing: the ledger takes the exception at its
// word, as it takes a transfer mechanism (the event is the controller's
// record of relying on it). Storage is allowed anyway (Art. 18(2)) and is
// no event.
func ruleRestriction(st *model.SubjectState, _ *Catalogue, rec source.Record) []model.Finding {
	p, ok := processingOf(rec.Event)
	if !ok || p.exception != eventsv1.Art18Exception_ART18_EXCEPTION_UNSPECIFIED {
		return nil
	}
	at := occurredAt(rec.Event)
	var ids, hit []string
	for _, id := range sortedKeys(st.Restrictions) {
		r := st.Restrictions[id]
		if r.AppliedAt.After(at) || (r.LiftedAt != nil && !r.LiftedAt.After(at)) {
			continue
		}
		if len(r.Categories) > 0 && !anyCovered(r.Categories, p.categories) {
			continue
		}
		matched := len(r.Purposes) == 0
		for _, purpose := range p.purposes {
			if len(r.Purposes) == 0 || coversAny(r.Purposes, purpose) {
				matched = true
			}
		}
		if matched {
			ids = append(ids, r.EventID)
			hit = append(hit, r.ID)
		}
	}
	if len(hit) == 0 {
		return nil
	}
	return []model.Finding{finding(RuleDuringRestriction, rec, ids, fmt.Sprintf(
		"%s for %s while restriction %s was in force", what(rec.Event, p), strings.Join(p.purposes, ", "), strings.Join(hit, ", ")))}
}

func anyCovered(parents, keys []string) bool {
	for _, k := range keys {
		if coversAny(parents, k) {
			return true
		}
	}
	return false
}

// ruleUndeclaredRecipient: a disclosure to a recipient that no activity of
// the tenant's catalogue, as declared at occurred_at, lists.
func ruleUndeclaredRecipient(_ *model.SubjectState, cat *Catalogue, rec source.Record) []model.Finding {
	m := rec.Event.GetDisclosureMade()
	if m == nil {
		return nil
	}
	id := m.GetRecipient().GetId()
	if cat.view(rec.Event.GetTenant(), occurredAt(rec.Event), rec.Sequence).declaresRecipient(id) {
		return nil
	}
	return []model.Finding{finding(RuleUndeclaredRecipient, rec, nil, fmt.Sprintf(
		"disclosure to recipient %s, which no processing activity declares, for %s", id, m.GetPurpose()))}
}

// ruleSpecialCategory: processing of a special category (Art. 9) whose
// condition does not hold. Validation already refuses such an event with no
// Art. 9(2) condition at all, so the rule fires when the event relies on
// Art. 9(2)(a) explicit consent and the subject has no valid consent for
// its purposes at occurred_at; when the event's activity is declared with
// no Art. 9(2) condition, or with another one than the event relies on (a
// condition the source declares for itself is not the controller's); or
// when the event names an activity that is not declared, so that no
// condition is declared for it. (An event that names no activity is judged
// on its own condition only.)
func ruleSpecialCategory(st *model.SubjectState, cat *Catalogue, rec source.Record) []model.Finding {
	p, ok := processingOf(rec.Event)
	if !ok {
		return nil
	}
	special := specialOf(p.categories)
	if len(special) == 0 {
		return nil
	}
	at := occurredAt(rec.Event)
	var why []string
	var ids []string
	if p.condition == eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT {
		for _, purpose := range p.purposes {
			if s, c := consentAt(st, purpose, at); s != consentValid {
				why = append(why, "relies on Art. 9(2)(a) explicit consent without valid consent for "+purpose)
				if c != nil && s == consentWithdrawn {
					ids = append(ids, c.EventID)
				}
			}
		}
	}
	if p.activity != "" {
		d := cat.declared(rec.Event.GetTenant(), p.activity, at, rec.Sequence)
		switch {
		case d == nil:
			why = append(why, "activity "+p.activity+" is not declared, so no Art. 9(2) condition is declared for it")
		case d.activity.GetSpecialCategoryCondition() == eventsv1.LegalBasis_LEGAL_BASIS_UNSPECIFIED:
			why = append(why, "activity "+p.activity+" declares no Art. 9(2) condition")
			ids = append(ids, d.eventID)
		case d.activity.GetSpecialCategoryCondition() != p.condition:
			why = append(why, fmt.Sprintf("relies on %s while activity %s declares %s",
				p.condition, p.activity, d.activity.GetSpecialCategoryCondition()))
			ids = append(ids, d.eventID)
		}
	}
	if len(why) == 0 {
		return nil
	}
	return []model.Finding{finding(RuleSpecialCategory, rec, ids, fmt.Sprintf(
		"%s of special category %s: %s", what(rec.Event, p), strings.Join(special, ", "), strings.Join(why, "; ")))}
}

// specialOf lists the special categories (Art. 9(1)) among categories.
func specialOf(categories []string) []string {
	var out []string
	for _, c := range categories {
		if taxonomy.IsSpecialCategory(c) {
			out = append(out, c)
		}
	}
	return out
}

// ruleUndeclaredActivity: processing that names an activity the tenant's
// catalogue does not declare at occurred_at (Art. 5(1)(b), 30): nothing
// says what it may be used for, on which basis, or for how long.
func ruleUndeclaredActivity(_ *model.SubjectState, cat *Catalogue, rec source.Record) []model.Finding {
	p, ok := processingOf(rec.Event)
	if !ok || p.activity == "" {
		return nil
	}
	if cat.declared(rec.Event.GetTenant(), p.activity, occurredAt(rec.Event), rec.Sequence) != nil {
		return nil
	}
	return []model.Finding{finding(RuleUndeclaredActivity, rec, nil, fmt.Sprintf(
		"%s, which the processing catalogue does not declare, for %s%s", what(rec.Event, p), strings.Join(p.purposes, ", "), under(p)))}
}

// ruleOutsideActivity: processing under a declared activity (as declared
// at occurred_at) beyond what the activity declares: a category or a
// purpose no declared key covers (a declared key covers the keys below it:
// "user.contact" covers "user.contact.email"; a broader key than the one
// declared is outside it), or another legal basis (Art. 5(1)(b), 6); for
// a use (DataProcessed), profiling (Art. 4(4)) under an activity that does
// not declare it, or a decision based solely on automated processing
// beyond the one the activity declares (none, or one without significant
// effect, for a use with legal or similarly significant effect). The
// finding cites the declaration. The Art. 9(2) condition is
// ruleSpecialCategory's.
func ruleOutsideActivity(_ *model.SubjectState, cat *Catalogue, rec source.Record) []model.Finding {
	p, ok := processingOf(rec.Event)
	if !ok || p.activity == "" {
		return nil
	}
	d := cat.declared(rec.Event.GetTenant(), p.activity, occurredAt(rec.Event), rec.Sequence)
	if d == nil {
		return nil
	}
	a := d.activity
	var why []string
	if keys := uncovered(a.GetDataCategories(), p.categories); len(keys) > 0 {
		why = append(why, "categories "+strings.Join(keys, ", ")+" not declared")
	}
	if keys := uncovered(a.GetPurposes(), p.purposes); len(keys) > 0 {
		why = append(why, "purposes "+strings.Join(keys, ", ")+" not declared")
	}
	if p.basis != a.GetLegalBasis() {
		why = append(why, fmt.Sprintf("legal basis %s, the activity declares %s", p.basis, a.GetLegalBasis()))
	}
	if u := rec.Event.GetDataProcessed(); u != nil {
		if u.GetProfiling() && !a.GetProfiling() {
			why = append(why, "profiling (Art. 4(4)), which the activity does not declare")
		}
		// The enum runs from none through no significant effect to
		// significant effect: a use may decide no more than declared.
		if d := u.GetAutomatedDecision(); d > a.GetAutomatedDecision() {
			why = append(why, fmt.Sprintf("a decision based solely on automated processing (%s, Art. 22(1)), the activity declares %s",
				d, a.GetAutomatedDecision()))
		}
	}
	if len(why) == 0 {
		return nil
	}
	return []model.Finding{finding(RuleOutsideActivity, rec, []string{d.eventID}, fmt.Sprintf(
		"%s outside its declaration: %s", what(rec.Event, p), strings.Join(why, "; ")))}
}

// uncovered lists the keys no declared key covers, each once, in order.
func uncovered(declared, keys []string) []string {
	var out []string
	for _, k := range keys {
		if !coversAny(declared, k) && !contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// ruleAfterErasure: processing that touches a key group shredded at or
// before occurred_at. An event touches the key groups of its values and
// the key group of its activity as declared (default when the activity is
// not declared). ErasureExecuted alone does not count: a system's report
// may be partial (categories) or leave data under a legal hold (the tax
// group); the shredding of the keys is the erasure the ledger can prove.
func ruleAfterErasure(st *model.SubjectState, cat *Catalogue, rec source.Record) []model.Finding {
	p, ok := processingOf(rec.Event)
	if !ok || len(st.Shredded) == 0 {
		return nil
	}
	at := occurredAt(rec.Event)
	groups := append([]string(nil), p.groups...)
	if g := groupOf(cat.view(rec.Event.GetTenant(), at, rec.Sequence), p.activity); !contains(groups, g) {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	var hit, ids []string
	for _, g := range groups {
		if t, ok := st.Shredded[g]; ok && !t.After(at) {
			hit = append(hit, fmt.Sprintf("key group %s (shredded %s)", g, t.UTC().Format(detailTime)))
			ids = append(ids, st.ShreddedBy[g])
		}
	}
	if len(hit) == 0 {
		return nil
	}
	return []model.Finding{finding(RuleAfterErasure, rec, ids, fmt.Sprintf(
		"%s after the subject's keys were shredded: %s", what(rec.Event, p), strings.Join(hit, ", ")))}
}

// ruleExtensionNotCounted: a RightsRequestDeadlineExtended of an open
// request (one of the subject's, known to reqs) that does not count, by
// ExtensionStanding in the tenant's zone: recorded after the first month
// ended, or after an extension that counted. The deadline stays as it
// stands (request); the finding names the request, why, and that deadline.
func ruleExtensionNotCounted(reqs Requests, cat *Catalogue, rec source.Record) []model.Finding {
	ev := rec.Event
	m := ev.GetRightsRequestDeadlineExtended()
	if m == nil || reqs == nil {
		return nil
	}
	cur := reqs(ev.GetTenant(), m.GetRequestId())
	if cur == nil || cur.SubjectRef != ev.GetSubjectRef() || cur.Status != model.RequestOpen {
		return nil
	}
	loc := cat.RequestLocation(cur)
	why := ExtensionStanding(cur, occurredAt(ev), loc)
	if len(why) == 0 {
		return nil
	}
	var ids []string
	if len(cur.EventIDs) > 0 {
		ids = []string{cur.EventIDs[0]} // a new slice: finding appends to it
	}
	return []model.Finding{finding(RuleExtensionNotCounted, rec, ids, fmt.Sprintf(
		"extension of request %s (%s) by %s does not count: %s; the deadline stands at %s",
		cur.RequestID, cur.Right, monthsText(int(m.GetMonths())), strings.Join(why, "; "), cur.DueAt.In(loc).Format(detailTime)))}
}

// what names an event's processing in a finding's detail.
func what(ev *eventsv1.Event, p processing) string {
	s := "data collected"
	if m := ev.GetDisclosureMade(); m != nil {
		s = "disclosure to " + m.GetRecipient().GetId()
	}
	if m := ev.GetDataProcessed(); m != nil {
		s = "data used by " + m.GetSystem()
	}
	if p.activity != "" {
		s += " under activity " + p.activity
	}
	return s
}

func under(p processing) string {
	if p.basis == 0 {
		return ""
	}
	return " (" + p.basis.String() + ")"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ruleTransferWithoutGround: a disclosure to a recipient outside the EEA
// (Art. 44) without a Chapter V ground:
//   - under TRANSFER_MECHANISM_ADEQUACY_DECISION while no Art. 45 decision
//     for its country is in force at occurred_at (taxonomy.AdequacyAt), or
//     under the United States' decision (2023/1795) to a recipient the
//     disclosure does not show certified under the EU-US Data Privacy
//     Framework (Recipient.dpf_certified): that decision covers certified
//     importers only;
//   - under TRANSFER_MECHANISM_DEROGATION_ART49 relying on Art. 49(1)(a),
//     the subject's explicit consent, with no valid consent of the subject
//     on record for the disclosure's purpose at occurred_at (the finding
//     names the derogation; the other derogations are taken at their word);
//   - with no mechanism at all (validation refuses one now; a stored one is
//     still judged).
//
// The other mechanisms (Art. 46, 47) are taken at their word: the ledger
// holds no clauses or rules to check.
func ruleTransferWithoutGround(st *model.SubjectState, _ *Catalogue, rec source.Record) []model.Finding {
	m := rec.Event.GetDisclosureMade()
	if m == nil {
		return nil
	}
	r := m.GetRecipient()
	country, tm := r.GetCountry(), r.GetTransferMechanism()
	if taxonomy.InEEA(country) {
		return nil
	}
	at := occurredAt(rec.Event)
	var why string
	var ids []string
	switch tm {
	case eventsv1.TransferMechanism_TRANSFER_MECHANISM_UNSPECIFIED, eventsv1.TransferMechanism_TRANSFER_MECHANISM_NOT_APPLICABLE:
		why = fmt.Sprintf("under %s: no Chapter V ground (Art. 44)", tm)
	case eventsv1.TransferMechanism_TRANSFER_MECHANISM_ADEQUACY_DECISION:
		a, ok := taxonomy.AdequacyAt(country, at)
		switch {
		case !ok:
			why = fmt.Sprintf("under %s, but no Art. 45 adequacy decision for %s is in force on %s", tm, country, at.Format(time.DateOnly))
		case a.Condition == taxonomy.AdequacyDPFCertified && !r.GetDpfCertified():
			why = fmt.Sprintf("under %s: the adequacy decision for %s (%s) covers only an importer certified under the EU-US Data Privacy Framework, and the recipient is not shown certified (dpf_certified)", tm, country, a.Source)
		}
	case eventsv1.TransferMechanism_TRANSFER_MECHANISM_DEROGATION_ART49:
		if r.GetArt49Derogation() != eventsv1.Art49Derogation_ART49_DEROGATION_EXPLICIT_CONSENT {
			break
		}
		purpose := m.GetPurpose()
		switch s, c := consentAt(st, purpose, at); s {
		case consentValid:
		case consentWithdrawn:
			why = fmt.Sprintf("under %s, %s (Art. 49(1)(a)), but the subject's consent to %s was withdrawn", tm, r.GetArt49Derogation(), purpose)
			ids = append(ids, c.EventID)
		default:
			why = fmt.Sprintf("under %s, %s (Art. 49(1)(a)), with no valid consent of the subject to %s on record", tm, r.GetArt49Derogation(), purpose)
		}
	}
	if why == "" {
		return nil
	}
	return []model.Finding{finding(RuleTransferWithoutGround, rec, ids, fmt.Sprintf(
		"disclosure to recipient %s in %s, outside the EEA, %s", r.GetId(), country, why))}
}

// ruleRecipientNotAsDeclared: a disclosure to a recipient id the catalogue
// declares (as of occurred_at, as the other rules see it), whose kind,
// country, transfer mechanism, Art. 49(1) derogation or DPF certification
// is not the declared one. The disclosure's
// activity is compared when it declares the recipient; else every activity
// that declares it, and the disclosure is fine if one of them matches. A
// recipient no activity declares is RuleUndeclaredRecipient's.
func ruleRecipientNotAsDeclared(_ *model.SubjectState, cat *Catalogue, rec source.Record) []model.Finding {
	m := rec.Event.GetDisclosureMade()
	if m == nil {
		return nil
	}
	r := m.GetRecipient()
	v := cat.view(rec.Event.GetTenant(), occurredAt(rec.Event), rec.Sequence)
	declaredIn := func(a *eventsv1.ProcessingActivity) []*eventsv1.Recipient {
		var out []*eventsv1.Recipient
		for _, d := range a.GetRecipients() {
			if d.GetId() == r.GetId() {
				out = append(out, d)
			}
		}
		return out
	}
	var declared []*eventsv1.Recipient
	if a := v[m.GetActivityId()]; a != nil {
		declared = declaredIn(a)
	}
	if len(declared) == 0 {
		ids := make([]string, 0, len(v))
		for id := range v {
			ids = append(ids, id)
		}
		sort.Strings(ids) // a stable detail
		for _, id := range ids {
			declared = append(declared, declaredIn(v[id])...)
		}
	}
	if len(declared) == 0 {
		return nil
	}
	var diffs []string
	for i, d := range declared {
		var diff []string
		if d.GetKind() != r.GetKind() {
			diff = append(diff, fmt.Sprintf("kind %s, declared %s", r.GetKind(), d.GetKind()))
		}
		if d.GetCountry() != r.GetCountry() {
			diff = append(diff, fmt.Sprintf("country %s, declared %s", r.GetCountry(), d.GetCountry()))
		}
		if d.GetTransferMechanism() != r.GetTransferMechanism() {
			diff = append(diff, fmt.Sprintf("transfer mechanism %s, declared %s", r.GetTransferMechanism(), d.GetTransferMechanism()))
		}
		if d.GetArt49Derogation() != r.GetArt49Derogation() {
			diff = append(diff, fmt.Sprintf("Art. 49(1) derogation %s, declared %s", r.GetArt49Derogation(), d.GetArt49Derogation()))
		}
		if d.GetDpfCertified() != r.GetDpfCertified() {
			diff = append(diff, fmt.Sprintf("DPF certified %t, declared %t", r.GetDpfCertified(), d.GetDpfCertified()))
		}
		if len(diff) == 0 {
			return nil
		}
		if i == 0 {
			diffs = diff
		}
	}
	return []model.Finding{finding(RuleRecipientNotAsDeclared, rec, nil, fmt.Sprintf(
		"disclosure to recipient %s not as declared: %s", r.GetId(), strings.Join(diffs, "; ")))}
}

// ruleRetentionWithoutLimit raises RuleRetentionWithoutLimit for a
// declaration or amendment (rec) whose retention is not checked: no time
// limit, or no trigger the ledger sees (retentionOf).
func ruleRetentionWithoutLimit(rec source.Record) []model.Finding {
	ev := rec.Event
	a := ev.GetProcessingActivityDeclared().GetActivity()
	if a == nil {
		a = ev.GetProcessingActivityAmended().GetActivity()
	}
	r := a.GetRetention()
	var why string
	switch {
	case r.GetDays() == 0 && triggerOf(r) == eventsv1.RetentionTrigger_RETENTION_TRIGGER_UNSPECIFIED:
		why = "no time limit and no trigger the ledger sees"
	case r.GetDays() == 0:
		why = "no time limit (0 days)"
	case triggerOf(r) == eventsv1.RetentionTrigger_RETENTION_TRIGGER_UNSPECIFIED:
		why = "no trigger the ledger sees (trigger_event unset)"
	default:
		return nil
	}
	return []model.Finding{{
		ID: RuleRetentionWithoutLimit + ":" + ev.GetEventId(), Tenant: ev.GetTenant(), Rule: RuleRetentionWithoutLimit,
		EventIDs: []string{ev.GetEventId()}, AroseAt: occurredAt(ev), Seq: rec.Sequence, Group: GroupKey(RuleRetentionWithoutLimit, a.GetActivityId()),
		Detail: fmt.Sprintf("activity %s declares a retention with %s: its data is never checked against a time limit (Art. 5(1)(e))",
			a.GetActivityId(), why),
	}}
}

// ruleAutomatedDecision: a use (DataProcessed) that takes a decision based
// solely on automated processing with legal or similarly significant effect
// (AUTOMATED_DECISION_SIGNIFICANT_EFFECT, Art. 22(1)) where Art. 22 forbids
// it: with no Art. 22(2) exception; relying on Art. 22(2)(c) explicit
// consent while the subject has no valid consent for one of its purposes at
// occurred_at; or on special categories with an Art. 9(2) condition other
// than (a) explicit consent or (g) substantial public interest (Art.
// 22(4)). A decision without such effect, or one a person takes, is not
// Art. 22's; whether the activity declares it is ruleOutsideActivity's.
func ruleAutomatedDecision(st *model.SubjectState, _ *Catalogue, rec source.Record) []model.Finding {
	u := rec.Event.GetDataProcessed()
	if u == nil || u.GetAutomatedDecision() != eventsv1.AutomatedDecision_AUTOMATED_DECISION_SIGNIFICANT_EFFECT {
		return nil
	}
	p, _ := processingOf(rec.Event)
	at := occurredAt(rec.Event)
	var why, ids []string
	switch u.GetArt22Exception() {
	case eventsv1.Art22Exception_ART22_EXCEPTION_UNSPECIFIED:
		why = append(why, "no Art. 22(2) exception (contract, Union or Member State law, explicit consent)")
	case eventsv1.Art22Exception_ART22_EXCEPTION_EXPLICIT_CONSENT:
		for _, purpose := range p.purposes {
			if s, c := consentAt(st, purpose, at); s != consentValid {
				why = append(why, "relies on Art. 22(2)(c) explicit consent without valid consent for "+purpose)
				if c != nil && s == consentWithdrawn {
					ids = append(ids, c.EventID)
				}
			}
		}
	}
	if special := specialOf(p.categories); len(special) > 0 && p.condition != eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_A_EXPLICIT_CONSENT &&
		p.condition != eventsv1.LegalBasis_LEGAL_BASIS_ART9_2_G_SUBSTANTIAL_PUBLIC_INTEREST {
		why = append(why, fmt.Sprintf("special categories %s under %s, where Art. 22(4) allows only Art. 9(2)(a) or (g)",
			strings.Join(special, ", "), p.condition))
	}
	if len(why) == 0 {
		return nil
	}
	return []model.Finding{finding(RuleAutomatedDecision, rec, ids, fmt.Sprintf(
		"%s for %s took a decision based solely on automated processing with legal or similarly significant effect (Art. 22(1)): %s",
		what(rec.Event, p), strings.Join(p.purposes, ", "), strings.Join(why, "; ")))}
}

// criminalCategory is the fideslang category of personal data relating to
// criminal convictions and offences (Art. 10): it and every key below it.
const criminalCategory = "user.criminal_history"

// criminalBasisOf is the Art. 10 basis an event that processes personal
// data records for itself.
func criminalBasisOf(ev *eventsv1.Event) eventsv1.CriminalDataBasis {
	switch m := ev.GetPayload().(type) {
	case *eventsv1.Event_DataCollected:
		return m.DataCollected.GetCriminalDataBasis()
	case *eventsv1.Event_DataProcessed:
		return m.DataProcessed.GetCriminalDataBasis()
	case *eventsv1.Event_DisclosureMade:
		return m.DisclosureMade.GetCriminalDataBasis()
	default:
		// exhaustive: the payloads processingOf knows; the others process
		// nothing and record no basis.
		return eventsv1.CriminalDataBasis_CRIMINAL_DATA_BASIS_UNSPECIFIED
	}
}

// ruleCriminalData: a collection, use or disclosure of criminal-offence
// data (user.criminal_history or a key below it) with no Art. 10 basis
// (under the control of official authority, or authorised by Union or
// Member State law): none on the event, and none on its activity as
// declared at occurred_at (or the event names no activity, or an
// undeclared one). A basis on either is taken at its word: the ledger
// holds no authority's control or law to check.
func ruleCriminalData(_ *model.SubjectState, cat *Catalogue, rec source.Record) []model.Finding {
	p, ok := processingOf(rec.Event)
	if !ok {
		return nil
	}
	var crim []string
	for _, c := range p.categories {
		if taxonomy.Covers(criminalCategory, c) && !contains(crim, c) {
			crim = append(crim, c)
		}
	}
	if len(crim) == 0 || criminalBasisOf(rec.Event) != eventsv1.CriminalDataBasis_CRIMINAL_DATA_BASIS_UNSPECIFIED {
		return nil
	}
	var ids []string
	var why string
	if p.activity == "" {
		why = "it names no activity"
	} else {
		d := cat.declared(rec.Event.GetTenant(), p.activity, occurredAt(rec.Event), rec.Sequence)
		switch {
		case d == nil:
			why = "activity " + p.activity + " is not declared"
		case d.activity.GetCriminalDataBasis() != eventsv1.CriminalDataBasis_CRIMINAL_DATA_BASIS_UNSPECIFIED:
			return nil
		default:
			why = "activity " + p.activity + " declares none"
			ids = []string{d.eventID}
		}
	}
	return []model.Finding{finding(RuleCriminalData, rec, ids, fmt.Sprintf(
		"%s of criminal-offence data %s without an Art. 10 basis: none on the event, and %s",
		what(rec.Event, p), strings.Join(crim, ", "), why))}
}

// ruleDenialWithoutRemedies (Art. 12(4)): a RightsRequestDenied that does
// not record that the subject was told of the possibility of lodging a
// complaint with a supervisory authority and of seeking a judicial remedy
// (remedies_given). A stored denial with ground DENIAL_GROUND_NO_DATA_HELD
// is judged alike: it was recorded as a denial.
func ruleDenialWithoutRemedies(_ *model.SubjectState, _ *Catalogue, rec source.Record) []model.Finding {
	m := rec.Event.GetRightsRequestDenied()
	if m == nil || m.GetRemediesGiven() {
		return nil
	}
	return []model.Finding{finding(RuleDenialWithoutRemedies, rec, nil, fmt.Sprintf(
		"request %s denied (%s) without recording that the subject was told of the right to lodge a complaint and to seek a judicial remedy",
		m.GetRequestId(), events.EnumName(m.GetGround())))}
}
