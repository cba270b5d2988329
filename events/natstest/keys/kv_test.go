// The tests of package keys that need a NATS server: the store on a NATS
// key-value bucket, with the keystest suites run on it. They are in the
// natstest module so that the events module (the SDK) does not require
// nats-server (events/light_test.go).

package keys_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/docketledger/docket/events/keys"
	"github.com/docketledger/docket/events/keys/keystest"
	"github.com/docketledger/docket/events/natstest"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
)

// natsServer is an in-process JetStream server on a random port, with its
// store in a temporary directory.
type natsServer struct {
	srv      *server.Server
	js       jetstream.JetStream
	storeDir string
}

// startNATS starts a server for one test; it shuts down in t.Cleanup.
func startNATS(t *testing.T) *natsServer {
	t.Helper()
	dir := t.TempDir()
	s := natstest.Start(t, func(o *server.Options) { o.StoreDir = dir })
	_, js := natstest.Connect(t, s)
	return &natsServer{srv: s, js: js, storeDir: dir}
}

// startKV starts a server for one test and opens a KV store on it, in the
// default bucket.
func startKV(t *testing.T) (*natsServer, keys.Store) {
	t.Helper()
	ns := startNATS(t)
	store, err := keys.NewKVStore(context.Background(), ns.js, keys.KVConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return ns, store
}

// newKVStore returns a KV store in a fresh bucket (each call its own server).
func newKVStore(t *testing.T) keys.Store {
	t.Helper()
	_, store := startKV(t)
	return store
}

func TestKVStore(t *testing.T) {
	keystest.RunStoreTests(t, newKVStore)
}

func TestKVKeyring(t *testing.T) {
	keystest.RunKeyringTests(t, newKVStore)
}

func TestKVRewrap(t *testing.T) {
	keystest.RunRewrapTests(t, newKVStore)
}

func TestKVStoreSharesBucket(t *testing.T) {
	// Two stores (two docketd processes) on one bucket see each other's keys
	// and tombstones; opening an existing bucket works.
	ctx := context.Background()
	ns := startNATS(t)
	a, err := keys.NewKVStore(ctx, ns.js, keys.KVConfig{Bucket: "K"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := keys.NewKVStore(ctx, ns.js, keys.KVConfig{Bucket: "K"})
	if err != nil {
		t.Fatal(err)
	}
	r := keys.Ref{Tenant: "acme", Subject: "u-1", Group: "default"}
	w := keys.Wrapped{Version: 1, KEKID: "k1", Ciphertext: []byte("wrapped")}
	if err := a.Create(ctx, r, w); err != nil {
		t.Fatal(err)
	}
	if err := b.Create(ctx, r, w); !errors.Is(err, keys.ErrExists) {
		t.Errorf("Create through the other store: %v, want ErrExists", err)
	}
	if err := b.Shred(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get(ctx, r); !errors.Is(err, keys.ErrShredded) {
		t.Errorf("Get through the other store: %v, want ErrShredded", err)
	}
}

func TestKVConfigValidate(t *testing.T) {
	ctx := context.Background()
	ns := startNATS(t)
	tests := []struct {
		name string
		cfg  keys.KVConfig
	}{
		{name: "bad bucket", cfg: keys.KVConfig{Bucket: "a.b"}},
		{name: "too many replicas", cfg: keys.KVConfig{Replicas: 7}},
		{name: "bad storage", cfg: keys.KVConfig{Storage: 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := keys.NewKVStore(ctx, ns.js, tt.cfg); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, err := keys.NewKVStore(ctx, nil, keys.KVConfig{}); err == nil {
		t.Error("nil JetStream: no error")
	}
}

// A bucket made by jetstream.CreateKeyValue denies message deletes, for
// good: such a bucket cannot secure-erase, and NewKVStore refuses it.
func TestKVStoreRefusesDenyDeleteBucket(t *testing.T) {
	ctx := context.Background()
	ns := startNATS(t)
	kv, err := ns.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "PLAIN", History: 1})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := kv.Put(ctx, "k", []byte("v"))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := ns.js.Stream(ctx, "KV_PLAIN")
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.SecureDeleteMsg(ctx, rev); err == nil {
		t.Error("SecureDeleteMsg on a CreateKeyValue bucket succeeded; NewKVStore's own stream may be unnecessary")
	}
	if _, err := keys.NewKVStore(ctx, ns.js, keys.KVConfig{Bucket: "PLAIN"}); err == nil {
		t.Error("NewKVStore accepted a bucket that denies deletes")
	}
}

// TestKVShredSecureErases checks that after Shred the wrapped key's bytes
// are in no message of the bucket's stream, nor anywhere in the server's
// store directory, while a key that was not shredded still is.
func TestKVShredSecureErases(t *testing.T) {
	ctx := context.Background()
	ns, store := startKV(t)
	kr := keystest.NewKeyring(t, store, keystest.NewKEK(t))
	victim := keys.Ref{Tenant: "acme", Subject: "u-1", Group: "marketing"}
	kept := keys.Ref{Tenant: "acme", Subject: "u-1", Group: "tax"}
	for _, r := range []keys.Ref{victim, kept, {Tenant: "acme", Subject: "u-2", Group: "marketing"}} {
		if _, err := kr.DataKey(ctx, r.Tenant, r.Subject, r.Group); err != nil {
			t.Fatal(err)
		}
	}
	victimW, err := store.Get(ctx, victim)
	if err != nil {
		t.Fatal(err)
	}
	keptW, err := store.Get(ctx, kept)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := ns.js.Stream(ctx, "KV_"+keys.DefaultKVBucket)
	if err != nil {
		t.Fatal(err)
	}
	if !streamHolds(t, stream, victimW.Ciphertext) {
		t.Fatal("control: the wrapped key is not in the stream before Shred")
	}

	if err := kr.Shred(ctx, victim.Tenant, victim.Subject, victim.Group); err != nil {
		t.Fatal(err)
	}
	if streamHolds(t, stream, victimW.Ciphertext) {
		t.Error("a message of the stream still holds the shredded wrapped key")
	}
	if !streamHolds(t, stream, keptW.Ciphertext) {
		t.Error("the other group's wrapped key is gone")
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.MaxMsgsPerSubject != keys.KVHistory {
		t.Errorf("history %d, want %d", info.Config.MaxMsgsPerSubject, keys.KVHistory)
	}

	// On disk: shut the server down (flushing every block), then search
	// every file of its store.
	ns.srv.Shutdown()
	ns.srv.WaitForShutdown()
	if !dirHolds(t, ns.storeDir, keptW.Ciphertext) {
		t.Fatal("control: the kept wrapped key is not on disk")
	}
	if dirHolds(t, ns.storeDir, victimW.Ciphertext) {
		t.Error("the shredded wrapped key is still on disk")
	}
}

// streamHolds reads every message from the stream's first to its last
// sequence (erased ones are gone) and reports whether any holds b.
func streamHolds(t *testing.T, stream jetstream.Stream, b []byte) bool {
	t.Helper()
	ctx := context.Background()
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && seq > 0; seq++ {
		m, err := stream.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatalf("GetMsg(%d): %v", seq, err)
		}
		if bytes.Contains(m.Data, b) {
			found = true
		}
		for _, vs := range m.Header {
			for _, v := range vs {
				if bytes.Contains([]byte(v), b) {
					found = true
				}
			}
		}
	}
	return found
}

func dirHolds(t *testing.T, dir string, b []byte) bool {
	t.Helper()
	found := false
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, b) {
			t.Logf("found in %s", path)
			found = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestKVShredRacesCreators shreds while creators keep trying: afterwards the
// ref is shredded and no wrapped key any creator stored survives.
func TestKVShredRacesCreators(t *testing.T) {
	ctx := context.Background()
	ns, store := startKV(t)
	r := keys.Ref{Tenant: "acme", Subject: "u-1", Group: "default"}
	const creators = 8
	var created [creators][][]byte
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range creators {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				ct := []byte(fmt.Sprintf("wrapped-key-of-creator-%02d-attempt-%06d", i, n))
				err := store.Create(ctx, r, keys.Wrapped{Version: 1, KEKID: "k", Ciphertext: ct})
				switch {
				case err == nil:
					created[i] = append(created[i], ct)
				case errors.Is(err, keys.ErrShredded):
					return
				case errors.Is(err, keys.ErrExists):
					// Someone else's key is there; keep trying until shredded.
				default:
					t.Error(err)
					return
				}
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	if err := store.Shred(ctx, r); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if _, err := store.Get(ctx, r); !errors.Is(err, keys.ErrShredded) {
		t.Fatalf("Get after Shred: %v, want ErrShredded", err)
	}
	stream, err := ns.js.Stream(ctx, "KV_"+keys.DefaultKVBucket)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for i := range creators {
		for _, ct := range created[i] {
			total++
			if streamHolds(t, stream, ct) {
				t.Errorf("%s survived the shred", ct)
			}
		}
	}
	if total == 0 {
		t.Fatal("control: no creator ever succeeded")
	}
}

// TestKVShredFinishesInterruptedErase: a Shred that wrote its tombstone and
// then crashed before the secure erase leaves the wrapped key as the older
// revision; the next Shred erases it.
func TestKVShredFinishesInterruptedErase(t *testing.T) {
	ctx := context.Background()
	w := keys.Wrapped{Version: 1, KEKID: "k", Ciphertext: []byte("the-wrapped-data-key-bytes")}
	_, store, stream, r := interrupted(t, w, tombstone)
	if _, err := store.Get(ctx, r); !errors.Is(err, keys.ErrShredded) {
		t.Fatalf("Get after the tombstone: %v, want ErrShredded", err)
	}
	if !streamHolds(t, stream, w.Ciphertext) {
		t.Fatal("control: the older revision does not hold the wrapped key")
	}
	if err := store.Shred(ctx, r); err != nil {
		t.Fatal(err)
	}
	if streamHolds(t, stream, w.Ciphertext) {
		t.Error("the wrapped key survived the second Shred")
	}
}

// After a KV rotation no message of the bucket's stream holds a key as the
// old KEK wrapped it.
func TestKVRewrapErasesOldWrapping(t *testing.T) {
	ctx := context.Background()
	ns, store := startKV(t)
	oldKEK, newKEK := keystest.NewKEK(t), keystest.NewKEK(t)
	values, _ := keystest.Fill(t, store, oldKEK, 3)
	var old [][]byte
	for _, v := range values {
		w, err := store.Get(ctx, v.Ref)
		if err != nil {
			t.Fatal(err)
		}
		old = append(old, w.Ciphertext)
	}
	stream, err := ns.js.Stream(ctx, "KV_"+keys.DefaultKVBucket)
	if err != nil {
		t.Fatal(err)
	}
	if !streamHolds(t, stream, old[0]) {
		t.Fatal("control: the stream does not hold the wrapped key")
	}
	if _, err := keys.Rewrap(ctx, store, oldKEK, newKEK); err != nil {
		t.Fatal(err)
	}
	for i, ct := range old {
		if streamHolds(t, stream, ct) {
			t.Errorf("the stream still holds key %d as the old KEK wrapped it", i)
		}
	}
}

// interrupted starts a KV store, stores w as the data key of acme/u-1
// (group default), then overwrites that record with record(rev), rev being
// its revision: step one of a Shred or a Replace that crashed before
// erasing the older revision, which still holds w. It returns the server,
// the store, the bucket's stream and the ref.
func interrupted(t *testing.T, w keys.Wrapped, record func(rev uint64) []byte) (*natsServer, keys.Store, jetstream.Stream, keys.Ref) {
	t.Helper()
	ctx := context.Background()
	ns, store := startKV(t)
	r := keys.Ref{Tenant: "acme", Subject: "u-1", Group: "default"}
	if err := store.Create(ctx, r, w); err != nil {
		t.Fatal(err)
	}
	kv, err := ns.js.KeyValue(ctx, keys.DefaultKVBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, "acme.u-1.default")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Update(ctx, "acme.u-1.default", record(e.Revision()), e.Revision()); err != nil {
		t.Fatal(err)
	}
	stream, err := ns.js.Stream(ctx, "KV_"+keys.DefaultKVBucket)
	if err != nil {
		t.Fatal(err)
	}
	return ns, store, stream, r
}

// tombstone is the record step one of a Shred writes: format 1, kind 2,
// the erased revision.
func tombstone(rev uint64) []byte { return binary.BigEndian.AppendUint64([]byte{1, 2}, rev) }

// rewrapped is the record step one of a Replace with next writes: format
// 1, kind 1, version, KEK id length and id, ciphertext.
func rewrapped(next keys.Wrapped) func(uint64) []byte {
	return func(uint64) []byte {
		rec := binary.BigEndian.AppendUint32([]byte{1, 1}, next.Version)
		rec = append(rec, byte(len(next.KEKID)))
		return append(append(rec, next.KEKID...), next.Ciphertext...)
	}
}

var (
	oldWrapping = keys.Wrapped{Version: 1, KEKID: "old-kek", Ciphertext: []byte("the-old-wrapping-of-the-data-key")}
	newWrapping = keys.Wrapped{Version: 1, KEKID: "new-kek", Ciphertext: []byte("the-new-wrapping-of-the-data-key")}
)

// TestKVRewrapFinishesInterruptedErase: a Replace that wrote the rewrapped
// key and then crashed before erasing the old one leaves that old wrapping
// as the older revision; the next Rewrap erases it, and so would a Shred.
func TestKVRewrapFinishesInterruptedErase(t *testing.T) {
	ctx := context.Background()
	old, next := oldWrapping, newWrapping
	_, store, stream, r := interrupted(t, old, rewrapped(next))
	if !streamHolds(t, stream, old.Ciphertext) {
		t.Fatal("control: the older revision does not hold the old wrapping")
	}
	// What Rewrap does for a key already under the new KEK.
	if err := store.Replace(ctx, r, next, next); err != nil {
		t.Fatal(err)
	}
	if streamHolds(t, stream, old.Ciphertext) {
		t.Error("the old wrapping survived")
	}
	got, err := store.Get(ctx, r)
	if err != nil || got.KEKID != next.KEKID {
		t.Fatalf("Get = %+v, %v; want the new wrapping", got, err)
	}
}

// A Shred after such an interrupted Replace erases both wrappings.
func TestKVShredErasesStaleWrapping(t *testing.T) {
	ctx := context.Background()
	old, next := oldWrapping, newWrapping
	ns, store, stream, r := interrupted(t, old, rewrapped(next))
	if err := store.Shred(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, ct := range [][]byte{old.Ciphertext, next.Ciphertext} {
		if streamHolds(t, stream, ct) {
			t.Errorf("%s survived the shred", ct)
		}
	}
	ns.srv.Shutdown()
	ns.srv.WaitForShutdown()
	for _, ct := range [][]byte{old.Ciphertext, next.Ciphertext} {
		if dirHolds(t, ns.storeDir, ct) {
			t.Errorf("%s is still on disk", ct)
		}
	}
}
