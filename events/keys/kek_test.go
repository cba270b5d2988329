package keys_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docketledger/docket/events/keys"
)

func TestLoadKEKFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "secrets")
	path := filepath.Join(dir, "kek")

	if _, err := keys.LoadKEKFile(path, false); err == nil {
		t.Fatal("missing file without create: no error")
	}
	kek, err := keys.LoadKEKFile(path, true)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("created file has mode %#o, want 0600", perm)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := di.Mode().Perm(); perm != 0o700 {
		t.Errorf("created directory has mode %#o, want 0700", perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); len(got) != 2*keys.KEKSize {
		t.Errorf("file holds %d characters, want %d hex", len(got), 2*keys.KEKSize)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key file", len(entries))
	}

	// Loading again, with or without create, gives the same key.
	for _, create := range []bool{false, true} {
		again, err := keys.LoadKEKFile(path, create)
		if err != nil {
			t.Fatal(err)
		}
		if again.ID() != kek.ID() {
			t.Errorf("reloaded (create=%v) KEK %s, want %s", create, again.ID(), kek.ID())
		}
	}

	// Wider permissions are refused, with a message naming path and mode.
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o700} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := keys.LoadKEKFile(path, true)
		if err == nil {
			t.Errorf("mode %#o: no error", mode)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, fmt.Sprintf("%#o", mode)) {
			t.Errorf("mode %#o: error %q does not name the path and the mode", mode, msg)
		}
	}
	// Narrower is fine.
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.LoadKEKFile(path, false); err != nil {
		t.Errorf("mode 0400: %v", err)
	}

	// Malformed content is refused without echoing it.
	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.WriteFile(bad, []byte("not-a-key-at-all"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.LoadKEKFile(bad, false); err == nil || strings.Contains(err.Error(), "not-a-key") {
		t.Errorf("malformed file: %v", err)
	}
}
