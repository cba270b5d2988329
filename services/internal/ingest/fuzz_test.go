package ingest_test

import (
	"strings"
	"testing"

	_ "github.com/docketledger/docket/proto/gen/docket/api/v1" // registers the API's messages
	"github.com/docketledger/docket/services/internal/ingest"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// requestTypes are the input messages of every RPC of docket.api.v1.
func requestTypes(t testing.TB) []protoreflect.MessageDescriptor {
	var out []protoreflect.MessageDescriptor
	protoregistry.GlobalFiles.RangeFilesByPackage("docket.api.v1", func(f protoreflect.FileDescriptor) bool {
		for i := range f.Services().Len() {
			ms := f.Services().Get(i).Methods()
			for j := range ms.Len() {
				out = append(out, ms.Get(j).Input())
			}
		}
		return true
	})
	if len(out) < 20 {
		t.Fatalf("found %d request types", len(out))
	}
	return out
}

// FuzzAPIRequests decodes arbitrary bytes as every API request, in JSON
// (the server's codec) and in binary protobuf (gRPC): nothing panics, and
// a JSON error never quotes the input (it may be personal data sent to the
// wrong field).
func FuzzAPIRequests(f *testing.F) {
	types := requestTypes(f)
	for _, s := range []string{`{}`, `{"tenant":"acme","subjectRef":"s-1"}`, `{"events":[{"tenant":"acme"}]}`,
		`{"tenant":"secret-canary@example.org"}`, `{"pageSize":"x"}`, `[`, "\x0a\x03abc"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, md := range types {
			m := dynamicpb.NewMessage(md)
			if err := (ingest.JSONCodec{}).Unmarshal(data, m); err != nil && len(data) >= 8 && strings.Contains(err.Error(), string(data)) {
				t.Fatalf("%s: the error quotes the input: %v", md.FullName(), err)
			}
			_ = proto.Unmarshal(data, dynamicpb.NewMessage(md))
		}
	})
}
