package console

import (
	"fmt"
	"net/http"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
)

// breachesData is the breach register page: every breach with its clock.
type breachesData struct {
	Rows []breachView
	// JudgedAt is the API's clock the standings were judged at.
	JudgedAt string
	// Late and NotTold count the rows of each finding.
	Late, NotTold int
}

// breachView is one register row, in words.
type breachView struct {
	B *apiv1.Breach
	// Clock: the time from awareness to the first notification to the
	// authority, and how it stands against Art. 33(1)'s 72 hours.
	Hours    string
	Standing string
	Late     bool
	Phases   string
	Subjects string
	// NotTold: breach_subjects_not_informed holds (not told, or told late).
	NotTold bool
}

// breaches lists the tenant's breach register, each breach with its
// clock: hours from awareness to the first notification to the authority,
// late or not, the subjects told or exempted, open or closed.
func (cs *Console) breaches(w http.ResponseWriter, r *http.Request, s *session) error {
	d := breachesData{}
	v := view{Title: "Breaches", Nav: "breaches", S: s, Data: &d}
	if s.tenant == "" {
		cs.render(w, http.StatusOK, "breaches", v)
		return nil
	}
	req := &apiv1.ListBreachesRequest{Tenant: s.tenant, PageSize: 1000}
	for {
		resp, err := cs.api.query.ListBreaches(r.Context(), connect.NewRequest(req))
		if err != nil {
			return err
		}
		d.JudgedAt = resp.Msg.GetJudgedAt().AsTime().UTC().Format("2006-01-02 15:04 UTC")
		for _, b := range resp.Msg.GetBreaches() {
			bv := breachRow(b)
			if bv.Late {
				d.Late++
			}
			if bv.NotTold {
				d.NotTold++
			}
			d.Rows = append(d.Rows, bv)
		}
		if req.PageToken = resp.Msg.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	cs.render(w, http.StatusOK, "breaches", v)
	return nil
}

// breachRow puts a breach's clock into words.
func breachRow(b *apiv1.Breach) breachView {
	v := breachView{B: b, Late: b.GetNotifiedLate()}
	if b.GetFirstNotifiedAt() != nil && b.GetRecorded() {
		v.Hours = fmt.Sprintf("%.1f h", b.GetHoursToFirstNotice())
	}
	reason := false
	for i, n := range b.GetAuthorityNotices() {
		if i > 0 {
			v.Phases += ", "
		}
		if n.GetLegacy() {
			v.Phases += "notified"
		} else {
			v.Phases += enumName(n.GetPhase())
		}
		if n.GetAt().AsTime().Equal(b.GetFirstNotifiedAt().AsTime()) && n.GetDelayReasonRecorded() {
			reason = true
		}
	}
	switch {
	case !b.GetRecorded():
		v.Standing = "not recorded: no awareness time"
	case b.GetNotifiedLate() && b.GetFirstNotifiedAt() == nil:
		v.Standing = "not notified, 72 h passed"
	case b.GetNotifiedLate():
		v.Standing = "late, no reason recorded"
	case b.GetFirstNotifiedAt() != nil && b.GetHoursToFirstNotice() > 72 && reason:
		v.Standing = "late, reason recorded"
	case b.GetFirstNotifiedAt() != nil:
		v.Standing = "in time"
	case !b.GetNotificationRequired():
		v.Standing = "not required (risk none)"
	default:
		v.Standing = "due by " + b.GetNotifyBy().AsTime().UTC().Format("2006-01-02 15:04 UTC")
	}
	switch b.GetSubjects() {
	case apiv1.BreachSubjectsStatus_BREACH_SUBJECTS_STATUS_TOLD:
		v.Subjects = "told"
	case apiv1.BreachSubjectsStatus_BREACH_SUBJECTS_STATUS_EXEMPTED:
		v.Subjects = "exempted (Art. 34(3))"
	case apiv1.BreachSubjectsStatus_BREACH_SUBJECTS_STATUS_NOT_TOLD:
		v.Subjects = "not told"
	default:
		v.Subjects = "not required"
	}
	if b.GetSubjectsLate() { // breach_subjects_not_informed
		v.NotTold = true
		if b.GetSubjects() != apiv1.BreachSubjectsStatus_BREACH_SUBJECTS_STATUS_NOT_TOLD {
			v.Subjects += ", late"
		}
	}
	return v
}
