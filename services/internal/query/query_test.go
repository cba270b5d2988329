package query_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"github.com/docketledger/docket/services/internal/query"
	qt "github.com/docketledger/docket/services/internal/query/querytest"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// post calls method with a JSON body, as any HTTP client would.
func post(t *testing.T, s *qt.Server, method, body string) (status int, resp []byte) {
	t.Helper()
	r, err := http.Post(s.URL+"/"+apiv1connect.QueryServiceName+"/"+method, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	// protojson varies its spacing on purpose: compact it to match.
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	return r.StatusCode, buf.Bytes()
}

type apiErr struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// postWant posts body to method and fails the test unless the answer has
// the Connect error code wantCode ("" for success); it returns the body.
func postWant(t *testing.T, s *qt.Server, method, body, wantCode string) []byte {
	t.Helper()
	status, resp := post(t, s, method, body)
	var e apiErr
	if status != http.StatusOK {
		if err := json.Unmarshal(resp, &e); err != nil {
			t.Fatalf("status %d, body %s", status, resp)
		}
	}
	if e.Code != wantCode {
		t.Fatalf("code %q (status %d), want %q: %s", e.Code, status, wantCode, resp)
	}
	return resp
}

func TestQueryOverJSON(t *testing.T) {
	s := qt.Start(t)
	id := func(seq int) string { return s.Events[seq-1].GetEventId() }
	const canary = "jane.doe@example.org"
	for _, tc := range []struct {
		name, method, body string
		wantCode           string   // connect error code; "" for success
		wantIn             []string // substrings of the response body
		wantNotIn          []string
	}{
		// GetSubject
		{name: "subject with an age band", method: "GetSubject", body: `{"tenant":"globex","subject_ref":"g-1"}`,
			wantIn: []string{`"ageBand":"AGE_BAND_ADULT"`, `"ageBandAt":"2026-01-05T00:00:00Z"`}},
		{name: "subject without one", method: "GetSubject", body: `{"tenant":"acme","subject_ref":"s-1"}`,
			wantNotIn: []string{"ageBand"}},
		{name: "subject now", method: "GetSubject", body: `{"tenant":"acme","subject_ref":"s-1"}`,
			wantIn: []string{`"lastSeq":"9"`, `"events":"7"`, `"withdrawnAt":"2026-02-01T00:00:00Z"`, `"openRequests":["req-1"]`, `"activityId":"newsletter"`}},
		{name: "subject as of occurred", method: "GetSubject", body: `{"tenant":"acme","subject_ref":"s-1","as_of":"2026-01-20T00:00:00Z","axis":"TIME_AXIS_OCCURRED"}`,
			wantIn: []string{`"lastSeq":"5"`, `"events":"3"`, `"given":true`}, wantNotIn: []string{"withdrawnAt", "openRequests"}},
		{name: "subject as of recorded", method: "GetSubject", body: `{"tenant":"acme","subject_ref":"s-1","as_of":"2026-03-01T00:04:00Z","axis":"TIME_AXIS_RECORDED"}`,
			wantIn: []string{`"lastSeq":"4"`, `"events":"2"`}},
		{name: "subject before its first event", method: "GetSubject", body: `{"tenant":"acme","subject_ref":"s-1","as_of":"2025-12-31T00:00:00Z"}`,
			wantCode: "not_found", wantIn: []string{`"message":"subject not found"`}},
		{name: "unknown subject", method: "GetSubject", body: `{"tenant":"acme","subject_ref":"g-1"}`,
			wantCode: "not_found", wantIn: []string{`"message":"subject not found"`}},
		{name: "unknown tenant", method: "GetSubject", body: `{"tenant":"initech","subject_ref":"s-1"}`,
			wantCode: "not_found", wantIn: []string{`"message":"subject not found"`}},
		{name: "other tenant's subject as of", method: "GetSubject", body: `{"tenant":"acme","subject_ref":"g-1","as_of":"2026-06-01T00:00:00Z"}`,
			wantCode: "not_found", wantIn: []string{`"message":"subject not found"`}},
		{name: "subject ref that is an email", method: "GetSubject", body: `{"tenant":"acme","subject_ref":"` + canary + `"}`,
			wantCode: "invalid_argument", wantIn: []string{"subject_ref: has a character"}, wantNotIn: []string{canary}},
		{name: "subject without tenant", method: "GetSubject", body: `{"subject_ref":"s-1","axis":7}`,
			wantCode: "invalid_argument", wantIn: []string{"tenant: is empty", "axis: is not a TimeAxis"}},
		{name: "unknown field", method: "GetSubject", body: `{"tenant":"acme","email":"` + canary + `"}`,
			wantCode: "invalid_argument", wantNotIn: []string{canary}},

		// ListHistory
		{name: "history", method: "ListHistory", body: `{"tenant":"acme","subject_ref":"s-2"}`,
			wantIn:    []string{`"seq":"10"`, `"seq":"13"`, `"type":"docket.events.v1.DisclosureMade"`, `"recipientId":"tax-office"`, `"legalBasis":"LEGAL_BASIS_ART6_1_C_LEGAL_OBLIGATION"`, `"actor":{"kind":"ACTOR_KIND_SYSTEM"`},
			wantNotIn: []string{"nextPageToken", `"seq":"9"`}},
		{name: "history of unknown subject", method: "ListHistory", body: `{"tenant":"globex","subject_ref":"s-1"}`,
			wantCode: "not_found", wantIn: []string{`"message":"subject not found"`}},
		{name: "history bad token", method: "ListHistory", body: `{"tenant":"acme","subject_ref":"s-1","page_token":"not a token"}`,
			wantCode: "invalid_argument", wantIn: []string{"page_token: is not a token"}},
		{name: "history negative page size", method: "ListHistory", body: `{"tenant":"acme","subject_ref":"s-1","page_size":-1}`,
			wantCode: "invalid_argument", wantIn: []string{"page_size: is negative"}},

		// ListDisclosures
		{name: "disclosures", method: "ListDisclosures", body: `{"tenant":"acme"}`,
			wantIn: []string{`"seq":"5"`, `"seq":"7"`, `"seq":"8"`, `"seq":"11"`, `"name":"AdTech Inc"`}},
		{name: "disclosures by subject", method: "ListDisclosures", body: `{"tenant":"acme","subject_ref":"s-2"}`,
			wantIn: []string{`"seq":"11"`, `"legalInstrumentRef":"AO-147"`}, wantNotIn: []string{`"seq":"5"`}},
		{name: "disclosures by kind", method: "ListDisclosures", body: `{"tenant":"acme","recipient_kind":"RECIPIENT_KIND_THIRD_PARTY"}`,
			wantIn: []string{`"seq":"8"`}, wantNotIn: []string{`"seq":"5"`, `"seq":"11"`}},
		{name: "disclosures by recipient and basis", method: "ListDisclosures", body: `{"tenant":"acme","recipient_id":"mailer","legal_basis":"LEGAL_BASIS_ART6_1_A_CONSENT"}`,
			wantIn: []string{`"seq":"5"`, `"seq":"7"`}, wantNotIn: []string{`"seq":"8"`, `"seq":"11"`}},
		{name: "disclosures by category and purpose", method: "ListDisclosures", body: `{"tenant":"acme","category":"user.name","purpose":"marketing.advertising.third_party.targeted"}`,
			wantIn: []string{`"seq":"8"`}, wantNotIn: []string{`"seq":"5"`}},
		{name: "disclosures in an occurred range", method: "ListDisclosures", body: `{"tenant":"acme","from":"2026-01-15T00:00:00Z","to":"2026-02-05T00:00:00Z"}`,
			wantIn: []string{`"seq":"7"`, `"seq":"11"`}, wantNotIn: []string{`"seq":"5"`, `"seq":"8"`}},
		{name: "disclosures in a recorded range", method: "ListDisclosures", body: `{"tenant":"acme","from":"2026-03-01T00:06:00Z","to":"2026-03-01T00:08:00Z","axis":"TIME_AXIS_RECORDED"}`,
			wantIn: []string{`"seq":"7"`, `"seq":"8"`}, wantNotIn: []string{`"seq":"5"`, `"seq":"11"`}},
		{name: "disclosures of unknown tenant", method: "ListDisclosures", body: `{"tenant":"initech"}`,
			wantCode: "not_found", wantIn: []string{"tenant not found"}},
		{name: "disclosures bad filters", method: "ListDisclosures", body: `{"tenant":"acme","category":"` + canary + `","purpose":"shopping","recipient_kind":9,"from":"2026-02-01T00:00:00Z","to":"2026-01-01T00:00:00Z"}`,
			wantCode: "invalid_argument", wantIn: []string{"category: is not a fideslang data category", "purpose: is not a fideslang data use", "recipient_kind: is not a defined value", "to: is before from"}, wantNotIn: []string{canary}},

		// GetRecordOfProcessing
		{name: "ropa now", method: "GetRecordOfProcessing", body: `{"tenant":"acme"}`,
			wantIn: []string{`"activityId":"billing"`, `"activityId":"newsletter"`, `"key":"mailer","count":"2"`,
				`"drift":[{"kind":"OBSERVED_KIND_CATEGORY","key":"user.name"`, `{"kind":"OBSERVED_KIND_RECIPIENT","key":"adtech","firstEventId":"` + id(8) + `"`,
				`{"kind":"OBSERVED_KIND_PURPOSE","key":"marketing.advertising.third_party.targeted"`}},
		{name: "ropa before the declarations", method: "GetRecordOfProcessing", body: `{"tenant":"acme","as_of":"2025-12-01T00:00:00Z"}`,
			wantNotIn: []string{"activities", "observed", "drift"}},
		{name: "ropa as of Jan 12: drift not yet", method: "GetRecordOfProcessing", body: `{"tenant":"acme","as_of":"2026-01-12T00:00:00Z"}`,
			wantIn: []string{`"activityId":"newsletter"`, `"key":"mailer"`}, wantNotIn: []string{"drift", `"key":"adtech"`, `"key":"tax-office"`}},
		{name: "ropa of unknown tenant", method: "GetRecordOfProcessing", body: `{"tenant":"initech"}`,
			wantCode: "not_found"},
		{name: "ropa names the controller", method: "GetRecordOfProcessing", body: `{"tenant":"globex"}`,
			wantIn: []string{`"controller":{"name":"Globex GmbH"`, `"timeZone":"Europe/Berlin"`, `"memberState":"DE"`}},
		{name: "ropa before the controller's profile", method: "GetRecordOfProcessing", body: `{"tenant":"globex","as_of":"2025-12-31T00:00:00Z"}`,
			wantNotIn: []string{"controller"}},
		{name: "ropa of a tenant without a profile", method: "GetRecordOfProcessing", body: `{"tenant":"acme"}`,
			wantNotIn: []string{"controller"}},

		// ListFindings
		{name: "findings", method: "ListFindings", body: `{"tenant":"acme"}`,
			wantIn: []string{`"rule":"retention_exceeded"`, `"rule":"rights_request_past_deadline"`, `"rule":"processing_after_consent_withdrawn"`, `"rule":"disclosure_to_undeclared_recipient"`}},
		{name: "findings of one rule", method: "ListFindings", body: `{"tenant":"acme","rule":"disclosure_to_undeclared_recipient"}`,
			wantIn: []string{`"findingId":"disclosure_to_undeclared_recipient:` + id(8) + `"`}, wantNotIn: []string{"retention_exceeded", "past_deadline"}},
		{name: "findings of a subject without any", method: "ListFindings", body: `{"tenant":"acme","subject_ref":"s-2","as_of":"2026-01-16T00:00:00Z"}`,
			wantNotIn: []string{"findings"}},
		{name: "findings of one subject", method: "ListFindings", body: `{"tenant":"acme","subject_ref":"s-2"}`,
			wantIn: []string{`"rule":"processing_outside_declared_activity"`, `"seq":"11"`}, wantNotIn: []string{"consent", "retention_exceeded", "past_deadline"}},
		{name: "findings as of Feb 7", method: "ListFindings", body: `{"tenant":"acme","as_of":"2026-02-07T00:00:00Z"}`,
			wantIn: []string{`"rule":"processing_after_consent_withdrawn"`, `"rule":"disclosure_to_undeclared_recipient"`}, wantNotIn: []string{"retention_exceeded", "past_deadline"}},
		{name: "findings as of Mar 15", method: "ListFindings", body: `{"tenant":"acme","as_of":"2026-03-15T00:00:00Z","rule":"rights_request_past_deadline"}`,
			wantIn: []string{"was still open at 2026-03-15T00:00:00Z"}},
		{name: "findings bad rule", method: "ListFindings", body: `{"tenant":"acme","rule":"` + canary + `"}`,
			wantCode: "invalid_argument", wantIn: []string{"rule: has a character"}, wantNotIn: []string{canary}},

		// ListRequests
		{name: "requests", method: "ListRequests", body: `{"tenant":"acme"}`,
			wantIn:    []string{`"requestId":"req-1"`, `"dueAt":"2026-03-10T23:59:59.999999999Z"`, `"requestId":"req-2"`, `"status":"REQUEST_STATUS_FULFILLED"`, `"timeZone":"UTC"`},
			wantNotIn: []string{"noDataHeld"}},
		// req-g: received 23:30 UTC on 14 March, 00:30 on 15 March in
		// Berlin: due at the end of 15 April CEST (UTC+2).
		{name: "requests of a tenant in Berlin", method: "ListRequests", body: `{"tenant":"globex"}`,
			wantIn:    []string{`"requestId":"req-g"`, `"dueAt":"2026-04-15T21:59:59.999999999Z"`, `"status":"REQUEST_STATUS_FULFILLED"`, `"noDataHeld":true`, `"timeZone":"Europe/Berlin"`},
			wantNotIn: []string{"denialGround"}},
		{name: "open requests", method: "ListRequests", body: `{"tenant":"acme","status":"REQUEST_STATUS_OPEN"}`,
			wantIn: []string{`"requestId":"req-1"`}, wantNotIn: []string{"req-2"}},
		{name: "requests of a subject", method: "ListRequests", body: `{"tenant":"acme","subject_ref":"s-2"}`,
			wantIn: []string{`"requestId":"req-2"`}, wantNotIn: []string{"req-1"}},
		{name: "requests bad status", method: "ListRequests", body: `{"tenant":"acme","status":12}`,
			wantCode: "invalid_argument", wantIn: []string{"status: is not a defined value"}},
		{name: "overdue requests", method: "ListRequests", body: `{"tenant":"acme","overdue":true}`,
			wantIn: []string{`"requestId":"req-1"`}, wantNotIn: []string{"req-2"}},
		{name: "overdue and fulfilled", method: "ListRequests", body: `{"tenant":"acme","overdue":true,"status":"REQUEST_STATUS_FULFILLED"}`,
			wantCode: "invalid_argument", wantIn: []string{"overdue: only open requests"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := postWant(t, s, tc.method, tc.body, tc.wantCode)
			for _, w := range tc.wantIn {
				if !strings.Contains(string(body), w) {
					t.Errorf("response lacks %s:\n%s", w, body)
				}
			}
			for _, w := range tc.wantNotIn {
				if strings.Contains(string(body), w) {
					t.Errorf("response holds %s:\n%s", w, body)
				}
			}
		})
	}
}

// pageThrough follows next_page_token with page_size and returns the seq
// (or id) of every row and the number of pages.
func pageThrough(t *testing.T, s *qt.Server, method, body string, size int, rows, key string) (got []string, pages int) {
	t.Helper()
	token := ""
	for pages = 1; pages < 100; pages++ {
		var req map[string]any
		if err := json.Unmarshal([]byte(body), &req); err != nil {
			t.Fatal(err)
		}
		req["page_size"] = size
		if token != "" {
			req["page_token"] = token
		}
		b, _ := json.Marshal(req)
		status, resp := post(t, s, method, string(b))
		if status != http.StatusOK {
			t.Fatalf("page %d: status %d: %s", pages, status, resp)
		}
		var page map[string]any
		if err := json.Unmarshal(resp, &page); err != nil {
			t.Fatal(err)
		}
		list, _ := page[rows].([]any)
		if len(list) > size {
			t.Errorf("page %d holds %d rows, more than %d", pages, len(list), size)
		}
		for _, r := range list {
			got = append(got, r.(map[string]any)[key].(string))
		}
		token, _ = page["nextPageToken"].(string)
		if token == "" {
			return got, pages
		}
	}
	t.Fatal("paging never ends")
	return nil, 0
}

func TestPaging(t *testing.T) {
	s := qt.Start(t)
	for _, tc := range []struct {
		name, method, body, rows, key string
		size                          int
		want                          string
		wantPages                     int
	}{
		{"history by 3", "ListHistory", `{"tenant":"acme","subject_ref":"s-1"}`, "rows", "seq", 3, "3 4 5 6 7 8 9", 3},
		{"history by 7", "ListHistory", `{"tenant":"acme","subject_ref":"s-1"}`, "rows", "seq", 7, "3 4 5 6 7 8 9", 1},
		{"history by 1", "ListHistory", `{"tenant":"acme","subject_ref":"s-2"}`, "rows", "seq", 1, "10 11 12 13", 4},
		{"disclosures by 2", "ListDisclosures", `{"tenant":"acme"}`, "disclosures", "seq", 2, "5 7 8 11", 2},
		{"disclosures filtered by 1", "ListDisclosures", `{"tenant":"acme","recipient_id":"mailer"}`, "disclosures", "seq", 1, "5 7", 2},
		{"requests by 1", "ListRequests", `{"tenant":"acme"}`, "requests", "requestId", 1, "req-1 req-2", 2},
		{"findings by 1", "ListFindings", `{"tenant":"acme"}`, "findings", "rule", 1,
			"retention_exceeded rights_request_past_deadline processing_without_consent processing_after_consent_withdrawn disclosure_to_undeclared_recipient processing_outside_declared_activity", 6},
		{"findings by 2", "ListFindings", `{"tenant":"acme"}`, "findings", "rule", 2,
			"retention_exceeded rights_request_past_deadline processing_without_consent processing_after_consent_withdrawn disclosure_to_undeclared_recipient processing_outside_declared_activity", 3},
		{"findings by 3", "ListFindings", `{"tenant":"acme"}`, "findings", "rule", 3,
			"retention_exceeded rights_request_past_deadline processing_without_consent processing_after_consent_withdrawn disclosure_to_undeclared_recipient processing_outside_declared_activity", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, pages := pageThrough(t, s, tc.method, tc.body, tc.size, tc.rows, tc.key)
			if strings.Join(got, " ") != tc.want {
				t.Errorf("rows %v, want %s", got, tc.want)
			}
			if pages != tc.wantPages {
				t.Errorf("%d pages, want %d", pages, tc.wantPages)
			}
		})
	}
}

