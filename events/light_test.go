package events_test

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// heavy are module path prefixes the SDK must not require, not even
// indirectly or for its tests: an emitting service that imports events gets
// only what events needs.
var heavy = []struct{ prefix, why string }{
	{"github.com/nats-io/nats-server/", "a NATS server: tests that need one live in the module events/natstest"},
	{"github.com/ThreeDotsLabs/watermill", "Watermill: events/watermillcodec is a module of its own"},
	{"github.com/gogo/protobuf", "deprecated, and came in only through Watermill"},
}

// TestSDKIsLight fails when the events module's go.mod requires a module
// the SDK must not pull into an emitting service (go mod tidy lists the
// modules of the tests too, so a test that imports nats-server fails it).
func TestSDKIsLight(t *testing.T) {
	data, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Module == nil || f.Module.Mod.Path != "github.com/docketledger/docket/events" {
		t.Fatalf("go.mod is not the events module's: %+v", f.Module)
	}
	for _, r := range f.Require {
		for _, h := range heavy {
			if strings.HasPrefix(r.Mod.Path, h.prefix) {
				t.Errorf("events/go.mod:%d requires %s %s: %s", r.Syntax.Start.Line, r.Mod.Path, r.Mod.Version, h.why)
			}
		}
	}
}
