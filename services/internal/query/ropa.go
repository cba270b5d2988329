package query

import (
	"context"
	"sort"
	"strings"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/model"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/apierr"
	"github.com/docketledger/docket/services/internal/confidential"
	"github.com/docketledger/docket/services/internal/controller"
)

// GetRecordOfProcessing returns the activities declared as of a time, what
// events show was processed, and what was processed but never declared.
func (s *Service) GetRecordOfProcessing(ctx context.Context, req *connect.Request[apiv1.GetRecordOfProcessingRequest]) (*connect.Response[apiv1.GetRecordOfProcessingResponse], error) {
	m := req.Msg
	var ps apierr.Problems
	ps.CheckToken("tenant", m.GetTenant(), true)
	axis := checkAxis(&ps, m.GetAxis())
	asOf := checkTime(&ps, "as_of", m.GetAsOf())
	if err := ps.Err(); err != nil {
		return nil, err
	}
	tenant := m.GetTenant()
	if err := s.tenantExists(ctx, tenant); err != nil {
		return nil, err
	}
	at := asOf
	if at.IsZero() {
		at = s.opts.Now()
	}
	cat, err := s.catalogue(ctx, tenant)
	if err != nil {
		return nil, err
	}
	acts := cat.AsOf(tenant, at, axis)
	sort.Slice(acts, func(i, j int) bool { return acts[i].GetActivityId() < acts[j].GetActivityId() })
	obs, err := s.r.Observed(ctx, tenant)
	if err != nil {
		return nil, apierr.Store(err)
	}
	w, err := s.withheldOf(ctx, confidential.Of(ctx), tenant, "")
	if err != nil {
		return nil, err
	}
	if obs, err = s.observedWithout(ctx, tenant, obs, w); err != nil {
		return nil, err
	}
	sort.Slice(obs, func(i, j int) bool {
		if obs[i].Kind != obs[j].Kind {
			return obs[i].Kind < obs[j].Kind
		}
		return obs[i].Key < obs[j].Key
	})
	decl := declaredKeys(acts)
	prof, _, err := controller.AsOf(ctx, s.r, s.opts.Keys, tenant, at, axis)
	if err != nil {
		if ce := apierr.Context(err); ce != nil {
			return nil, ce
		}
		return nil, connect.NewError(connect.CodeUnavailable, err)
	}
	resp := &apiv1.GetRecordOfProcessingResponse{Activities: acts, Controller: prof}
	for i := range obs {
		o := &obs[i]
		// Not yet seen at the time asked for. The store keeps a key's first
		// occurred_at only, so this reads occurred_at on either axis.
		if !asOf.IsZero() && o.FirstOccurred.After(asOf) {
			continue
		}
		resp.Observed = append(resp.Observed, observed(o))
		if !decl.covers(o.Kind, o.Key) {
			resp.Drift = append(resp.Drift, &apiv1.Drift{
				Kind:            observedKind[o.Kind],
				Key:             o.Key,
				FirstEventId:    o.FirstEventID,
				FirstOccurredAt: ts(o.FirstOccurred),
			})
		}
	}
	return connect.NewResponse(resp), nil
}

// declared holds the keys the catalogue declares, by observed kind.
type declared map[string]map[string]bool

func declaredKeys(acts []*eventsv1.ProcessingActivity) declared {
	d := declared{model.ObservedPurpose: {}, model.ObservedCategory: {}, model.ObservedRecipient: {}}
	for _, a := range acts {
		for _, p := range a.GetPurposes() {
			d[model.ObservedPurpose][p] = true
		}
		for _, c := range a.GetDataCategories() {
			d[model.ObservedCategory][c] = true
		}
		for _, r := range a.GetRecipients() {
			d[model.ObservedRecipient][r.GetId()] = true
		}
	}
	return d
}

// covers tells whether key, or for a fideslang key one of its ancestors,
// is declared: declaring "user.contact" declares "user.contact.email".
func (d declared) covers(kind, key string) bool {
	keys := d[kind]
	if keys == nil {
		return false
	}
	if keys[key] {
		return true
	}
	if kind == model.ObservedRecipient {
		return false
	}
	for i := strings.LastIndexByte(key, '.'); i > 0; i = strings.LastIndexByte(key, '.') {
		key = key[:i]
		if keys[key] {
			return true
		}
	}
	return false
}
