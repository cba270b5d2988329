package natsperm_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/testkit/docketdtest"
)

// TestDocketdOnLockedDownServer runs the whole of docketd as user docketd
// against nats-server with deploy/nats/docket.conf: it starts (creating
// every stream and bucket it needs, twice, as on a restart), stores and
// projects events, and still cannot delete its own events stream.
func TestDocketdOnLockedDownServer(t *testing.T) {
	srv := startServer(t, "docket.conf")
	kek := filepath.Join(t.TempDir(), "kek") // external mode creates no key: the operator provides it
	if err := os.WriteFile(kek, []byte(randomHex(t, 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		c := config.Defaults()
		c.DataDir = t.TempDir()
		c.KEKFile = kek
		c.NATSURL = "nats://" + srv.addr
		c.NATSUser, c.NATSPassword = "docketd", srv.passwords["docketd"]
		c.APIListen = "127.0.0.1:0"
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		d := docketdtest.Start(t, c, docketdtest.WithTimeout(30*time.Second))
		d.Token(t, auth.Spec{Name: "crm", Roles: []auth.Role{auth.Emitter}, Tenant: "acme", Source: "crm"})
		ev := dataCollected("acme", "s-daemon")
		ev.Source = "crm"
		if _, err := d.Emitter.Append(context.Background(), ev); err != nil {
			t.Fatalf("append: %v", err)
		}
		// An emitting service appends through docketd's intake, as
		// emitter-acme, the user that may not publish into the stream.
		em := srv.connect(t, "emitter-acme")
		client, err := events.NewClient(em.nc, events.ClientConfig{Tenant: "acme", Source: "crm"})
		if err != nil {
			t.Fatal(err)
		}
		door := dataCollected("acme", "s-door")
		res, err := client.Append(context.Background(), door)
		if err != nil {
			t.Fatalf("append through the door: %v", err)
		}
		stored := d.StoredEvent(t, res[0].Sequence)
		if stored.GetEventId() != door.GetEventId() || stored.GetSource() != "crm" || stored.GetDataCollected().GetValues()[0].GetSealed() == nil {
			t.Errorf("stored through the door: %s from %q, sealed %v; want %s from crm, sealed", stored.GetEventId(), stored.GetSource(),
				stored.GetDataCollected().GetValues()[0].GetSealed() != nil, door.GetEventId())
		}
		em.nc.Close()
		deadline := time.Now().Add(10 * time.Second)
		for d.ReadModels().Status().Checkpoint < res[0].Sequence {
			if time.Now().After(deadline) {
				t.Fatal("the read models did not apply the event")
			}
			time.Sleep(20 * time.Millisecond)
		}
		err = d.JetStream().DeleteStream(context.Background(), events.DefaultStream)
		if err == nil {
			t.Fatal("docketd deleted its events stream")
		}
		if err := d.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}
