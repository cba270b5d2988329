package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRoPAExampleProfile appends services/examples/controller-profile.jsonl
// with docket append to a real docketd (it passes validation), then prints
// the record as of 2 November 2026, a day after the profile's 1 November,
// in each form: the profile is Art. 30(1)(a) in each, its sealed contacts
// opened by docketd with the tenant key (stored sealed, shown in the
// document), and the German HTML is in German.
func TestRoPAExampleProfile(t *testing.T) {
	d := startDaemon(t)
	wantRun(t, 0, "append", "--api", d.APIURL(), filepath.Join("..", "..", "examples", "controller-profile.jsonl"))
	asOf := []string{"--api", d.APIURL(), "acme", "--as-of", "2026-11-02T00:00:00Z"}
	var csvOut string
	waitFor(t, func() bool { // the projector has folded the profile
		var code int
		code, csvOut, _ = run(t, append([]string{"ropa", "--format", "csv"}, asOf...)...)
		return code == 0 && strings.Contains(csvOut, "controller,")
	})
	for _, want := range []string{
		"controller,,name,Acme Shop GmbH,\n",
		"controller,,contact_email,privacy@acme.example,\n",
		"controller,,contact_phone,+49 30 5550 100,\n",
		"controller,,dpo_email,dpo@acme.example,\n",
		"joint_controller,Acme Loyalty GmbH,arrangement_url,https://acme.example/privacy/joint-controllers,\n",
		"representative,,required,false,",
		"security,2,measure,Erasure by destroying the customer's key (crypto-shredding),\n",
	} {
		if !strings.Contains(csvOut, want) {
			t.Errorf("csv lacks %q:\n%s", want, csvOut)
		}
	}
	jsonOut, _ := wantRun(t, 0, append([]string{"ropa", "--format", "json"}, asOf...)...)
	if !strings.Contains(jsonOut, `"dpo_email":"dpo@acme.example"`) || !strings.Contains(jsonOut, `"as_of":"2026-11-02T00:00:00Z"`) {
		t.Errorf("json:\n%s", jsonOut)
	}
	html, _ := wantRun(t, 0, append([]string{"ropa", "--format", "html", "--lang", "de"}, asOf...)...)
	for _, want := range []string{`<html lang="de">`, "Verantwortlicher (Art. 30 Abs. 1 lit. a)", "privacy@acme.example", "@media print"} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	pdf, _ := wantRun(t, 0, append([]string{"ropa", "--format", "pdf", "--lang", "de"}, asOf...)...)
	if !strings.HasPrefix(pdf, "%PDF-") || !strings.Contains(pdf, "privacy@acme.example") {
		t.Errorf("pdf: %.40q", pdf)
	}
	// The day before the profile: no controller.
	before, _ := wantRun(t, 0, "ropa", "--format", "csv", "--api", d.APIURL(), "acme", "--as-of", "2026-10-31T00:00:00Z")
	if strings.Contains(before, "controller,") {
		t.Errorf("a profile before it was declared:\n%s", before)
	}
	if _, errOut := wantRun(t, 2, "ropa", "--format", "docx", "--lang", "fr", "--api", d.APIURL(), "acme"); !strings.Contains(errOut, "--format") || !strings.Contains(errOut, "--lang") {
		t.Errorf("bad flags: %s", errOut)
	}
}
