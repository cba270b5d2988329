package natsbin_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/docketledger/docket/services/internal/testkit/natsbin"
)

// TestUsersAndPasswords: Users reads the users whose password comes from
// the environment, and only those; RandomPasswords gives each a password
// of its own that the configuration parser reads as a string.
func TestUsersAndPasswords(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "accounts.conf")
	if err := os.WriteFile(conf, []byte(`accounts: {
  DOCKET: { users: [
    {user: operator, password: $OP_PASS}
    { user: docketd , password: $DOCKETD_PASS, permissions: {} }
    {user: fixed, password: "not-from-env"}
  ]}
}`), 0o600); err != nil {
		t.Fatal(err)
	}
	users := natsbin.Users(t, conf, "operator", "docketd")
	if len(users) != 2 || users["operator"] != "OP_PASS" || users["docketd"] != "DOCKETD_PASS" {
		t.Fatalf("users %v, want operator: OP_PASS and docketd: DOCKETD_PASS only", users)
	}
	passwords, env := natsbin.RandomPasswords(t, users)
	if passwords["operator"] == passwords["docketd"] {
		t.Error("two users got the same password")
	}
	for user, v := range users {
		p := passwords[user]
		if env[v] != p {
			t.Errorf("$%s is %q, want %s's password %q", v, env[v], user, p)
		}
		if len(p) != 33 || p[0] < 'a' || p[0] > 'z' {
			t.Errorf("%s's password %q: want a letter and 32 hex digits", user, p)
		}
	}
}
