package natsperm_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/daemon"
	"google.golang.org/protobuf/proto"
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
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		d, err := daemon.Start(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
		cancel()
		if err != nil {
			t.Fatalf("docketd as docketd: %v", err)
		}
		if _, err := d.NewToken(context.Background(), auth.Spec{Name: "crm", Roles: []auth.Role{auth.Emitter}, Tenant: "acme", Source: "crm"}); err != nil {
			t.Fatal(err)
		}
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
		m, err := d.Stream().GetMsg(context.Background(), res[0].Sequence)
		if err != nil {
			t.Fatal(err)
		}
		stored := &eventsv1.Event{}
		if err := proto.Unmarshal(m.Data, stored); err != nil {
			t.Fatal(err)
		}
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
