package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
)

// Status prints the stream head and how far the read models are behind.
func Status(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("status", stderr)
	api := fs.String("api", DefaultAPI, "docketd API base URL")
	format := fs.String("format", "table", "table or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("--format: %q is not table or json", *format)
	}
	if !strings.HasPrefix(*api, "http://") && !strings.HasPrefix(*api, "https://") {
		return fmt.Errorf("--api: %q must start with http:// or https://", *api)
	}
	hc, tok, err := apiClient()
	if err != nil {
		return err
	}
	client := apiv1connect.NewStatusServiceClient(hc, strings.TrimRight(*api, "/"), tok)
	resp, err := client.GetStatus(ctx, connect.NewRequest(&apiv1.GetStatusRequest{}))
	if err != nil {
		return err
	}
	s := resp.Msg
	rm := s.GetReadModels()
	if *format == "json" {
		return json.NewEncoder(stdout).Encode(map[string]any{
			"stream_events": s.GetStreamEvents(), "stream_last_sequence": s.GetStreamLastSequence(),
			"store": rm.GetStore(), "generation": rm.GetGeneration(), "checkpoint": rm.GetCheckpoint(),
			"lag_events": rm.GetLagEvents(), "applied_events": rm.GetAppliedEvents(),
			"applied_per_second": rm.GetAppliedPerSecond(), "last_error": rm.GetLastError(),
			"notary_tree_size": s.GetNotary().GetTreeSize(), "notary_checkpoint_size": s.GetNotary().GetCheckpointSize(),
			"notary_last_error": s.GetNotary().GetLastError(),
			"quarantined":       rm.GetQuarantined(), "quarantined_sequences": rm.GetQuarantinedSequences(),
		})
	}
	last := "never"
	if t := s.GetStreamLastRecordedAt(); t != nil {
		last = t.AsTime().UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(stdout, "stream       %d events, last sequence %d, last recorded %s\n", s.GetStreamEvents(), s.GetStreamLastSequence(), last)
	fmt.Fprintf(stdout, "read models  %s, generation %d, checkpoint %d, lag %d events\n", rm.GetStore(), rm.GetGeneration(), rm.GetCheckpoint(), rm.GetLagEvents())
	fmt.Fprintf(stdout, "projector    %d events applied since start (%.0f/s on average)\n", rm.GetAppliedEvents(), rm.GetAppliedPerSecond())
	if e := rm.GetLastError(); e != "" {
		fmt.Fprintf(stdout, "last error   %s\n", e)
	}
	if q := rm.GetQuarantined(); q > 0 {
		seqs := make([]string, len(rm.GetQuarantinedSequences()))
		for i, seq := range rm.GetQuarantinedSequences() {
			seqs[i] = strconv.FormatUint(seq, 10)
		}
		more := ""
		if uint64(len(seqs)) < q {
			more = ", ..."
		}
		fmt.Fprintf(stdout, "quarantined  %d stored messages are not valid events and were passed over: sequences %s%s (see docket findings --rule unprojectable_event)\n",
			q, strings.Join(seqs, ", "), more)
	}
	n := s.GetNotary()
	fmt.Fprintf(stdout, "notary       %d events in the tree, last checkpoint signed at %d\n", n.GetTreeSize(), n.GetCheckpointSize())
	if e := n.GetLastError(); e != "" {
		fmt.Fprintf(stdout, "notary error %s\n", e)
	}
	return nil
}
