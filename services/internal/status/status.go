// Package status serves docket.api.v1.StatusService: the stream's head and
// how far the read models are behind it (docket status).
package status

import (
	"context"
	"errors"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/projections/model"
	"github.com/docketledger/docket/projections/notary"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"github.com/docketledger/docket/services/internal/readmodels"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ReadSide is what the service needs of the read models.
type ReadSide interface {
	Status() readmodels.Status
	QuarantineSummary(ctx context.Context, latest int) (model.QuarantineSummary, error)
}

// LatestQuarantined is how many of the latest quarantined sequences
// GetStatus lists.
const LatestQuarantined = 5

// Notary is what the service needs of the notary.
type Notary interface {
	Stats() notary.Stats
}

// Service implements apiv1connect.StatusServiceHandler.
type Service struct {
	stream  jetstream.Stream
	read    ReadSide
	notary  Notary
	kind    string
	started time.Time
}

var _ apiv1connect.StatusServiceHandler = (*Service)(nil)

// New returns the service; kind is the store's kind ("sqlite", "postgres").
func New(stream jetstream.Stream, read ReadSide, n Notary, kind string) (*Service, error) {
	if stream == nil || read == nil || n == nil {
		return nil, errors.New("status: New: nil dependency")
	}
	return &Service{stream: stream, read: read, notary: n, kind: kind, started: time.Now()}, nil
}

// GetStatus reports the stream head and the read models' position.
func (s *Service) GetStatus(ctx context.Context, _ *connect.Request[apiv1.GetStatusRequest]) (*connect.Response[apiv1.GetStatusResponse], error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return nil, connect.NewError(connect.CodeUnavailable, fmt.Errorf("events stream: %w", err))
	}
	rs := s.read.Status()
	lag := uint64(0)
	if info.State.LastSeq > rs.Checkpoint {
		lag = info.State.LastSeq - rs.Checkpoint
	}
	resp := &apiv1.GetStatusResponse{
		StreamEvents:       info.State.Msgs,
		StreamLastSequence: info.State.LastSeq,
		ReadModels: &apiv1.ReadModelStatus{
			Store:            s.kind,
			Generation:       uint32(rs.Generation),
			Checkpoint:       rs.Checkpoint,
			LagEvents:        lag,
			AppliedEvents:    rs.Applied,
			AppliedPerSecond: float64(rs.Applied) / time.Since(s.started).Seconds(),
			LastError:        rs.LastError,
		},
	}
	if q, err := s.read.QuarantineSummary(ctx, LatestQuarantined); err != nil {
		if resp.ReadModels.LastError == "" {
			resp.ReadModels.LastError = "quarantine: " + err.Error()
		}
	} else {
		resp.ReadModels.Quarantined = q.Count
		for _, r := range q.Latest {
			resp.ReadModels.QuarantinedSequences = append(resp.ReadModels.QuarantinedSequences, r.Seq)
		}
	}
	ns := s.notary.Stats()
	resp.Notary = &apiv1.NotaryStatus{TreeSize: uint64(ns.Size), CheckpointSize: uint64(ns.Published), LastError: ns.LastError}
	if !info.State.LastTime.IsZero() {
		resp.StreamLastRecordedAt = timestamppb.New(info.State.LastTime)
	}
	return connect.NewResponse(resp), nil
}
