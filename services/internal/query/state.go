package query

import (
	"errors"
	"time"

	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/state"
)

// StateFolder is the Folder of package state: the projection logic the
// projector runs, so a subject folded again as of a time means what the
// stored state means.
type StateFolder struct{}

var _ Folder = StateFolder{}

// errForeignCatalogue: a Catalogue another Folder built.
var errForeignCatalogue = errors.New("query: catalogue not built by StateFolder")

// Catalogue adds every row, in order, to a new state.Catalogue.
func (StateFolder) Catalogue(rows []model.ActivityRow) (Catalogue, error) {
	cat := state.NewCatalogue()
	for _, r := range rows {
		if err := cat.Add(r); err != nil {
			return nil, err
		}
	}
	return cat, nil
}

// Fold is state.Fold.
func (StateFolder) Fold(tenant, subjectRef string, rows []model.AuditRow, cat Catalogue, asOf time.Time, axis model.TimeAxis) (*model.SubjectState, error) {
	c, ok := cat.(*state.Catalogue)
	if !ok {
		return nil, errForeignCatalogue
	}
	return state.Fold(tenant, subjectRef, rows, c, asOf, axis)
}

// OverdueRequests is state.OverdueRequests.
func (StateFolder) OverdueRequests(reqs []model.RequestRow, now time.Time) []model.Finding {
	return state.OverdueRequests(reqs, now)
}

// RetentionExceeded is state.RetentionExceeded; with a foreign catalogue it
// finds nothing.
func (StateFolder) RetentionExceeded(subjects []*model.SubjectState, cat Catalogue, now time.Time) []model.Finding {
	c, ok := cat.(*state.Catalogue)
	if !ok {
		return nil
	}
	return state.RetentionExceeded(subjects, c, now)
}
