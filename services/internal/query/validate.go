package query

import (
	"time"

	"github.com/docketledger/docket/events/taxonomy"
	"github.com/docketledger/docket/projections/model"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/apierr"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Every check below names the field and never quotes its value: a value in
// the wrong field can be personal data (an email typed as a subject).

func checkAxis(ps *apierr.Problems, a apiv1.TimeAxis) model.TimeAxis {
	switch a {
	case apiv1.TimeAxis_TIME_AXIS_UNSPECIFIED, apiv1.TimeAxis_TIME_AXIS_OCCURRED:
		return model.Occurred
	case apiv1.TimeAxis_TIME_AXIS_RECORDED:
		return model.Recorded
	default:
		ps.Add("axis", "is not a TimeAxis")
		return model.Occurred
	}
}

// checkTime returns ts as a time; the zero time when ts is unset.
func checkTime(ps *apierr.Problems, field string, ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	if err := ts.CheckValid(); err != nil {
		ps.Add(field, "is not a valid timestamp")
		return time.Time{}
	}
	return ts.AsTime()
}

func checkCategory(ps *apierr.Problems, field, key string) {
	if key != "" && !taxonomy.IsDataCategory(key) {
		ps.Add(field, "is not a fideslang data category")
	}
}

func checkPurpose(ps *apierr.Problems, field, key string) {
	if key != "" && !taxonomy.IsDataUse(key) {
		ps.Add(field, "is not a fideslang data use")
	}
}

// checkEnum refuses a value the enum does not define; it returns the
// value's name, "" for the zero value (no filter).
func checkEnum(ps *apierr.Problems, field string, v int32, names map[int32]string) string {
	if v == 0 {
		return ""
	}
	name, ok := names[v]
	if !ok {
		ps.Add(field, "is not a defined value")
	}
	return name
}

// checkRule accepts a finding rule name: 1 to 64 of [A-Za-z0-9_.:-].
func checkRule(ps *apierr.Problems, field, rule string) {
	if rule == "" {
		return
	}
	if len(rule) > 64 {
		ps.Add(field, "is longer than 64 characters")
		return
	}
	for i := 0; i < len(rule); i++ {
		c := rule[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == ':' || c == '-') {
			ps.Add(field, "has a character outside [A-Za-z0-9_.:-]")
			return
		}
	}
}

var (
	recipientKindNames = eventsv1.RecipientKind_name
	legalBasisNames    = eventsv1.LegalBasis_name
)
