package query_test

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
)

func protoTime(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }
