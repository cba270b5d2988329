package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/cli"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/receipt"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestConsentReceipt: a consent given and a consent withdrawn get signed
// ISO/IEC TS 27560 receipts that verify offline with the log's key; a
// receipt changed in any way, or carrying another event's proof, does not.
func TestConsentReceipt(t *testing.T) {
	d := startDaemon(t, func(c *config.Config) {
		c.CheckpointEvery = 100
		c.CheckpointInterval = config.Duration(100 * time.Millisecond)
	})
	api := d.APIURL()
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	ev := func(min int) *eventsv1.Event {
		return &eventsv1.Event{EventId: uuid.Must(uuid.NewV7()).String(), Tenant: "acme", SubjectRef: "s-rcpt",
			OccurredAt: timestamppb.New(at.Add(time.Duration(min) * time.Minute)), Source: "web", TaxonomyVersion: "fideslang-3.1"}
	}
	given := ev(0)
	given.Payload = &eventsv1.Event_ConsentGiven{ConsentGiven: &eventsv1.ConsentGiven{
		Purpose: "marketing.communications.email", NoticeId: "privacy", NoticeVersion: "7", NoticeSha256: bytes.Repeat([]byte{1}, 32),
		Method: eventsv1.ConsentMethod_CONSENT_METHOD_DOUBLE_OPT_IN, Channel: eventsv1.Channel_CHANNEL_WEB}}
	withdrawn := ev(60)
	withdrawn.Payload = &eventsv1.Event_ConsentWithdrawn{ConsentWithdrawn: &eventsv1.ConsentWithdrawn{
		Purpose: "marketing.communications.email", Method: eventsv1.ConsentMethod_CONSENT_METHOD_UNSUBSCRIBE_LINK, Channel: eventsv1.Channel_CHANNEL_EMAIL}}
	beta := ev(1)
	beta.Tenant, beta.Payload = "beta", given.GetPayload()
	// Acme's controller profile, declared a day before the consent: the
	// receipts' identity. Beta declared none.
	profile := ev(-24 * 60)
	profile.SubjectRef, profile.Payload = "", &eventsv1.Event_ControllerProfileDeclared{ControllerProfileDeclared: &eventsv1.ControllerProfileDeclared{
		Profile: &eventsv1.ControllerProfile{Name: "Acme Ltd", Address: "1 Example Road, 10115 Berlin, Germany", ContactUrl: "https://acme.example/contact",
			MemberState: "DE", Languages: []string{"en"}, ContactEmail: "privacy@acme.example", ContactPhone: "+49 30 555 0100"}}}
	if _, err := d.Emitter.Append(context.Background(), profile, given, withdrawn, beta); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return d.ReadModels().Status().Checkpoint >= 4 })
	vkey := publicKey(t, d)
	vkey = strings.TrimSpace(vkey)

	files := map[string]string{}
	for name, e := range map[string]*eventsv1.Event{"given": given, "withdrawn": withdrawn} {
		var out, errOut string
		waitFor(t, func() bool {
			var code int
			code, out, errOut = run(t, "receipt", e.GetEventId(), "--tenant", "acme", "--api", api)
			return code == 0
		})
		f := writeBytes(t, name+".json", []byte(out))
		files[name] = f
		code, vout, verr := run(t, "verify", "receipt", f, "--key", vkey)
		if code != 0 || !strings.HasPrefix(vout, "OK: dpv:Consent") {
			t.Fatalf("verify receipt %s: exit %d: %s%s%s", name, code, vout, verr, errOut)
		}
	}
	given27560 := []byte(readFile(t, files["given"]))
	for _, want := range []string{`"schema_version"`, `"pii_principal_id":"s-rcpt"`, `"purpose_type":"dpv:Marketing"`,
		`"lawful_basis":"eu-gdpr:A6-1-a"`, `"event_state":"dpv:ConsentGiven"`, `"event_type":"dpv:ExplicitlyExpressedConsent"`,
		`"party_name":"Acme Ltd"`, `"party_contact":"privacy@acme.example"`, `"jurisdiction":"DE"`} {
		if !strings.Contains(compact(t, given27560), want) {
			t.Errorf("the receipt lacks %s", want)
		}
	}

	// Re-indented: still the same receipt.
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(given27560, &doc); err != nil {
		t.Fatal(err)
	}
	reindented, _ := json.MarshalIndent(doc, "", "\t")
	expectVerify(t, vkey, reindented, true, "re-indented")

	// Changed: the purpose, the time, the signature, another event's proof.
	expectVerify(t, vkey, bytes.Replace(given27560, []byte("marketing.communications.email"), []byte("marketing.communications.sms"), 1), false, "another purpose")
	expectVerify(t, vkey, bytes.Replace(given27560, []byte("2026-03-01T09:30:00Z"), []byte("2026-02-01T09:30:00Z"), 1), false, "back-dated")
	var f receipt.File
	if err := json.Unmarshal(given27560, &f); err != nil {
		t.Fatal(err)
	}
	var other receipt.File
	if err := json.Unmarshal([]byte(readFile(t, files["withdrawn"])), &other); err != nil {
		t.Fatal(err)
	}
	swapped := f
	swapped.Proof = other.Proof
	b, _ := json.Marshal(swapped)
	expectVerify(t, vkey, b, false, "another event's proof")
	resigned := f
	resigned.Signature = other.Signature
	b, _ = json.Marshal(resigned)
	expectVerify(t, vkey, b, false, "another receipt's signature")

	// The Kantara Consent Receipt v1.1 form, for the consent given.
	var kout, kerr string
	waitFor(t, func() bool {
		var code int
		code, kout, kerr = run(t, "receipt", given.GetEventId(), "--tenant", "acme", "--form", "kantara", "--api", api)
		return code == 0
	})
	var kf receipt.File
	if err := json.Unmarshal([]byte(kout), &kf); err != nil {
		t.Fatalf("kantara receipt: %v: %s", err, kerr)
	}
	var k map[string]interface{}
	if err := json.Unmarshal(kf.Receipt, &k); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]any{"version": "KI-CR-v1.1.0", "jurisdiction": "DE", "consentReceiptID": given.GetEventId(),
		"piiPrincipalId": "s-rcpt", "consentTimestamp": float64(at.Unix()), "policyUrl": "https://acme.example/contact", "sensitive": false,
		"publicKey": vkey, "collectionMethod": "double opt-in via web"} {
		if k[field] != want {
			t.Errorf("kantara %s = %v, want %v", field, k[field], want)
		}
	}
	if s := compact(t, kf.Receipt); !strings.Contains(s, `"piiController":"Acme Ltd"`) || !strings.Contains(s, `"consentType":"EXPLICIT"`) ||
		!strings.Contains(s, `"purpose":"marketing.communications.email"`) || !strings.Contains(s, `"purposeCategory":["dpv:Marketing"]`) {
		t.Errorf("kantara receipt: %s", s)
	}
	kfile := writeBytes(t, "kantara.json", []byte(kout))
	if code, vout, verr := run(t, "verify", "receipt", kfile, "--key", vkey); code != 0 || !strings.HasPrefix(vout, "OK: Kantara CR v1.1 receipt: consent to marketing.communications.email by s-rcpt at 2026-03-01T09:30:00Z") {
		t.Fatalf("verify kantara receipt: exit %d: %s%s", code, vout, verr)
	}
	expectVerify(t, vkey, bytes.Replace([]byte(kout), []byte(fmt.Sprint(at.Unix())), []byte(fmt.Sprint(at.Unix()-86400)), 1), false, "kantara back-dated")
	for _, tc := range []struct{ id, tenant, form, want string }{
		{withdrawn.GetEventId(), "acme", "kantara", "records consent given"},
		{beta.GetEventId(), "beta", "kantara", "no controller profile"},
		{given.GetEventId(), "acme", "pdf", `--form: "pdf" is not iso27560 or kantara`},
	} {
		if code, _, errOut := run(t, "receipt", tc.id, "--tenant", tc.tenant, "--form", tc.form, "--api", api); code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("receipt --form %s of %s: exit %d: %s, want %q", tc.form, tc.tenant, code, errOut, tc.want)
		}
	}

	// An unknown event has none.
	if code, _, errOut := run(t, "receipt", uuid.Must(uuid.NewV7()).String(), "--tenant", "acme", "--api", api); code != cli.ExitFailure || !strings.Contains(errOut, "not found") {
		t.Fatalf("receipt of an unknown event: exit %d: %s", code, errOut)
	}
}

func expectVerify(t *testing.T, vkey string, data []byte, ok bool, what string) {
	t.Helper()
	want := cli.ExitMismatch // a receipt that does not verify
	if ok {
		want = cli.ExitOK
	}
	code, out, errOut := run(t, "verify", "receipt", writeBytes(t, "r.json", data), "--key", vkey)
	if code != want {
		t.Fatalf("%s: verify exit %d, want %d: %s%s", what, code, want, out, errOut)
	}
}

func compact(t *testing.T, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
