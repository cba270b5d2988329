package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"github.com/spf13/cobra"
)

// newStatusCmd prints the stream head and how far the read models are
// behind.
func newStatusCmd(g *globals) *cobra.Command {
	c := newCommand("status [flags]", "the stream's head and how far the read models are behind it", args(), nil)
	format := c.Flags().String("format", "table", "table or json")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if *format != "table" && *format != "json" {
			return fmt.Errorf("--format: %q is not table or json", *format)
		}
		client, err := client(g, apiv1connect.NewStatusServiceClient)
		if err != nil {
			return err
		}
		resp, err := client.GetStatus(cmd.Context(), connect.NewRequest(&apiv1.GetStatusRequest{}))
		if err != nil {
			return err
		}
		return printStatus(cmd.OutOrStdout(), *format, resp.Msg)
	}
	return c
}

func printStatus(stdout io.Writer, format string, s *apiv1.GetStatusResponse) error {
	rm := s.GetReadModels()
	if format == "json" {
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
