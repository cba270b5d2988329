// Package rights serves docket.api.v1.RightsService: the data subject's
// rights as the controller exercises them (an export, Art. 15/20; crypto-
// shredding, Art. 17; a proof of erasure) and signed consent receipts.
package rights

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/apierr"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/confidential"
	"github.com/docketledger/docket/services/internal/erasure"
	"github.com/docketledger/docket/services/internal/export"
	"github.com/docketledger/docket/services/internal/receipt"
	"github.com/google/uuid"
	"golang.org/x/text/language"
)

// Service implements apiv1connect.RightsServiceHandler.
type Service struct {
	x        *export.Exporter
	shred    *erasure.Shredder
	receipts *receipt.Maker
	prover   *erasure.Prover
}

var _ apiv1connect.RightsServiceHandler = (*Service)(nil)

// New returns the rights service.
func New(x *export.Exporter, shred *erasure.Shredder, receipts *receipt.Maker, prover *erasure.Prover) (*Service, error) {
	if x == nil || shred == nil || receipts == nil || prover == nil {
		return nil, errors.New("rights: New: nil dependency")
	}
	return &Service{x: x, shred: shred, receipts: receipts, prover: prover}, nil
}

// action is what every request that acts on a subject's data names: the
// subject, the data-subject request it serves (if any) and the person
// acting (if not the token's owner).
type action interface {
	GetTenant() string
	GetSubjectRef() string
	GetRequestId() string
	GetActorId() string
}

// checkAction checks the fields every action has.
func checkAction(ps *apierr.Problems, m action) {
	ps.CheckToken("tenant", m.GetTenant(), true)
	ps.CheckToken("subject_ref", m.GetSubjectRef(), true)
	ps.CheckToken("request_id", m.GetRequestId(), false)
	ps.CheckToken("actor_id", m.GetActorId(), false)
}

