package state

import (
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/source"
)

// CheckRule runs the event-time rule of the rules table named name, so
// that the black-box tests can test each rule by itself.
func CheckRule(name string, st *model.SubjectState, cat *Catalogue, rec source.Record) []model.Finding {
	for _, r := range rules {
		if r.name == name {
			return r.check(st, cat, rec)
		}
	}
	panic("no rule " + name)
}
