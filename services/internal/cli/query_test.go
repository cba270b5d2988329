package cli_test

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/docketledger/docket/projections/state"
	"github.com/docketledger/docket/services/internal/cli"
	qt "github.com/docketledger/docket/services/internal/query/querytest"
)

// TestBreachesCommand prints querytest.BreachLedger's register at 1 April
// 2025 (awareness 2025-03-03T09:00Z; 72 hours later 2025-03-06T09:00Z).
func TestBreachesCommand(t *testing.T) {
	s := qt.StartWith(t, qt.BreachLedger(), qt.BreachNow)
	code, out, errOut := run(t, "breaches", "--api", s.URL, "acme", "--page-size", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	flat := strings.Join(strings.FieldsFunc(out, func(r rune) bool { return r == ' ' }), " ")
	for _, w := range []string{
		"BREACH_ID DETECTED_AT RISK FIRST_NOTIFIED_AT HOURS LATE PHASES SUBJECTS CLOSED_AT",
		"br-1 2025-03-03T09:00:00Z high 2025-03-06T08:00:00Z 71.0 no initial,final told",
		"br-2 2025-03-03T09:00:00Z low 2025-03-06T10:00:00Z 73.0 late initial not_required",
		"br-3 2025-03-03T09:00:00Z high - - late - not_told late -",
		"br-4 2025-03-03T09:00:00Z high 2025-03-06T17:00:00Z 80.0 no initial exempted 2025-03-15T21:00:00Z",
		"br-ghost not recorded unassessed - - - - not_required 2025-03-03T14:00:00Z",
	} {
		if !strings.Contains(flat, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 6 {
		t.Errorf("%d lines, want 6 (header and five breaches):\n%s", n, out)
	}
	if strings.Contains(out, "jane.doe") {
		t.Errorf("the delay reason's words are shown:\n%s", out)
	}
	code, out, errOut = run(t, "breaches", "--api", s.URL, "acme", "--format", "csv", "--limit", "1")
	if code != 0 || out != "breach_id,detected_at,risk,first_notified_at,hours,late,phases,subjects,closed_at,categories,event_ids\n"+
		"br-1,2025-03-03T09:00:00Z,high,2025-03-06T08:00:00Z,71.0,no,\"initial,final\",told,,user.contact.email,\""+
		strings.Join([]string{s.Events[0].GetEventId(), s.Events[1].GetEventId(), s.Events[2].GetEventId(), s.Events[3].GetEventId()}, ",")+"\"\n" {
		t.Errorf("csv: exit %d %s\n%s", code, errOut, out)
	}
	code, out, _ = run(t, "breaches", "--api", s.URL, "acme", "--format", "json", "--limit", "1")
	if code != 0 || !strings.Contains(out, `"breach_id":"br-1"`) || !strings.Contains(out, `"subjects":"BREACH_SUBJECTS_STATUS_TOLD"`) {
		t.Errorf("json: exit %d\n%s", code, out)
	}
	if code, _, errOut := run(t, "breaches", "--api", s.URL, "not a token"); code != 2 || !strings.Contains(errOut, "TENANT") {
		t.Errorf("bad tenant: exit %d, %s", code, errOut)
	}
}

func TestQueryCommands(t *testing.T) {
	s := qt.Start(t)
	api := []string{"--api", s.URL}
	id := func(seq int) string { return s.Events[seq-1].GetEventId() }
	for _, tc := range []struct {
		name      string
		args      []string
		wantLines int      // lines on stdout, header included; -1: do not check
		wantIn    []string // substrings of stdout
		wantNotIn []string
	}{
		{"subject table", []string{"subject", "acme", "s-1"}, 10,
			[]string{"KIND ", "consent marketing.communications.email withdrawn 2026-02-01T00:00:00Z privacy 3 " + id(6), "request req-1 open", "collection newsletter held 2026-01-10T00:00:00Z first 2026-01-10T00:00:00Z -"}, nil},
		{"subject flags after args", []string{"subject", "acme", "s-1", "--as-of", "2026-01-20T00:00:00Z", "--format", "csv"}, -1,
			[]string{"kind,key,state,at,detail,event_id\n", "consent,marketing.communications.email,given,2026-01-10T00:01:00Z,privacy 3," + id(4)},
			[]string{"withdrawn", "req-1"}},
		{"subject as of recorded", []string{"subject", "--axis", "recorded", "--as-of", "2026-03-01T00:03:00Z", "--format", "json", "acme", "s-1"}, 1,
			[]string{`"subject_ref":"s-1"`, `"events":"1"`}, []string{"consents"}},
		{"history json", []string{"history", "acme", "s-1", "--format", "json"}, 7,
			[]string{`{"seq":"3","event_id":"` + id(3) + `","type":"docket.events.v1.DataCollected"`, `"recipient_id":"adtech"`}, nil},
		{"history follows pages", []string{"history", "acme", "s-1", "--page-size", "2"}, 8,
			[]string{"SEQ OCCURRED_AT RECORDED_AT TYPE", "ConsentWithdrawn", "RightsRequestReceived", "system:job-7", "art6_1_a_consent"}, nil},
		{"history limit", []string{"history", "acme", "s-1", "--page-size", "2", "--limit", "5", "--format", "json"}, 5,
			[]string{`"seq":"7"`}, []string{`"seq":"8"`}},
		{"disclosures of a kind", []string{"disclosures", "acme", "--kind", "third_party"}, 2,
			[]string{"adtech", "third_party", "standard_contractual_clauses", "user.contact.email,user.name"}, []string{"mailer"}},
		{"disclosures under a basis in a range", []string{"disclosures", "acme", "--basis", "art6_1_a_consent", "--from", "2026-02-01T00:00:00Z", "--to", "2026-03-01T00:00:00Z", "--format", "csv"}, 2,
			[]string{"seq,occurred_at,subject_ref,recipient_id,", "7,2026-02-05T00:00:00Z,s-1,mailer,processor,IE"}, nil},
		{"disclosures recorded range", []string{"disclosures", "acme", "--axis", "recorded", "--from", "2026-03-01T00:10:00Z"}, 2,
			[]string{"tax-office", "public_authority", "AO-147"}, nil},
		{"disclosures by subject, category, purpose, recipient", []string{"disclosures", "acme", "--subject", "s-1", "--category", "user.contact.email", "--purpose", "marketing.communications.email", "--recipient", "mailer", "--format", "json"}, 2,
			[]string{`"seq":"5"`, `"seq":"7"`}, nil},
		{"ropa table", []string{"ropa", "acme"}, -1,
			[]string{"Declared activities (2)", "Observed in events (10)", "Drift: observed but not declared (3)", "recipient adtech 2026-02-06T00:00:00Z " + id(8), "newsletter Newsletter marketing.communications.email user.contact.email art6_1_a_consent mailer 30 collection marketing"}, nil},
		// The record as a document at 12 January: billing and newsletter
		// (declared 1 January), no profile, nothing undeclared seen yet
		// (the adtech disclosure is of 6 February). Header, as_of, axis,
		// then billing's nine facts (name, two purposes, basis, subject,
		// category, recipient, retention, key group) and newsletter's
		// eight (one purpose): 20 lines. Data subjects are in csv too.
		{"ropa csv", []string{"ropa", "acme", "--as-of", "2026-01-12T00:00:00Z", "--format", "csv"}, 20,
			[]string{"section,id,field,value,label\nrecord,,as_of,2026-01-12T00:00:00Z,\nrecord,,axis,occurred,\nactivity,billing,name,Billing,\n",
				"activity,billing,data_subject,customer,", "activity,billing,legal_basis,LEGAL_BASIS_ART6_1_B_CONTRACT,",
				"activity,billing,retention,3650 days after end of contract,", "activity,newsletter,recipient,mailer,",
				"activity,newsletter,retention,30 days after " + state.RetentionFromCollection + ",", "activity,newsletter,key_group,marketing,\n"},
			[]string{"drift", "observed", "controller", "transfer"}},
		{"ropa json", []string{"ropa", "acme", "--format", "json"}, 1,
			[]string{`"schema":"docket.ropa.v1"`, `"data_subjects":["customer"]`, `"drift":[{"kind":"OBSERVED_KIND_CATEGORY","key":"user.name","first_seen":"2026-02-06T00:00:00Z"`}, nil},
		{"ropa html in German", []string{"ropa", "globex", "--format", "html", "--lang", "de"}, -1,
			[]string{`<html lang="de">`, "Verzeichnis von Verarbeitungstätigkeiten", "Globex GmbH", "Nicht erforderlich: der Verantwortliche ist in der Union niedergelassen"}, nil},
		{"findings", []string{"findings", "acme"}, 7, []string{"RULE", "retention_exceeded", "rights_request_past_deadline", "disclosure_to_undeclared_recipient"}, nil},
		{"findings by rule and subject, paged", []string{"findings", "acme", "--subject", "s-1", "--rule", "processing_after_consent_withdrawn", "--page-size", "1", "--format", "csv"}, 2,
			[]string{"rule,status,arose_at,subject_ref,seq,detail,event_ids,finding_id,group\n", "processing_after_consent_withdrawn,open,2026-02-05T00:00:00Z,s-1,7,"}, nil},
		{"open findings grouped by cause", []string{"findings", "acme", "--group-by", "cause", "--format", "csv"}, 7,
			[]string{"group,rule,total,open,by_status,first_arose_at,last_arose_at\n", "retention_exceeded:newsletter,retention_exceeded,1,1,open=1,2026-02-09T00:00:00Z,2026-02-09T00:00:00Z"}, nil},
		{"closed findings: none yet", []string{"findings", "acme", "--status", "closed", "--format", "csv"}, 1, nil, []string{"retention_exceeded"}},
		{"findings as of", []string{"findings", "acme", "--as-of", "2026-02-07T00:00:00Z", "--format", "json"}, 4, nil, []string{"retention_exceeded"}},
		{"requests", []string{"requests", "acme", "--page-size", "1"}, 3, []string{"REQUEST_ID", "req-1", "access", "open", "2026-03-10T23:59:59Z", "req-2", "erasure", "fulfilled"}, nil},
		{"open requests", []string{"requests", "acme", "--status", "open", "--format", "json"}, 1, []string{`"request_id":"req-1"`, `"status":"REQUEST_STATUS_OPEN"`}, nil},
		{"subject's age band", []string{"subject", "globex", "g-1"}, -1, []string{"subject age_band adult 2026-01-05T00:00:00Z"}, nil},
		{"requests in the tenant's zone", []string{"requests", "globex"}, 2, []string{"req-g", "2026-04-15T23:59:59+02:00", "no data held"}, nil},
		{"ropa names the controller", []string{"ropa", "globex"}, -1, []string{"Controller", "Globex GmbH", "Europe/Berlin"}, nil},
		{"requests of a subject, none", []string{"requests", "acme", "--subject", "s-9", "--format", "csv"}, 1, []string{"request_id,subject_ref,right,status,"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{tc.args[0]}, api...), tc.args[1:]...)
			code, out, errOut := run(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if n := strings.Count(out, "\n"); tc.wantLines >= 0 && n != tc.wantLines {
				t.Errorf("%d lines, want %d:\n%s", n, tc.wantLines, out)
			}
			// Table columns are aligned with runs of spaces: match with one.
			flat := strings.Join(strings.FieldsFunc(out, func(r rune) bool { return r == ' ' }), " ")
			for _, w := range tc.wantIn {
				if !strings.Contains(out, w) && !strings.Contains(flat, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.wantNotIn {
				if strings.Contains(out, w) {
					t.Errorf("output holds %q:\n%s", w, out)
				}
			}
			switch {
			case strings.Contains(strings.Join(tc.args, " "), "--format json"):
				for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
					if line != "" && !json.Valid([]byte(line)) {
						t.Errorf("not a JSON line: %s", line)
					}
				}
			case strings.Contains(strings.Join(tc.args, " "), "--format csv"):
				recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
				if err != nil {
					t.Errorf("not CSV: %v", err)
				}
				for _, r := range recs {
					if len(r) != len(recs[0]) {
						t.Errorf("record %v has %d fields, header %d", r, len(r), len(recs[0]))
					}
				}
			}
		})
	}
}

func TestQueryCommandErrors(t *testing.T) {
	s := qt.Start(t)
	const canary = "jane.doe@example.org"
	for _, tc := range []struct {
		args     []string
		wantCode int
		wantErr  []string
	}{
		{[]string{"subject", "acme", "s-9"}, cli.ExitFailure, []string{"docket subject: not_found: subject not found"}},
		{[]string{"subject", "initech", "s-1"}, cli.ExitFailure, []string{"not_found: subject not found"}},
		{[]string{"history", "globex", "s-1"}, cli.ExitFailure, []string{"not_found: subject not found"}},
		{[]string{"disclosures", "initech"}, cli.ExitFailure, []string{"not_found: tenant not found"}},
		{[]string{"subject", "acme", canary}, cli.ExitFailure, []string{"SUBJECT: has a character"}},
		{[]string{"subject", "acme"}, cli.ExitFailure, []string{"usage: docket subject [flags] TENANT SUBJECT"}},
		{[]string{"history", "acme", "s-1", "extra"}, cli.ExitFailure, []string{"usage: docket history"}},
		{[]string{"subject", "acme", "s-1", "--as-of", "yesterday", "--axis", "sideways"}, cli.ExitFailure, []string{"--as-of: not an RFC 3339 time", "--axis: must be occurred or recorded"}},
		{[]string{"history", "acme", "s-1", "--format", "xml"}, cli.ExitFailure, []string{"--format: must be table, json or csv"}},
		{[]string{"history", "acme", "s-1", "--limit", "-1"}, cli.ExitFailure, []string{"--limit: is negative"}},
		{[]string{"history", "acme", "s-1", "--page-size", "5000"}, cli.ExitFailure, []string{"--page-size: 5000 is not between 1 and 1000"}},
		{[]string{"disclosures", "acme", "--kind", "friend", "--basis", "vibes", "--category", canary, "--purpose", "shopping"}, cli.ExitFailure,
			[]string{"--kind: must be one of processor|controller|third_party|public_authority", "--basis: must be one of art6_1_a_consent|", "--category: not a fideslang data category", "--purpose: not a fideslang data use"}},
		{[]string{"disclosures", "acme", "--from", "2026-02-01T00:00:00Z", "--to", "2026-01-01T00:00:00Z"}, cli.ExitFailure, []string{"--to: is before --from"}},
		{[]string{"disclosures", "acme", "--subject", canary, "--recipient", "a b"}, cli.ExitFailure, []string{"--subject: has a character", "--recipient: has a character"}},
		{[]string{"findings", "acme", "--rule", canary}, cli.ExitFailure, []string{"--rule: not a rule name"}},
		{[]string{"findings", "acme", "--status", canary}, cli.ExitFailure, []string{"--status: must be open|closed|acknowledged|assigned|risk_accepted|not_applicable|resolved"}},
		{[]string{"findings", "acme", "--group-by", canary}, cli.ExitFailure, []string{"--group-by: must be cause"}},
		{[]string{"requests", "acme", "--status", "pending"}, cli.ExitFailure, []string{"--status: must be one of open|fulfilled|denied"}},
		{[]string{"ropa", "a.b"}, cli.ExitFailure, []string{"TENANT: has a character"}},
		{[]string{"ropa", "acme", "--api", "localhost:7070"}, cli.ExitFailure, []string{"--api"}},
	} {
		args := tc.args
		if !strings.Contains(strings.Join(args, " "), "--api") {
			args = append([]string{args[0], "--api", s.URL}, args[1:]...)
		}
		code, out, errOut := run(t, args...)
		if code != tc.wantCode {
			t.Errorf("docket %v: exit %d, want %d; stderr %s", tc.args, code, tc.wantCode, errOut)
		}
		for _, w := range tc.wantErr {
			if !strings.Contains(errOut, w) {
				t.Errorf("docket %v: stderr %q lacks %q", tc.args, errOut, w)
			}
		}
		if strings.Contains(errOut, canary) || strings.Contains(out, canary) {
			t.Errorf("docket %v: output quotes the value: %s", tc.args, errOut)
		}
	}
}
