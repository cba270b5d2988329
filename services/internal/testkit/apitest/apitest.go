// Package apitest lists the API's procedures for tests that must cover
// every RPC (the auth policy, the role matrix, the confidential
// disclosures' reach).
package apitest

import (
	"slices"
	"testing"

	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// files are the generated files of docket.api.v1; naming them keeps the
// package linked in, so that its services are registered.
var files = []protoreflect.FileDescriptor{
	apiv1.File_docket_api_v1_audit_proto, apiv1.File_docket_api_v1_ingest_proto, apiv1.File_docket_api_v1_query_proto,
	apiv1.File_docket_api_v1_rights_proto, apiv1.File_docket_api_v1_status_proto, apiv1.File_docket_api_v1_tokens_proto,
}

// minProcedures is fewer RPCs than the API has had since its six
// services: fewer found means the registry was not read right.
const minProcedures = 25

// Procedures lists every RPC of every service of docket.api.v1 as a
// Connect procedure ("/docket.api.v1.QueryService/GetSubject"), sorted,
// from the generated descriptors: a new RPC is in it the moment its code
// is generated.
func Procedures(t testing.TB) []string {
	t.Helper()
	var ps []string
	protoregistry.GlobalFiles.RangeFilesByPackage("docket.api.v1", func(f protoreflect.FileDescriptor) bool {
		for i := range f.Services().Len() {
			s := f.Services().Get(i)
			for j := range s.Methods().Len() {
				ps = append(ps, "/"+string(s.FullName())+"/"+string(s.Methods().Get(j).Name()))
			}
		}
		return true
	})
	slices.Sort(ps)
	if len(ps) < minProcedures || len(files) != 6 {
		t.Fatalf("found only %d RPCs in docket.api.v1: %v", len(ps), ps)
	}
	return ps
}
