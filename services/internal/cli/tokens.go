package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
)

// Tokens runs `docket tokens create|list|revoke|whoami`.
func Tokens(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := "usage: docket tokens create --name N --role R[,R] --tenant T [--source S] [--ttl D] | list | revoke ID | whoami"
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	fs := flags("tokens "+args[0], stderr)
	api := fs.String("api", DefaultAPI, "docketd API base URL")
	var name, roles, tenant, source, cert *string
	var ttl *time.Duration
	if args[0] == "create" {
		name = fs.String("name", "", "who holds it: a person's handle or a service's name (required)")
		roles = fs.String("role", "", "emitter, auditor, legal, dpo or admin; several comma-separated (required)")
		tenant = fs.String("tenant", "", "the tenant it is bound to, or * for every tenant (not for an emitter) (required)")
		source = fs.String("source", "", "an emitter's source: every event it appends carries it (required for an emitter)")
		ttl = fs.Duration("ttl", 90*24*time.Hour, "how long it lasts")
		cert = fs.String("client-cert", "", "a client certificate common name that authenticates as this token (mutual TLS, docketd's api_client_ca)")
	}
	if err := parse(fs, reorder(args[1:])); err != nil {
		return err
	}
	if !strings.HasPrefix(*api, "http://") && !strings.HasPrefix(*api, "https://") {
		return fmt.Errorf("--api: %q must start with http:// or https://", *api)
	}
	hc, tok, err := apiClient()
	if err != nil {
		return err
	}
	client := apiv1connect.NewTokenServiceClient(hc, strings.TrimRight(*api, "/"), tok)
	switch args[0] {
	case "create":
		if fs.NArg() != 0 {
			return fmt.Errorf("tokens create takes no arguments, only flags")
		}
		var rs []string
		for r := range strings.SplitSeq(*roles, ",") {
			if r = strings.TrimSpace(r); r != "" {
				rs = append(rs, r)
			}
		}
		resp, err := client.CreateToken(ctx, connect.NewRequest(&apiv1.CreateTokenRequest{
			Name: *name, Roles: rs, Tenant: *tenant, Source: *source, TtlSeconds: int64(ttl.Seconds()), ClientCert: *cert}))
		if err != nil {
			return apiError(err)
		}
		i := resp.Msg.GetInfo()
		fmt.Fprintf(stderr, "token %s for %s (%s on %s), expires %s; it is shown this once:\n",
			i.GetId(), i.GetName(), strings.Join(i.GetRoles(), ","), i.GetTenant(), i.GetExpiresAt().AsTime().Format(time.RFC3339))
		_, err = fmt.Fprintln(stdout, resp.Msg.GetToken())
		return err
	case "list":
		if fs.NArg() != 0 {
			return fmt.Errorf("tokens list takes no arguments")
		}
		resp, err := client.ListTokens(ctx, connect.NewRequest(&apiv1.ListTokensRequest{}))
		if err != nil {
			return apiError(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLES\tTENANT\tSOURCE\tCREATED\tEXPIRES\tREVOKED")
		for _, i := range resp.Msg.GetTokens() {
			revoked := ""
			if i.GetRevokedAt() != nil {
				revoked = i.GetRevokedAt().AsTime().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i.GetId(), i.GetName(), strings.Join(i.GetRoles(), ","), i.GetTenant(),
				i.GetSource(), i.GetCreatedAt().AsTime().Format(time.RFC3339), i.GetExpiresAt().AsTime().Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return errors.New("give the ID of the token to revoke (docket tokens list shows them)")
		}
		resp, err := client.RevokeToken(ctx, connect.NewRequest(&apiv1.RevokeTokenRequest{Id: fs.Arg(0)}))
		if err != nil {
			return apiError(err)
		}
		fmt.Fprintf(stdout, "revoked %s (%s) at %s\n", resp.Msg.GetInfo().GetId(), resp.Msg.GetInfo().GetName(),
			resp.Msg.GetInfo().GetRevokedAt().AsTime().Format(time.RFC3339))
		return nil
	case "whoami":
		resp, err := client.WhoAmI(ctx, connect.NewRequest(&apiv1.WhoAmIRequest{}))
		if err != nil {
			return apiError(err)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		i := resp.Msg.GetInfo()
		return enc.Encode(map[string]any{"id": i.GetId(), "name": i.GetName(), "roles": i.GetRoles(), "tenant": i.GetTenant(),
			"source": i.GetSource(), "expires_at": i.GetExpiresAt().AsTime().Format(time.RFC3339)})
	default:
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
}
