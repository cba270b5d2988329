package proof_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/docketledger/docket/events/proof"
)

func FuzzParseBundle(f *testing.F) {
	ev := storedEvent(f)
	for _, seed := range []struct {
		n   int
		seq uint64
	}{{1, 1}, {3, 2}, {300, 123}} {
		l := newLedger(f, seed.n, seed.seq, ev)
		data, err := proof.Marshal(l.bundle(f, seed.seq, subject))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"version":1}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := proof.Parse(data)
		if err != nil {
			if !errors.Is(err, proof.ErrMalformed) {
				t.Fatalf("Parse error %v does not wrap ErrMalformed", err)
			}
			return
		}
		again, err := proof.Marshal(b)
		if err != nil {
			t.Fatalf("Parse accepted a bundle that Marshal refuses: %v", err)
		}
		b2, err := proof.Parse(again)
		if err != nil {
			t.Fatalf("Parse(Marshal(Parse(data))): %v", err)
		}
		if !reflect.DeepEqual(b, b2) {
			t.Fatalf("round trip changed the bundle:\n%+v\n%+v", b, b2)
		}
	})
}
