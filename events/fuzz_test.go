package events_test

import (
	"testing"

	"github.com/docketledger/docket/events"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// FuzzDecodeValidate feeds arbitrary bytes through what the append path does
// with a received event: decode, Validate, CheckSealed. None may panic, and an
// event Validate accepts still validates after an encode/decode round trip.
func FuzzDecodeValidate(f *testing.F) {
	for _, b := range marshalled(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var ev eventsv1.Event
		if proto.Unmarshal(data, &ev) != nil {
			return
		}
		err := events.Validate(&ev)
		_ = events.CheckSealed(&ev)
		if err != nil {
			return
		}
		b, err := proto.Marshal(&ev)
		if err != nil {
			t.Fatalf("valid event does not marshal: %v", err)
		}
		var again eventsv1.Event
		if err := proto.Unmarshal(b, &again); err != nil {
			t.Fatalf("valid event does not unmarshal after a round trip: %v", err)
		}
		if err := events.Validate(&again); err != nil {
			t.Fatalf("valid event is invalid after a round trip: %v", err)
		}
	})
}

// FuzzDecodeJSON is FuzzDecodeValidate for the JSON form the Append API takes.
func FuzzDecodeJSON(f *testing.F) {
	for _, name := range payloadFields() {
		b, err := protojson.Marshal(example(f, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var ev eventsv1.Event
		if protojson.Unmarshal(data, &ev) != nil {
			return
		}
		err := events.Validate(&ev)
		_ = events.CheckSealed(&ev)
		if err != nil {
			return
		}
		b, err := protojson.Marshal(&ev)
		if err != nil {
			t.Fatalf("valid event does not marshal to JSON: %v", err)
		}
		var again eventsv1.Event
		if err := protojson.Unmarshal(b, &again); err != nil {
			t.Fatalf("valid event does not unmarshal from JSON after a round trip: %v", err)
		}
		if err := events.Validate(&again); err != nil {
			t.Fatalf("valid event is invalid after a JSON round trip: %v", err)
		}
	})
}
