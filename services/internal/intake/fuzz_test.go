package intake_test

import (
	"strings"
	"testing"

	"github.com/docketledger/docket/services/internal/intake"
)

// FuzzIntakeRequest decodes arbitrary bytes as an intake request, in binary
// protobuf and in JSON, and arbitrary strings as its subject: nothing
// panics, an error never quotes the input (it may be personal data), and a
// subject that parses names a tenant and a source that are NATS tokens.
func FuzzIntakeRequest(f *testing.F) {
	for _, s := range []string{"", "\x0a\x00", "\x0a\x05\x0a\x03abc", `{}`, `{"events":[{"tenant":"acme"}]}`,
		`{"events":[{"subjectRef":"secret-canary@example.org"}]}`, `{"expectedLastSequence":{"u-1":"x"}}`, `[`} {
		f.Add([]byte(s), "docketd.intake.acme.crm")
	}
	f.Add([]byte{}, "docketd.intake.acme.*")
	f.Add([]byte{}, "docketd.intake..crm")
	f.Fuzz(func(t *testing.T, data []byte, subject string) {
		for _, isJSON := range []bool{false, true} {
			msg, err := intake.DecodeRequest(data, isJSON)
			if err != nil {
				if len(data) >= 8 && strings.Contains(err.Error(), string(data)) {
					t.Fatalf("the error quotes the input: %v", err)
				}
				continue
			}
			if msg == nil {
				t.Fatal("no request and no error")
			}
		}
		tenant, source, err := intake.ParseSubject(subject)
		if err == nil && (tenant == "" || source == "" || strings.ContainsAny(tenant+source, ".*> ")) {
			t.Fatalf("ParseSubject(%q) = %q, %q", subject, tenant, source)
		}
	})
}
