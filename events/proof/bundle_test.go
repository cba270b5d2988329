package proof_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/docketledger/docket/events/proof"
)

func TestMarshalParseRoundTrip(t *testing.T) {
	ev := storedEvent(t)
	big := newLedger(t, 300, 123, ev)
	one := newLedger(t, 1, 1, ev)
	tests := []struct {
		name string
		b    *proof.Bundle
	}{
		{"300 leaves", big.bundle(t, 123, subject)},
		{"last leaf", big.bundle(t, 300, "docket.acme.u-1.X")},
		{"one leaf, empty proof", one.bundle(t, 1, subject)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := proof.Marshal(tt.b)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if !bytes.HasSuffix(data, []byte("}\n")) || !bytes.Contains(data, []byte("\n  \"version\": 1,\n")) {
				t.Errorf("Marshal output is not indented JSON ending in a newline:\n%s", data)
			}
			if !bytes.Contains(data, []byte(`"proof": [`)) {
				t.Errorf("Marshal output has no proof array:\n%s", data)
			}
			got, err := proof.Parse(data)
			if err != nil {
				t.Fatalf("Parse(Marshal()): %v", err)
			}
			if !reflect.DeepEqual(got, tt.b) {
				t.Errorf("Parse(Marshal()) = %+v, want %+v", got, tt.b)
			}
		})
	}
}

// mutate returns valid with its JSON object changed by f.
func mutate(t *testing.T, valid []byte, f func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(valid, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestParseRejects(t *testing.T) {
	l := newLedger(t, 300, 123, storedEvent(t))
	valid, err := proof.Marshal(l.bundle(t, 123, subject))
	if err != nil {
		t.Fatal(err)
	}
	set := func(k string, v any) string { return mutate(t, valid, func(m map[string]any) { m[k] = v }) }
	del := func(k string) string { return mutate(t, valid, func(m map[string]any) { delete(m, k) }) }
	goodProof := l.bundle(t, 123, subject).Proof
	checkpointBody := strings.SplitN(string(l.note), "\n\n", 2)[0] + "\n"

	tests := []struct {
		name      string
		data      string
		wantInMsg string
	}{
		{"empty input", "", "truncated"},
		{"not an object", "[]", "object"},
		{"syntax error", `{"version": 1,}`, "invalid JSON"},
		{"truncated", string(valid[:len(valid)/2]), "JSON"},
		{"two values", string(valid) + "{}", "after"},
		{"trailing garbage", string(valid) + "x", "after"},
		{"unknown field", set("extra", 1), `unknown field "extra"`},
		{"field in another case", strings.Replace(string(valid), `"version"`, `"Version"`, 1), `unknown field "Version"`},
		{"duplicate field", strings.Replace(string(valid), `"version": 1,`, `"version": 1, "version": 1,`, 1), "version: appears twice"},
		{"missing version", del("version"), "version: missing"},
		{"missing proof", del("proof"), "proof: missing"},
		{"missing checkpoint", del("checkpoint"), "checkpoint: missing"},
		{"version 2", set("version", 2), "version"},
		{"version string", set("version", "1"), "version"},
		{"version fraction", set("version", 1.5), "version"},
		{"sequence 0", set("sequence", 0), "sequence"},
		{"sequence negative", set("sequence", -1), "sequence"},
		{"sequence beyond tree size", set("sequence", 301), "sequence"},
		{"tree size 0", set("tree_size", 0), "tree_size"},
		{"tree size negative", set("tree_size", -5), "tree_size"},
		{"tree size too large", strings.Replace(string(valid), `"tree_size": 300`, `"tree_size": 9223372036854775808`, 1), "tree_size"},
		{"empty subject", set("subject", ""), "subject"},
		{"subject with space", set("subject", "docket.acme. u.X"), "subject"},
		{"subject wildcard", set("subject", "docket.acme.*.X"), "subject"},
		{"subject empty token", set("subject", "docket..u.X"), "subject"},
		{"subject not a string", set("subject", 5), "subject"},
		{"empty event", set("event", ""), "event"},
		{"null event", set("event", nil), "event"},
		{"event not base64", set("event", "!!!!"), "event"},
		{"event URL base64", set("event", "-_-_"), "event"},
		{"event unpadded", set("event", "AAA"), "event"},
		{"proof hash 31 bytes", set("proof", []any{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="}), "proof[0]"},
		{"proof hash not base64", set("proof", []any{goodProof[0], "not base64!"}), "proof[1]"},
		{"proof hash not a string", set("proof", []any{1}), "proof"},
		{"proof not an array", set("proof", "x"), "proof"},
		{"proof too long", set("proof", func() []any {
			out := make([]any, 65)
			for i := range out {
				out[i] = goodProof[0]
			}
			return out
		}()), "proof"},
		{"empty checkpoint", set("checkpoint", ""), "checkpoint"},
		{"checkpoint without signatures", set("checkpoint", checkpointBody), "checkpoint"},
		{"checkpoint body malformed", set("checkpoint", strings.Replace(string(l.note), "\n300\n", "\n0300\n", 1)), "checkpoint: note text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := proof.Parse([]byte(tt.data))
			if !errors.Is(err, proof.ErrMalformed) {
				t.Fatalf("Parse error = %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Errorf("Parse error %q does not mention %q", err, tt.wantInMsg)
			}
		})
	}
}

func TestParseSizeLimit(t *testing.T) {
	l := newLedger(t, 3, 2, storedEvent(t))
	b := l.bundle(t, 2, subject)
	b.Event = bytes.Repeat([]byte{0xee}, proof.MaxSize) // base64 makes it larger still
	data, err := proof.Marshal(b)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	if _, err := proof.Parse(data); !errors.Is(err, proof.ErrMalformed) {
		t.Errorf("Parse(%d bytes) error = %v, want ErrMalformed", len(data), err)
	}
}

func TestMarshalRejectsInvalid(t *testing.T) {
	l := newLedger(t, 3, 2, storedEvent(t))
	b := l.bundle(t, 2, subject)
	b.Sequence = 4
	if _, err := proof.Marshal(b); !errors.Is(err, proof.ErrMalformed) {
		t.Errorf("Marshal(sequence beyond tree size) error = %v, want ErrMalformed", err)
	}
	if _, err := proof.Marshal(nil); !errors.Is(err, proof.ErrMalformed) {
		t.Errorf("Marshal(nil) error = %v, want ErrMalformed", err)
	}
}