// ExportSubject produces and records a subject's export.
func (s *Service) ExportSubject(ctx context.Context, req *connect.Request[apiv1.ExportSubjectRequest]) (*connect.Response[apiv1.ExportSubjectResponse], error) {
	m := req.Msg
	var ps apierr.Problems
	checkAction(&ps, m)
	if m.GetRequestId() == "" && strings.TrimSpace(m.GetJustification()) == "" {
		ps.Add("justification", "is required without a request_id: under which request, or why, the subject's values are read")
	}
	if len(m.GetJustification()) > 500 {
		ps.Add("justification", "is longer than 500 bytes")
	}
	if reason := checkLanguage(m.GetLanguage()); reason != "" {
		ps.Add("language", reason)
	}
	var format export.Format
	switch m.GetFormat() {
	case eventsv1.ExportFormat_EXPORT_FORMAT_HTML:
		format = export.HTML
	case eventsv1.ExportFormat_EXPORT_FORMAT_JSON:
		format = export.JSON
	default:
		ps.Add("format", "must be EXPORT_FORMAT_HTML or EXPORT_FORMAT_JSON")
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	actor, tokenID, err := actorOf(ctx, m.GetActorId())
	if err != nil {
		return nil, err
	}
	res, err := s.x.Export(ctx, export.Request{Tenant: m.GetTenant(), SubjectRef: m.GetSubjectRef(), Format: format,
		RequestID: m.GetRequestId(), ActorID: actor, Justification: m.GetJustification(), TokenID: tokenID, Language: m.GetLanguage()})
	switch {
	case errors.Is(err, export.ErrNotFound):
		return nil, apierr.NotFound(apierr.ErrSubjectNotFound)
	case errors.Is(err, events.ErrInvalid):
		return nil, connect.NewError(connect.CodeInternal, err)
	case err != nil:
		return nil, apierr.Store(err)
	}
	return connect.NewResponse(&apiv1.ExportSubjectResponse{ContentType: res.ContentType, Content: res.Body, EventId: res.EventID, Proofs: res.Proofs}), nil
}

// ShredKeys destroys a subject's data keys and records it.
func (s *Service) ShredKeys(ctx context.Context, req *connect.Request[apiv1.ShredKeysRequest]) (*connect.Response[apiv1.ShredKeysResponse], error) {
	m := req.Msg
	var ps apierr.Problems
	checkAction(&ps, m)
	if len(m.GetKeyGroups()) > 100 {
		ps.Add("key_groups", "more than 100")
	}
	for i, g := range m.GetKeyGroups() {
		ps.CheckToken(fmt.Sprintf("key_groups[%d]", i), g, true)
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	actor, _, err := actorOf(ctx, m.GetActorId())
	if err != nil {
		return nil, err
	}
	res, err := s.shred.Shred(ctx, erasure.Request{Tenant: m.GetTenant(), SubjectRef: m.GetSubjectRef(),
		KeyGroups: m.GetKeyGroups(), RequestID: m.GetRequestId(), ActorID: actor})
	switch {
	case errors.Is(err, erasure.ErrNotFound):
		return nil, apierr.NotFound(apierr.ErrSubjectNotFound)
	case err != nil:
		return nil, connect.NewError(connect.CodeUnavailable, err)
	}
	return connect.NewResponse(&apiv1.ShredKeysResponse{KeyGroups: res.KeyGroups, EventId: res.EventID}), nil
}

// GetConsentReceipt returns a consent event's signed receipt.
func (s *Service) GetConsentReceipt(ctx context.Context, req *connect.Request[apiv1.GetConsentReceiptRequest]) (*connect.Response[apiv1.GetConsentReceiptResponse], error) {
	m := req.Msg
	var ps apierr.Problems
	ps.CheckToken("tenant", m.GetTenant(), true)
	if _, err := uuid.Parse(m.GetEventId()); err != nil {
		ps.Add("event_id", "is not a UUID")
	}
	form := receipt.FormISO27560
	switch m.GetForm() {
	case apiv1.ReceiptForm_RECEIPT_FORM_UNSPECIFIED, apiv1.ReceiptForm_RECEIPT_FORM_ISO_27560:
	case apiv1.ReceiptForm_RECEIPT_FORM_KANTARA_V1_1:
		form = receipt.FormKantara
	default:
		ps.Add("form", "is not a known receipt form")
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	b, err := s.receipts.Make(ctx, m.GetTenant(), m.GetEventId(), form)
	switch {
	case errors.Is(err, receipt.ErrNotFound),
		errors.Is(err, receipt.ErrConfidential) && !confidential.Of(ctx).Sees: // as if it did not exist
		return nil, apierr.NotFound(apierr.ErrEventNotFound)
	case errors.Is(err, receipt.ErrNotConsent), errors.Is(err, receipt.ErrWithdrawal), errors.Is(err, receipt.ErrNoController),
		errors.Is(err, receipt.ErrIncompleteProfile):
		return nil, connect.NewError(connect.CodeFailedPrecondition, err)
	case errors.Is(err, receipt.ErrNotYetSigned):
		return nil, connect.NewError(connect.CodeFailedPrecondition, fmt.Errorf("%w: ask again after the next checkpoint", err))
	case err != nil:
		return nil, connect.NewError(connect.CodeUnavailable, err)
	}
	return connect.NewResponse(&apiv1.GetConsentReceiptResponse{Receipt: b}), nil
}

// ProveErasure returns a subject's proof of erasure.
func (s *Service) ProveErasure(ctx context.Context, req *connect.Request[apiv1.ProveErasureRequest]) (*connect.Response[apiv1.ProveErasureResponse], error) {
	m := req.Msg
	var ps apierr.Problems
	ps.CheckToken("tenant", m.GetTenant(), true)
	ps.CheckToken("subject_ref", m.GetSubjectRef(), true)
	ps.CheckToken("request_id", m.GetRequestId(), false)
	if l := m.GetLanguage(); l != "" && !slices.Contains(erasure.Languages(), l) {
		ps.Add("language", "must be one of "+strings.Join(erasure.Languages(), ", "))
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	doc, _, err := s.prover.Prove(ctx, erasure.ProofRequest{Tenant: m.GetTenant(), SubjectRef: m.GetSubjectRef(), RequestID: m.GetRequestId(),
		Language: m.GetLanguage()})
	switch {
	case errors.Is(err, erasure.ErrNotFound):
		return nil, apierr.NotFound(apierr.ErrSubjectNotFound)
	case err != nil:
		return nil, connect.NewError(connect.CodeUnavailable, err)
	}
	return connect.NewResponse(&apiv1.ProveErasureResponse{Document: doc}), nil
}

// actorOf is who a call acts as: the name of its API token. A claimed
// actor_id must be that name; without a token (in-process use), the claim.
func actorOf(ctx context.Context, claimed string) (actor, tokenID string, err error) {
	t := auth.From(ctx)
	if t == nil {
		return claimed, "", nil
	}
	if claimed != "" && claimed != t.Name {
		return "", "", connect.NewError(connect.CodePermissionDenied, fmt.Errorf("actor_id: this token acts as %s", t.Name))
	}
	return t.Name, t.ID, nil
}

// checkLanguage says what is wrong with a report language, a BCP 47 tag
// ("de", "de-AT"); "" when it is empty or well-formed (golang.org/x/text's
// parser decides), at most 35 characters.
func checkLanguage(lang string) string {
	if lang == "" {
		return ""
	}
	if len(lang) > 35 {
		return "is longer than 35 characters"
	}
	if _, err := language.Parse(lang); err != nil {
		return "is not a BCP 47 language tag, e.g. de or de-AT"
	}
	return ""
}
