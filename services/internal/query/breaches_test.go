package query_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	qt "github.com/docketledger/docket/services/internal/query/querytest"
	"google.golang.org/protobuf/encoding/protojson"
)

// TestListBreaches reads querytest.BreachLedger's register at 1 April 2025,
// clocks worked out by hand from awareness at 2025-03-03T09:00Z (72 hours
// later: 2025-03-06T09:00Z).
func TestListBreaches(t *testing.T) {
	s := qt.StartWith(t, qt.BreachLedger(), qt.BreachNow)
	c := apiv1connect.NewQueryServiceClient(http.DefaultClient, s.URL)
	ctx := t.Context()
	var got []*apiv1.Breach
	req := &apiv1.ListBreachesRequest{Tenant: qt.Tenant, PageSize: 2}
	pages := 0
	for {
		resp, err := c.ListBreaches(ctx, connect.NewRequest(req))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if !resp.Msg.GetJudgedAt().AsTime().Equal(qt.BreachNow) {
			t.Errorf("judged at %s, want %s", resp.Msg.GetJudgedAt().AsTime(), qt.BreachNow)
		}
		got = append(got, resp.Msg.GetBreaches()...)
		if resp.Msg.GetNextPageToken() == "" {
			break
		}
		req.PageToken = resp.Msg.GetNextPageToken()
	}
	if pages != 3 {
		t.Errorf("%d pages of 2, want 3 (5 breaches)", pages)
	}
	type want struct {
		id             string
		recorded       bool
		firstNotified  string // "" none
		hours          float64
		late, required bool
		subjects       apiv1.BreachSubjectsStatus
		subjectsLate   bool
		closed         bool
		notices, risk  int
	}
	at := func(h int) string { return qt.BreachDetected.Add(time.Duration(h) * time.Hour).Format(time.RFC3339) }
	const (
		told     = apiv1.BreachSubjectsStatus_BREACH_SUBJECTS_STATUS_TOLD
		exempted = apiv1.BreachSubjectsStatus_BREACH_SUBJECTS_STATUS_EXEMPTED
		notTold  = apiv1.BreachSubjectsStatus_BREACH_SUBJECTS_STATUS_NOT_TOLD
		notReq   = apiv1.BreachSubjectsStatus_BREACH_SUBJECTS_STATUS_NOT_REQUIRED
	)
	wants := []want{
		{"br-1", true, at(71), 71, false, true, told, false, false, 2, 1},    // 2025-03-06T08:00Z
		{"br-2", true, at(73), 73, true, true, notReq, false, false, 1, 1},   // 2025-03-06T10:00Z
		{"br-3", true, "", 0, true, true, notTold, true, false, 0, 1},        // never notified nor told
		{"br-4", true, at(80), 80, false, true, exempted, false, true, 1, 1}, // late with a reason
		{"br-ghost", false, "", 0, false, false, notReq, false, true, 0, 0},  // only closed
	}
	if len(got) != len(wants) {
		t.Fatalf("%d breaches, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		b := got[i]
		first := ""
		if b.GetFirstNotifiedAt() != nil {
			first = b.GetFirstNotifiedAt().AsTime().Format(time.RFC3339)
		}
		if b.GetBreachId() != w.id || b.GetRecorded() != w.recorded || first != w.firstNotified || b.GetHoursToFirstNotice() != w.hours ||
			b.GetNotifiedLate() != w.late || b.GetNotificationRequired() != w.required || b.GetSubjects() != w.subjects || b.GetSubjectsLate() != w.subjectsLate ||
			(b.GetClosedAt() != nil) != w.closed || len(b.GetAuthorityNotices()) != w.notices || len(b.GetRisks()) != w.risk {
			t.Errorf("breach %d = %v\nwant %+v", i, b, w)
		}
	}
	if n := got[3].GetAuthorityNotices()[0]; !n.GetDelayReasonRecorded() || n.GetReference() != "case-br-4" ||
		n.GetPhase().String() != "BREACH_NOTIFICATION_PHASE_INITIAL" || n.GetLegacy() {
		t.Errorf("br-4's notice = %v", n)
	}
	if nb := got[0].GetNotifyBy().AsTime(); !nb.Equal(time.Date(2025, 3, 6, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("notify by %s, want 2025-03-06T09:00Z", nb)
	}
	// No free text: the delay reason's words are not in the answer.
	for _, b := range got {
		if j, _ := protojson.Marshal(b); strings.Contains(string(j), "jane.doe") {
			t.Errorf("breach %s shows the delay reason's words: %s", b.GetBreachId(), j)
		}
	}

	// The findings: br-2 notified late, br-3 never notified nor told; both
	// arose at 72 hours; none for the other tenant or a subject filter.
	fr, err := c.ListFindings(ctx, connect.NewRequest(&apiv1.ListFindingsRequest{Tenant: qt.Tenant}))
	if err != nil {
		t.Fatal(err)
	}
	id := func(seq int) string { return s.Events[seq-1].GetEventId() }
	wantF := map[string]string{
		"breach_notified_late:" + id(5):         id(5) + "," + id(6),
		"breach_notified_late:" + id(7):         id(7),
		"breach_subjects_not_informed:" + id(7): id(7),
	}
	n := 0
	for _, f := range fr.Msg.GetFindings() {
		if !strings.HasPrefix(f.GetRule(), "breach_") {
			continue
		}
		n++
		if ev, ok := wantF[f.GetFindingId()]; !ok || strings.Join(f.GetEventIds(), ",") != ev ||
			!f.GetAroseAt().AsTime().Equal(time.Date(2025, 3, 6, 9, 0, 0, 0, time.UTC)) || f.GetSubjectRef() != "" {
			t.Errorf("finding %v not wanted", f)
		}
	}
	if n != len(wantF) {
		t.Errorf("%d breach findings, want %d", n, len(wantF))
	}
	sub, err := c.ListFindings(ctx, connect.NewRequest(&apiv1.ListFindingsRequest{Tenant: qt.Tenant, SubjectRef: "s-1"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range sub.Msg.GetFindings() {
		if strings.HasPrefix(f.GetRule(), "breach_") {
			t.Errorf("a subject's findings hold the tenant-level %s", f.GetFindingId())
		}
	}

	other, err := c.ListBreaches(ctx, connect.NewRequest(&apiv1.ListBreachesRequest{Tenant: qt.OtherTenant}))
	if err != nil {
		t.Fatal(err)
	}
	if len(other.Msg.GetBreaches()) != 1 || !other.Msg.GetBreaches()[0].GetNotifiedLate() {
		t.Errorf("globex's register = %v, want its own br-1, never notified", other.Msg.GetBreaches())
	}
	_, err = c.ListBreaches(ctx, connect.NewRequest(&apiv1.ListBreachesRequest{Tenant: "not a token"}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "tenant") {
		t.Errorf("bad tenant: %v, want invalid_argument naming tenant", err)
	}
	_, err = c.ListBreaches(ctx, connect.NewRequest(&apiv1.ListBreachesRequest{Tenant: qt.OtherTenant, PageToken: req.PageToken}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("another tenant's page token: %v, want invalid_argument", err)
	}
}
