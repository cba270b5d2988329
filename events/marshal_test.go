package events_test

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"
)

// The append path encodes with the generated vtprotobuf code; the bytes
// must be exactly proto.Marshal's, whichever encoder a reader or a later
// writer uses.
func TestMarshalVTMatchesProto(t *testing.T) {
	for _, name := range payloadFields() {
		ev := example(t, name)
		want, err := proto.MarshalOptions{Deterministic: true}.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ev.MarshalVT()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: MarshalVT and proto.Marshal differ", name)
		}
	}
}
