package auth

import (
	"strings"
	"testing"
	"time"
)

// FuzzSplit: any bearer string is either refused as malformed or split
// into a 20-hex-digit id; nothing panics, and a token New made always
// splits back to its own id and secret hash.
func FuzzSplit(f *testing.F) {
	secret, tok, err := New(Spec{Name: "fuzz", Roles: []Role{Auditor}, Tenant: "acme", TTL: time.Hour}, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(secret)
	f.Add("dkt_")
	f.Add("dkt_" + strings.Repeat("a", 20) + "_")
	f.Add("Bearer " + secret)
	f.Fuzz(func(t *testing.T, s string) {
		id, sum, err := split(s)
		if err != nil {
			return
		}
		if len(id) != 20 || !strings.HasPrefix(s, "dkt_"+id+"_") {
			t.Fatalf("split(%q) = id %q", s, id)
		}
		if s == secret && (id != tok.ID || !tok.matches(sum)) {
			t.Fatal("a made token does not split back to itself")
		}
	})
}
