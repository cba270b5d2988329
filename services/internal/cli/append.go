package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/ingest"
	"github.com/spf13/cobra"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/encoding/protojson"
)

// appendLine is what `docket append` prints for each stored event.
type appendLine struct {
	Line      int    `json:"line"`
	EventID   string `json:"event_id"`
	Sequence  uint64 `json:"sequence"`
	Duplicate bool   `json:"duplicate"`
}

// newAppendCmd is `docket append`: it reads protojson events, one per
// line, validates the whole file, then sends it in batches to docketd,
// which seals every plaintext value on receipt before anything is stored.
func newAppendCmd(g *globals) *cobra.Command {
	var source string
	var batch int
	c := newCommand("append [flags] FILE.jsonl", "append events from a JSON-lines file (protojson; - for standard input), sealed before they are stored", args("FILE.jsonl"),
		func(cmd *cobra.Command, pos []string) error {
			if batch < 1 || batch > 1000 {
				return fmt.Errorf("--batch: %d is not between 1 and 1000", batch)
			}
			if err := events.CheckToken(source); source != "" && err != nil {
				return fmt.Errorf("--source: %w", err)
			}
			client, err := client(g, apiv1connect.NewIngestServiceClient)
			if err != nil {
				return err
			}
			in := cmd.InOrStdin()
			if name := pos[0]; name != "-" {
				f, err := os.Open(name)
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			evs, lines, err := readEvents(in, source)
			if err != nil {
				return err
			}
			if len(evs) == 0 {
				return errors.New("the file holds no events")
			}
			return sendEvents(cmd.Context(), client, evs, lines, batch, cmd.OutOrStdout())
		})
	c.Flags().StringVar(&source, "source", "", "source of events that name none (default: the token's, which an emitter token fixes)")
	c.Flags().IntVar(&batch, "batch", 500, "events per request (1 to 1000)")
	return c
}

// readEvents decodes and validates every line; it reports all problems of
// all lines at once, by line number, and never quotes a value.
func readEvents(in io.Reader, source string) ([]*eventsv1.Event, []int, error) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 8<<20)
	var (
		evs      []*eventsv1.Event
		lines    []int
		problems []string
	)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		ev := &eventsv1.Event{}
		if err := protojson.Unmarshal([]byte(text), ev); err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %s", n, ingest.RedactDecodeError(err, "docket.events.v1.Event")))
			continue
		}
		if ev.GetSource() == "" {
			ev.Source = source
		}
		// With no source named, docketd sets the token's: check the rest.
		unnamed := ev.GetSource() == ""
		if unnamed {
			ev.Source = "token-source"
		}
		err := events.Validate(ev)
		if unnamed {
			ev.Source = ""
		}
		if err != nil {
			var ve *events.ValidationError
			if errors.As(err, &ve) {
				for _, p := range ve.Problems {
					problems = append(problems, fmt.Sprintf("line %d: %s", n, p))
				}
				continue
			}
			return nil, nil, err
		}
		evs = append(evs, ev)
		lines = append(lines, n)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read: %w", err)
	}
	if len(problems) > 0 {
		return nil, nil, fmt.Errorf("nothing was sent; %d problem(s):\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	return evs, lines, nil
}

func sendEvents(ctx context.Context, client apiv1connect.IngestServiceClient, evs []*eventsv1.Event, lines []int, batch int, stdout io.Writer) error {
	enc := json.NewEncoder(stdout)
	for start := 0; start < len(evs); start += batch {
		end := min(start+batch, len(evs))
		resp, err := client.Append(ctx, connect.NewRequest(&apiv1.AppendRequest{Events: evs[start:end]}))
		if err != nil {
			return fmt.Errorf("lines %d to %d: %s", lines[start], lines[end-1], describeAPIError(err, lines[start:end]))
		}
		for i, r := range resp.Msg.GetResults() {
			if err := enc.Encode(appendLine{Line: lines[start+i], EventID: r.GetEventId(), Sequence: r.GetSequence(), Duplicate: r.GetDuplicate()}); err != nil {
				return err
			}
		}
	}
	return nil
}

var eventIndex = regexp.MustCompile(`^events\[(\d+)\]`)

// describeAPIError renders an API error, naming lines instead of batch
// indexes for invalid_argument field violations.
func describeAPIError(err error, lines []int) string {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	var out []string
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue
		}
		br, ok := v.(*errdetails.BadRequest)
		if !ok {
			continue
		}
		for _, fv := range br.GetFieldViolations() {
			field := fv.GetField()
			if m := eventIndex.FindStringSubmatch(field); m != nil {
				if i, _ := strconv.Atoi(m[1]); i < len(lines) {
					field = "line " + strconv.Itoa(lines[i]) + strings.TrimPrefix(field, m[0])
				}
			}
			out = append(out, field+": "+fv.GetDescription())
		}
	}
	if len(out) == 0 {
		return ce.Code().String() + ": " + ce.Message()
	}
	return ce.Code().String() + ":\n  " + strings.Join(out, "\n  ")
}
