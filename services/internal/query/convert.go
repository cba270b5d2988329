package query

import (
	"sort"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ts is a timestamp, unset for the zero time.
func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func tsp(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return ts(*t)
}

// enumOf reads an enum name as stored by the read models; an unknown or
// empty name is the zero value.
func enumOf(values map[string]int32, name string) int32 { return values[name] }

func legalBasis(name string) eventsv1.LegalBasis {
	return eventsv1.LegalBasis(enumOf(eventsv1.LegalBasis_value, name))
}

func subjectState(st *model.SubjectState) *apiv1.SubjectState {
	out := &apiv1.SubjectState{
		Tenant:       st.Tenant,
		SubjectRef:   st.SubjectRef,
		FirstSeen:    ts(st.FirstSeen),
		LastSeen:     ts(st.LastSeen),
		FirstSeq:     st.FirstSeq,
		LastSeq:      st.LastSeq,
		Events:       uint64(max(st.Events, 0)),
		Child:        st.Child,
		AgeBand:      eventsv1.AgeBand(enumOf(eventsv1.AgeBand_value, st.AgeBand)),
		AgeBandAt:    tsp(st.AgeBandAt),
		OpenRequests: append([]string(nil), st.OpenRequests...),
	}
	for _, k := range sortedKeys(st.Consents) {
		c := st.Consents[k]
		out.Consents = append(out.Consents, &apiv1.Consent{
			Purpose:               c.Purpose,
			Given:                 c.Given,
			NoticeId:              c.NoticeID,
			NoticeVersion:         c.NoticeVersion,
			NoticeSha256:          c.NoticeSHA256,
			Method:                c.Method,
			Channel:               c.Channel,
			ParentalAuthorization: c.Parental,
			GivenAt:               tsp(c.GivenAt),
			WithdrawnAt:           tsp(c.WithdrawnAt),
			ExpiresAt:             tsp(c.ExpiresAt),
			EventId:               c.EventID,
		})
	}
	for _, k := range sortedKeys(st.Restrictions) {
		r := st.Restrictions[k]
		out.Restrictions = append(out.Restrictions, &apiv1.Restriction{
			RestrictionId: r.ID,
			Purposes:      r.Purposes,
			Categories:    r.Categories,
			RequestId:     r.RequestID,
			AppliedAt:     ts(r.AppliedAt),
			LiftedAt:      tsp(r.LiftedAt),
			EventId:       r.EventID,
		})
	}
	for _, o := range st.Objections {
		out.Objections = append(out.Objections, &apiv1.Objection{Purposes: o.Purposes, RequestId: o.RequestID, At: ts(o.At), EventId: o.EventID})
	}
	for _, k := range sortedKeys(st.Erasures) {
		out.Erasures = append(out.Erasures, &apiv1.Erasure{System: k, At: ts(st.Erasures[k])})
	}
	for _, k := range sortedKeys(st.Shredded) {
		out.ShreddedGroups = append(out.ShreddedGroups, &apiv1.ShreddedGroup{KeyGroup: k, At: ts(st.Shredded[k])})
	}
	for _, k := range sortedKeys(st.Collected) {
		c := st.Collected[k]
		out.Collections = append(out.Collections, &apiv1.Collection{ActivityId: c.ActivityID, First: ts(c.First), Last: ts(c.Last), EndedAt: tsp(c.EndedAt)})
	}
	for _, k := range sortedKeys(st.Used) {
		u := st.Used[k]
		x := &apiv1.Use{ActivityId: u.ActivityID, Purposes: u.Purposes, Categories: u.Categories, First: ts(u.First), Last: ts(u.Last),
			Count: uint64(u.Count), Profiling: u.Profiling, EventId: u.EventID,
			AutomatedDecision: eventsv1.AutomatedDecision(enumOf(eventsv1.AutomatedDecision_value, u.AutomatedDecision))}
		for _, b := range u.LegalBases {
			x.LegalBases = append(x.LegalBases, legalBasis(b))
		}
		out.Uses = append(out.Uses, x)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func auditRow(r *model.AuditRow) *apiv1.AuditRow {
	out := &apiv1.AuditRow{
		Seq:         r.Seq,
		EventId:     r.EventID,
		Type:        r.Type,
		Categories:  r.Categories,
		Purposes:    r.Purposes,
		LegalBasis:  legalBasis(r.LegalBasis),
		RecipientId: r.Recipient,
		OccurredAt:  ts(r.OccurredAt),
		RecordedAt:  ts(r.RecordedAt),
		Source:      r.Source,
	}
	if r.ActorKind != "" || r.ActorID != "" {
		out.Actor = &eventsv1.Actor{Kind: eventsv1.ActorKind(enumOf(eventsv1.ActorKind_value, r.ActorKind)), Id: r.ActorID}
	}
	return out
}

func disclosure(r *model.DisclosureRow) *apiv1.Disclosure {
	return &apiv1.Disclosure{
		Seq:        r.Seq,
		EventId:    r.EventID,
		SubjectRef: r.SubjectRef,
		Recipient: &eventsv1.Recipient{
			Id:                r.RecipientID,
			Name:              r.RecipientName,
			Kind:              eventsv1.RecipientKind(enumOf(eventsv1.RecipientKind_value, r.RecipientKind)),
			Country:           r.Country,
			TransferMechanism: eventsv1.TransferMechanism(enumOf(eventsv1.TransferMechanism_value, r.TransferMechanism)),
			DpfCertified:      r.DPFCertified,
			Art49Derogation:   eventsv1.Art49Derogation(enumOf(eventsv1.Art49Derogation_value, r.Art49Derogation)),
		},
		Categories:               r.Categories,
		Purpose:                  r.Purpose,
		LegalBasis:               legalBasis(r.LegalBasis),
		SpecialCategoryCondition: legalBasis(r.SpecialCondition),
		LegalInstrumentRef:       r.LegalInstrumentRef,
		ConfidentialUntil:        tsp(r.ConfidentialUntil),
		ActivityId:               r.ActivityID,
		OccurredAt:               ts(r.OccurredAt),
		RecordedAt:               ts(r.RecordedAt),
	}
}

var requestStatus = map[string]apiv1.RequestStatus{
	model.RequestOpen:      apiv1.RequestStatus_REQUEST_STATUS_OPEN,
	model.RequestFulfilled: apiv1.RequestStatus_REQUEST_STATUS_FULFILLED,
	model.RequestDenied:    apiv1.RequestStatus_REQUEST_STATUS_DENIED,
}

// request converts a request row; its deadline's zone is the one cat
// says was in force at its receipt.
func request(r *model.RequestRow, cat *state.Catalogue) *apiv1.Request {
	return &apiv1.Request{
		NoDataHeld:     r.NoDataHeld,
		TimeZone:       cat.RequestLocation(r).String(),
		RequestId:      r.RequestID,
		SubjectRef:     r.SubjectRef,
		Right:          eventsv1.Right(enumOf(eventsv1.Right_value, r.Right)),
		ReceivedAt:     ts(r.ReceivedAt),
		VerifiedAt:     tsp(r.VerifiedAt),
		ExtendedMonths: uint32(max(r.ExtendedMonths, 0)),
		DueAt:          ts(r.DueAt),
		Status:         requestStatus[r.Status],
		Outcome:        r.Outcome,
		DenialGround:   eventsv1.DenialGround(enumOf(eventsv1.DenialGround_value, r.DenialGround)),
		ClosedAt:       tsp(r.ClosedAt),
		ReceivedSeq:    r.ReceivedSeq,
		EventIds:       r.EventIDs,
	}
}

func finding(f *model.Finding) *apiv1.Finding {
	return &apiv1.Finding{
		FindingId:  f.ID,
		Rule:       f.Rule,
		SubjectRef: f.SubjectRef,
		EventIds:   f.EventIDs,
		AroseAt:    ts(f.AroseAt),
		Seq:        f.Seq,
		Detail:     f.Detail,
	}
}

var observedKind = map[string]apiv1.ObservedKind{
	model.ObservedPurpose:   apiv1.ObservedKind_OBSERVED_KIND_PURPOSE,
	model.ObservedRecipient: apiv1.ObservedKind_OBSERVED_KIND_RECIPIENT,
	model.ObservedCategory:  apiv1.ObservedKind_OBSERVED_KIND_CATEGORY,
}

func observed(r *model.ObservedRow) *apiv1.Observed {
	return &apiv1.Observed{
		Kind:            observedKind[r.Kind],
		Key:             r.Key,
		Count:           r.Count,
		FirstEventId:    r.FirstEventID,
		FirstOccurredAt: ts(r.FirstOccurred),
		LastOccurredAt:  ts(r.LastOccurred),
	}
}