func TestTokensBelongToTheirQuery(t *testing.T) {
	s := qt.Start(t)
	_, resp := post(t, s, "ListHistory", `{"tenant":"acme","subject_ref":"s-1","page_size":2}`)
	var page struct{ NextPageToken string }
	if err := json.Unmarshal(resp, &page); err != nil || page.NextPageToken == "" {
		t.Fatalf("no token: %s", resp)
	}
	tok := page.NextPageToken
	for _, tc := range []struct{ name, method, body string }{
		{"other subject", "ListHistory", `{"tenant":"acme","subject_ref":"s-2","page_token":"` + tok + `"}`},
		{"other tenant", "ListHistory", `{"tenant":"globex","subject_ref":"s-1","page_token":"` + tok + `"}`},
		{"other query", "ListDisclosures", `{"tenant":"acme","page_token":"` + tok + `"}`},
		{"truncated", "ListHistory", `{"tenant":"acme","subject_ref":"s-1","page_token":"` + tok[:len(tok)-2] + `"}`},
		{"extended", "ListHistory", `{"tenant":"acme","subject_ref":"s-1","page_token":"` + tok + `AA"}`},
		{"empty base64", "ListRequests", `{"tenant":"acme","page_token":"AAAA"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, s, tc.method, tc.body)
			if status != http.StatusBadRequest || !strings.Contains(string(body), "page_token") {
				t.Errorf("status %d, body %s; want invalid_argument naming page_token", status, body)
			}
		})
	}
	// The same query and filters take it.
	if status, body := post(t, s, "ListHistory", `{"tenant":"acme","subject_ref":"s-1","page_size":5,"page_token":"`+tok+`"}`); status != http.StatusOK || !strings.Contains(string(body), `"seq":"5"`) {
		t.Errorf("status %d, body %s", status, body)
	}
}

func TestPageSizeIsCapped(t *testing.T) {
	s := qt.Start(t)
	status, body := post(t, s, "ListHistory", `{"tenant":"acme","subject_ref":"s-1","page_size":100000}`)
	if status != http.StatusOK || strings.Count(string(body), `"seq"`) != 7 {
		t.Fatalf("status %d: %s", status, body)
	}
}

// The errors carry google.rpc.BadRequest field violations, as over gRPC.
func TestInvalidArgumentDetails(t *testing.T) {
	s := qt.Start(t)
	client := apiv1connect.NewQueryServiceClient(http.DefaultClient, s.URL, connect.WithGRPC())
	_, err := client.ListDisclosures(context.Background(), connect.NewRequest(&apiv1.ListDisclosuresRequest{Tenant: "acme", PageToken: "x", PageSize: -3}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Fatalf("err %v, want invalid_argument", err)
	}
	var fields []string
	var ce *connect.Error
	errors.As(err, &ce)
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if br, ok := v.(*errdetails.BadRequest); derr == nil && ok {
			for _, fv := range br.GetFieldViolations() {
				fields = append(fields, fv.GetField())
			}
		}
	}
	if strings.Join(fields, ",") != "page_size,page_token" {
		t.Fatalf("field violations %v, want page_size and page_token", fields)
	}
}

func TestNewRefusesNil(t *testing.T) {
	if _, err := query.New(nil, query.Options{}); err == nil {
		t.Fatal("New accepted a nil reader")
	}
}

// A subject as of a time folded from the trail equals the stored state
// when the time is after every event.
func TestAsOfNowEqualsStoredState(t *testing.T) {
	s := qt.Start(t)
	client := apiv1connect.NewQueryServiceClient(http.DefaultClient, s.URL)
	for _, ref := range []string{"s-1", "s-2"} {
		now, err := client.GetSubject(context.Background(), connect.NewRequest(&apiv1.GetSubjectRequest{Tenant: "acme", SubjectRef: ref}))
		if err != nil {
			t.Fatal(err)
		}
		for _, axis := range []apiv1.TimeAxis{apiv1.TimeAxis_TIME_AXIS_OCCURRED, apiv1.TimeAxis_TIME_AXIS_RECORDED} {
			asOf, err := client.GetSubject(context.Background(), connect.NewRequest(&apiv1.GetSubjectRequest{
				Tenant: "acme", SubjectRef: ref, AsOf: protoTime(qt.Now), Axis: axis}))
			if err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(now.Msg, asOf.Msg) {
				t.Errorf("%s on %v: as of now\n%s\nstored\n%s", ref, axis, protojson.Format(asOf.Msg), protojson.Format(now.Msg))
			}
		}
	}
}
