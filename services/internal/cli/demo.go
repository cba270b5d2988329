package cli

import (
	"context"
	"encoding/json"
	"io"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/demo"
	"github.com/docketledger/docket/services/internal/loader"
)

// Demo loads the demo data set through the Append API. It resumes after the
// newest demo event the ledger holds, so running it twice adds nothing.
func Demo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("demo", stderr)
	api := fs.String("api", DefaultAPI, "docketd API base URL")
	subjects := fs.Int("subjects", 0, "data subjects to generate (0: the default set)")
	if err := parse(fs, args); err != nil {
		return err
	}
	client, err := ingestClient(*api)
	if err != nil {
		return err
	}
	ds, err := demo.Generate(demo.Config{Subjects: *subjects})
	if err != nil {
		return err
	}
	st, err := loader.Load(ctx, apiTarget{client}, ds.Events, 500)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(map[string]int{
		"events": st.Total, "appended": st.Appended, "already_stored": st.Skipped + st.Duplicates,
	})
}

// apiTarget loads through the Append API.
type apiTarget struct {
	client apiv1connect.IngestServiceClient
}

func (t apiTarget) Head(ctx context.Context, tenant string) (string, bool, error) {
	resp, err := t.client.Head(ctx, connect.NewRequest(&apiv1.HeadRequest{Tenant: tenant, SkipDocketd: true}))
	if err != nil {
		return "", false, err
	}
	return resp.Msg.GetEventId(), resp.Msg.GetFound(), nil
}

func (t apiTarget) Append(ctx context.Context, evs []*eventsv1.Event) ([]events.Result, error) {
	resp, err := t.client.Append(ctx, connect.NewRequest(&apiv1.AppendRequest{Events: evs}))
	if err != nil {
		return nil, err
	}
	out := make([]events.Result, len(resp.Msg.GetResults()))
	for i, r := range resp.Msg.GetResults() {
		out[i] = events.Result{EventID: r.GetEventId(), Sequence: r.GetSequence(), Duplicate: r.GetDuplicate()}
	}
	return out, nil
}
