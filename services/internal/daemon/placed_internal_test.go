package daemon

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// clusterNotReady retries what a forming or degraded cluster answers, and
// nothing else (TestDocketdWaitsForItsCluster, in deploycheck, runs the
// wait on a real cluster).
func TestClusterNotReady(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("create stream DOCKET: %w", &jetstream.APIError{Code: 400, ErrorCode: 10005, Description: "no suitable peers for placement, peer offline"}), true},
		{&jetstream.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"}, true},
		{&jetstream.APIError{Code: 500, ErrorCode: 10009, Description: "JetStream cluster can not handle request"}, true},
		{fmt.Errorf("look up stream DOCKET: %w", context.DeadlineExceeded), true},
		{&jetstream.APIError{Code: 400, ErrorCode: 10058, Description: "stream name already in use with a different configuration"}, false},
		{errors.New("stream DOCKET: weak settings"), false},
		{context.Canceled, false},
	} {
		if got := clusterNotReady(c.err); got != c.want {
			t.Errorf("clusterNotReady(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
