package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/demo"
	"github.com/docketledger/docket/services/internal/loader"
	"github.com/spf13/cobra"
)

// newDemoCmd is `docket demo`: it loads the demo data set through the Append API. It resumes after the
// newest demo event the ledger holds, so running it twice adds nothing.
//
// Appending takes an importer token (emitter, source "*", bound to the demo
// tenant). With a token that is no emitter but may administer tokens (the
// first admin token docketd writes), it makes such an importer token for
// the demo tenant alone, loads with it and revokes it: the admin token can
// make any token already, so nothing is granted that it did not have, and
// no standing token appends as any source.
func newDemoCmd(g *globals) *cobra.Command {
	var subjects int
	c := newCommand("demo [flags]", "load the demo data set (idempotent)", args(),
		func(cmd *cobra.Command, _ []string) error {
			ctx, stderr := cmd.Context(), cmd.ErrOrStderr()
			tokens, err := client(g, apiv1connect.NewTokenServiceClient)
			if err != nil {
				return err
			}
			_, own, err := apiClient()
			if err != nil {
				return err
			}
			ds, err := demo.Generate(demo.Config{Subjects: subjects})
			if err != nil {
				return err
			}
			loaderTok, revoke, err := importerToken(ctx, tokens, own, ds.Events[0].GetTenant())
			if err != nil {
				return err
			}
			ingest, err := client(g, func(hc connect.HTTPClient, base string, _ ...connect.ClientOption) apiv1connect.IngestServiceClient {
				return apiv1connect.NewIngestServiceClient(hc, base, loaderTok)
			})
			if err != nil {
				return err
			}
			st, err := loader.Load(ctx, apiTarget{ingest}, ds.Events, 500)
			if rerr := revoke(); rerr != nil {
				fmt.Fprintf(stderr, "docket demo: revoking the importer token it made: %v\n", rerr)
			}
			if err != nil {
				return err
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]int{
				"events": st.Total, "appended": st.Appended, "already_stored": st.Skipped + st.Duplicates,
			})
		})
	c.Flags().IntVar(&subjects, "subjects", 0, "data subjects to generate (0: the default set)")
	return c
}

// importerTTL is the life of the importer token Demo makes: it is revoked
// as soon as the load ends, and expires on its own if Demo is killed.
const importerTTL = time.Hour

// importerToken is the token Demo appends with: the caller's own when it
// is an emitter, else an importer token of tenant that the caller, an
// admin, makes; revoke revokes that one (and does nothing for the
// caller's own).
func importerToken(ctx context.Context, tokens apiv1connect.TokenServiceClient, own connect.ClientOption, tenant string) (connect.ClientOption, func() error, error) {
	none := func() error { return nil }
	who, err := tokens.WhoAmI(ctx, connect.NewRequest(&apiv1.WhoAmIRequest{}))
	if err != nil {
		return nil, nil, fmt.Errorf("who am I: %w", err)
	}
	roles := who.Msg.GetInfo().GetRoles()
	switch {
	case slices.Contains(roles, string(auth.Emitter)):
		return own, none, nil
	case !slices.Contains(roles, string(auth.Admin)):
		return nil, nil, fmt.Errorf("docket demo appends with an importer token (roles emitter, source *, tenant %s), "+
			"or with an admin token that makes one for the load; this token has roles %s", tenant, strings.Join(roles, ","))
	}
	made, err := tokens.CreateToken(ctx, connect.NewRequest(&apiv1.CreateTokenRequest{Name: "demo-loader",
		Roles: []string{string(auth.Emitter)}, Tenant: tenant, Source: auth.AnySource, TtlSeconds: int64(importerTTL / time.Second)}))
	if err != nil {
		return nil, nil, fmt.Errorf("making an importer token for tenant %s: %w", tenant, err)
	}
	id := made.Msg.GetInfo().GetId()
	revoke := func() error {
		_, err := tokens.RevokeToken(context.WithoutCancel(ctx), connect.NewRequest(&apiv1.RevokeTokenRequest{Id: id}))
		return err
	}
	return auth.Bearer(made.Msg.GetToken()), revoke, nil
}

// apiTarget loads through the Append API.
type apiTarget struct {
	client apiv1connect.IngestServiceClient
}

// Head is the tenant's newest event but docketd's own. The API tells no
// more: when that one is not ours (an event appended after the demo), it
// cannot tell where the demo stopped, and says so; docketd --demo can.
func (t apiTarget) Head(ctx context.Context, tenant string, ours func(string) bool) (string, bool, error) {
	resp, err := t.client.Head(ctx, connect.NewRequest(&apiv1.HeadRequest{Tenant: tenant, SkipDocketd: true}))
	if err != nil {
		return "", false, err
	}
	if resp.Msg.GetFound() && !ours(resp.Msg.GetEventId()) {
		return "", false, fmt.Errorf("the newest event of tenant %s is not from the demo: through the API the demo cannot tell "+
			"where it stopped (docketd --demo can)", tenant)
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
