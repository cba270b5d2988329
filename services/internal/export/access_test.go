package export_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/services/internal/export"
	"github.com/docketledger/docket/services/internal/testkit/ledgertest"
)

// TestNoCredentialInAnyExport plants a password hash (ledgertest.Credential,
// category user.authorization.password, event 24 of StartAccess's ledger)
// and greps every form the package produces, in every language, for it:
// none may hold it (Art. 32), while each tells that a password is held.
func TestNoCredentialInAnyExport(t *testing.T) {
	l := ledgertest.StartAccess(t)
	x := newExporter(t, l, ledgertest.Now)
	for _, tc := range []struct {
		format   export.Format
		language string
		wantHeld string // how the form says a password is held
	}{
		{export.HTML, "en", `<span title="user.authorization.password">Password</span>`},
		{export.HTML, "de", `<span title="user.authorization.password">Passwort</span>`},
		{export.JSON, "", `"category": "user.authorization.password",`},
	} {
		res, err := x.Export(t.Context(), export.Request{Tenant: ledgertest.Tenant, SubjectRef: ledgertest.Subject,
			Format: tc.format, Language: tc.language, Justification: "credential test"})
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{ledgertest.Credential, "argon2id", "c2FsdHNhbHRzYWx0"} {
			if bytes.Contains(res.Body, []byte(secret)) {
				t.Errorf("format %d %q: the export holds the credential (%q)", tc.format, tc.language, secret)
			}
		}
		if !bytes.Contains(res.Body, []byte(tc.wantHeld)) {
			t.Errorf("format %d %q: the export does not say a password is held (%s)", tc.format, tc.language, tc.wantHeld)
		}
		held := false
		for _, d := range res.Report.Data {
			if d.Category == "user.authorization.password" {
				held = d.Withheld && d.Value == "" && !d.Erased
			}
		}
		if !held {
			t.Errorf("format %d: the report's data does not list the password as a secret held", tc.format)
		}
	}
}

// TestReportLanguage: the report is in the language asked for, else the
// controller profile's first language (StartAccess's profile: de, en),
// else English; one without words of its own gives English. Start's
// ledger has no profile.
func TestReportLanguage(t *testing.T) {
	access, plain := ledgertest.StartAccess(t), ledgertest.Start(t)
	for _, tc := range []struct {
		name     string
		l        *ledgertest.Ledger
		language string
		want     string
	}{
		{"asked en", access, "en", `<html lang="en">`},
		{"asked de-CH", access, "de-CH", `<html lang="de">`},
		{"asked fr: no words, English", access, "fr", `<html lang="en">`},
		{"profile's first", access, "", `<html lang="de">`},
		{"no profile", plain, "", `<html lang="en">`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := newExporter(t, tc.l, ledgertest.Now).Export(t.Context(), export.Request{Tenant: ledgertest.Tenant,
				SubjectRef: ledgertest.Subject, Format: export.HTML, Language: tc.language, Justification: "language test"})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(res.Body, []byte(tc.want)) {
				t.Errorf("the report does not start %s", tc.want)
			}
		})
	}
}

// TestReportTellsArticle15 checks, in the English report of StartAccess's
// ledger as of 1 June 2026, what Art. 15 and 77 ask it to tell; and that
// the same report as of 31 December 2025, before the profile declared on
// 1 January 2026 at 08:00, names no controller profile.
func TestReportTellsArticle15(t *testing.T) {
	l := ledgertest.StartAccess(t)
	body := func(now time.Time) string {
		res, err := newExporter(t, l, now).Export(t.Context(), export.Request{Tenant: ledgertest.Tenant, SubjectRef: ledgertest.Subject,
			Format: export.HTML, Language: "en", Justification: "article 15 test"})
		if err != nil {
			t.Fatal(err)
		}
		return string(res.Body)
	}
	page := body(ledgertest.Now)
	for _, want := range []string{
		"<strong>As of: 1 June 2026, 12:00 UTC</strong>",
		// Identity, contact (the mailbox sealed under the tenant key, opened), DPO, authority, Art. 77.
		"Acme Handel GmbH", "privacy@acme.example", "dpo@acme.example",
		`Berliner Beauftragte für Datenschutz und Informationsfreiheit, <a href="https://www.datenschutz-berlin.de">`,
		"You have the right to lodge a complaint with a supervisory authority (Art. 77 GDPR)",
		// The basis in words; the legitimate interest where (f) applies; retention in words.
		`<span title="LEGAL_BASIS_ART6_1_F_LEGITIMATE_INTERESTS">legitimate interests of the controller or a third party (Art. 6(1)(f) GDPR)</span>`,
		"<dt>The legitimate interest pursued</dt><dd>preventing payment fraud against us and our customers</dd>",
		"<dd>180 days from when the data was last collected</dd>",
		"<dd>365 days from the end of the contract or account</dd>",
		// Recipients by identity, the safeguard in words and where to get a copy.
		"<h3>Riskco Inc <small>(riskco)</small></h3>",
		`standard contractual clauses (Art. 46(2)(c) GDPR)</span>.`,
		`A copy of the safeguards: <a href="https://acme.example/privacy/safeguards/riskco">`,
		// The source where the data did not come from the subject.
		"from another source: credit-bureau",
		// Automated decisions, with the logic.
		"We evaluated personal aspects of you (profiling, Art. 4(4) GDPR).",
		"a score from the order&#39;s amount, the device and the credit bureau&#39;s rating",
		// Art. 23, proofs not inline.
		"This sentence is part of every report and does not say whether anything was left out of yours.",
		"The proofs are not printed here.",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report does not say %q", want)
		}
	}
	for _, raw := range []string{">RECIPIENT_KIND_PROCESSOR<", ">TRANSFER_MECHANISM_STANDARD_CONTRACTUAL_CLAUSES<", ">user.contact.email<", ">data_rectified.reason<",
		`"leaf_index"`, `"inclusion"`} {
		if strings.Contains(page, raw) {
			t.Errorf("the report shows %s: raw keys, enum names or an inline proof", raw)
		}
	}
	if before := body(time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)); strings.Contains(before, "Acme Handel GmbH") ||
		!strings.Contains(before, "acme has not declared its identity") {
		t.Error("the report as of 31 December 2025 uses the profile declared on 1 January 2026")
	}
}
