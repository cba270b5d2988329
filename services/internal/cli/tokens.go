package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"github.com/spf13/cobra"
)

func newTokensCmd(g *globals) *cobra.Command {
	return group("tokens", "API tokens: create (shown once), list, revoke, whoami",
		newTokensCreateCmd(g), newTokensListCmd(g), newTokensRevokeCmd(g), newTokensWhoAmICmd(g))
}

// tokensCmd is a tokens subcommand: run gets the token service's client.
func tokensCmd(g *globals, use, short string, pos []string, run func(ctx context.Context, client apiv1connect.TokenServiceClient, pos []string, stdout, stderr io.Writer) error) *cobra.Command {
	return newCommand(strings.TrimSpace(use+" "+strings.Join(pos, " ")), short, args(pos...), func(cmd *cobra.Command, pos []string) error {
		client, err := client(g, apiv1connect.NewTokenServiceClient)
		if err != nil {
			return err
		}
		return run(cmd.Context(), client, pos, cmd.OutOrStdout(), cmd.ErrOrStderr())
	})
}

func newTokensCreateCmd(g *globals) *cobra.Command {
	var name, roles, tenant, source, cert string
	var ttl time.Duration
	c := tokensCmd(g, "create", "make a token; it is shown this once", nil,
		func(ctx context.Context, client apiv1connect.TokenServiceClient, _ []string, stdout, stderr io.Writer) error {
			var rs []string
			for r := range strings.SplitSeq(roles, ",") {
				if r = strings.TrimSpace(r); r != "" {
					rs = append(rs, r)
				}
			}
			resp, err := call(ctx, client.CreateToken, &apiv1.CreateTokenRequest{
				Name: name, Roles: rs, Tenant: tenant, Source: source, TtlSeconds: int64(ttl.Seconds()), ClientCert: cert})
			if err != nil {
				return err
			}
			i := resp.GetInfo()
			fmt.Fprintf(stderr, "token %s for %s (%s on %s), expires %s; it is shown this once:\n",
				i.GetId(), i.GetName(), strings.Join(i.GetRoles(), ","), i.GetTenant(), i.GetExpiresAt().AsTime().Format(time.RFC3339))
			_, err = fmt.Fprintln(stdout, resp.GetToken())
			return err
		})
	c.Flags().StringVar(&name, "name", "", "who holds it: a person's handle or a service's name (required)")
	c.Flags().StringVar(&roles, "role", "", "emitter, auditor, legal, dpo or admin; several comma-separated (required)")
	tenantFlag(c, &tenant, "the tenant it is bound to, or * for every tenant (not for an emitter) (required)")
	c.Flags().StringVar(&source, "source", "", "an emitter's source: every event it appends carries it (required for an emitter)")
	c.Flags().DurationVar(&ttl, "ttl", 90*24*time.Hour, "how long it lasts")
	c.Flags().StringVar(&cert, "client-cert", "", "a client certificate common name that authenticates as this token (mutual TLS, docketd's api_client_ca)")
	return c
}

func newTokensListCmd(g *globals) *cobra.Command {
	return tokensCmd(g, "list", "every token, with its roles, tenant and expiry", nil,
		func(ctx context.Context, client apiv1connect.TokenServiceClient, _ []string, stdout, _ io.Writer) error {
			p := newPrinter(formatTable, stdout, "id", "name", "roles", "tenant", "source", "created", "expires", "revoked")
			resp, err := call(ctx, client.ListTokens, &apiv1.ListTokensRequest{})
			if err != nil {
				return err
			}
			for _, i := range resp.GetTokens() {
				err := p.row(nil, i.GetId(), i.GetName(), join(i.GetRoles()), i.GetTenant(), i.GetSource(), cellTime(i.GetCreatedAt()), cellTime(i.GetExpiresAt()), cellTime(i.GetRevokedAt()))
				if err != nil {
					return err
				}
			}
			return p.flush()
		})
}

func newTokensRevokeCmd(g *globals) *cobra.Command {
	return tokensCmd(g, "revoke", "revoke a token by its ID (docket tokens list shows them)", []string{"ID"},
		func(ctx context.Context, client apiv1connect.TokenServiceClient, pos []string, stdout, _ io.Writer) error {
			resp, err := call(ctx, client.RevokeToken, &apiv1.RevokeTokenRequest{Id: pos[0]})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "revoked %s (%s) at %s\n", resp.GetInfo().GetId(), resp.GetInfo().GetName(),
				resp.GetInfo().GetRevokedAt().AsTime().Format(time.RFC3339))
			return nil
		})
}

func newTokensWhoAmICmd(g *globals) *cobra.Command {
	return tokensCmd(g, "whoami", "the token this command line calls with", nil,
		func(ctx context.Context, client apiv1connect.TokenServiceClient, _ []string, stdout, _ io.Writer) error {
			resp, err := call(ctx, client.WhoAmI, &apiv1.WhoAmIRequest{})
			if err != nil {
				return err
			}
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			i := resp.GetInfo()
			return enc.Encode(map[string]any{"id": i.GetId(), "name": i.GetName(), "roles": i.GetRoles(), "tenant": i.GetTenant(),
				"source": i.GetSource(), "expires_at": i.GetExpiresAt().AsTime().Format(time.RFC3339)})
		})
}
