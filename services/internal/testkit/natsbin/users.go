package natsbin

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"testing"
)

// RandomPassword is a fresh password for a configuration that reads it
// from the environment: a letter, then 32 hex digits (the configuration
// parser reads a value of digits alone as a number).
func RandomPassword(t testing.TB) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "p" + hex.EncodeToString(b)
}

// userRe is a user of an accounts file whose password comes from the
// environment: {user: NAME, password: $VAR.
var userRe = regexp.MustCompile(`\{\s*user:\s*([\w-]+)\s*,\s*password:\s*\$(\w+)`)

// Users reads the users of an accounts file (deploy/nats/accounts.conf)
// that take their password from the environment: each one's variable, by
// user name. It fails the test if a user of want is not among them.
func Users(t testing.TB, accountsFile string, want ...string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(accountsFile)
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]string{}
	for _, m := range userRe.FindAllStringSubmatch(string(b), -1) {
		users[m[1]] = m[2]
	}
	for _, u := range want {
		if users[u] == "" {
			t.Fatalf("%s: no user %s found (%v)", accountsFile, u, users)
		}
	}
	return users
}

// RandomPasswords gives every user of users (user name -> variable, as
// Users returns) a RandomPassword: the passwords by user name, and the
// environment that hands them to nats-server, by variable.
func RandomPasswords(t testing.TB, users map[string]string) (passwords, env map[string]string) {
	t.Helper()
	passwords, env = map[string]string{}, map[string]string{}
	for user, v := range users {
		passwords[user] = RandomPassword(t)
		env[v] = passwords[user]
	}
	return passwords, env
}
