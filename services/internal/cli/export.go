package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events/proof"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/erasure"
	"github.com/docketledger/docket/services/internal/receipt"
)

// Export runs `docket export TENANT SUBJECT`: the subject's access (html)
// or portability (json) export, written to standard output.
func Export(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("export", stderr)
	api := fs.String("api", DefaultAPI, "docketd API base URL")
	format := fs.String("format", "html", "html (a printable Art. 15 report) or json (Art. 20, schema docket.export.v1)")
	request := fs.String("request-id", "", "the rights request the export answers")
	actor := fs.String("actor", "", "who produces it; recorded with the export (default, and only choice: your token's name)")
	why := fs.String("justification", "", "why the values are read, when no --request-id says it (required then; never personal data)")
	bundles := fs.String("bundles-dir", "", "also write each event's proof bundle to this directory (for docket verify event)")
	if err := parse(fs, reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(stderr, "usage: docket export [flags] TENANT SUBJECT")
		return errUsage
	}
	tenant, subject := fs.Arg(0), fs.Arg(1)
	req := &apiv1.ExportSubjectRequest{Tenant: tenant, SubjectRef: subject, RequestId: *request, ActorId: *actor, Justification: *why}
	errs := []error{checkArg("TENANT", tenant), checkArg("SUBJECT", subject), checkOptToken("--request-id", *request), checkOptToken("--actor", *actor)}
	if *request == "" && strings.TrimSpace(*why) == "" {
		errs = append(errs, errors.New("--justification: is required without --request-id: under which request, or why, the subject's values are read"))
	}
	switch *format {
	case "html":
		req.Format = eventsv1.ExportFormat_EXPORT_FORMAT_HTML
	case "json":
		req.Format = eventsv1.ExportFormat_EXPORT_FORMAT_JSON
	default:
		errs = append(errs, errors.New("--format: must be html or json"))
	}
	if *bundles != "" && *format != "json" {
		errs = append(errs, errors.New("--bundles-dir: needs --format json"))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	client, err := rightsClient(*api)
	if err != nil {
		return err
	}
	resp, err := client.ExportSubject(ctx, connect.NewRequest(req))
	if err != nil {
		return apiError(err)
	}
	if *bundles != "" {
		bs, err := exportBundles(resp.Msg.GetContent())
		if err != nil {
			return err
		}
		if err := writeBundles(*bundles, bs); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "export recorded in the ledger as event %s\n", resp.Msg.GetEventId())
	_, err = stdout.Write(resp.Msg.GetContent())
	return err
}

// exportBundles are the proof bundles of a JSON export.
func exportBundles(content []byte) ([]*proof.Bundle, error) {
	var doc struct {
		Verification struct {
			Bundles []*proof.Bundle `json:"bundles"`
		} `json:"verification"`
	}
	if err := json.Unmarshal(content, &doc); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return doc.Verification.Bundles, nil
}

// writeBundles writes proof bundles to dir, one file per event
// (seq-N.json, mode 0600: they hold the sealed event), for docket verify
// event.
func writeBundles(dir string, bundles []*proof.Bundle) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("--bundles-dir: %w", err)
	}
	for _, b := range bundles {
		data, err := proof.Marshal(b)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seq-%d.json", b.Sequence)), data, 0o600); err != nil {
			return fmt.Errorf("--bundles-dir: %w", err)
		}
	}
	return nil
}

// Shred runs `docket shred TENANT SUBJECT`: destroys the subject's data
// keys (all its key groups, or those given) and records it.
func Shred(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("shred", stderr)
	api := fs.String("api", DefaultAPI, "docketd API base URL")
	var groups stringList
	fs.Var(&groups, "key-group", "a key group to shred (repeat); default: every group the subject's events used")
	request := fs.String("request-id", "", "the erasure request it carries out")
	actor := fs.String("actor", "", "who orders it (your staff id); recorded with the event")
	if err := parse(fs, reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(stderr, "usage: docket shred [flags] TENANT SUBJECT")
		return errUsage
	}
	tenant, subject := fs.Arg(0), fs.Arg(1)
	errs := []error{checkArg("TENANT", tenant), checkArg("SUBJECT", subject), checkOptToken("--request-id", *request), checkOptToken("--actor", *actor)}
	for _, g := range groups {
		errs = append(errs, checkArg("--key-group", g))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	client, err := rightsClient(*api)
	if err != nil {
		return err
	}
	resp, err := client.ShredKeys(ctx, connect.NewRequest(&apiv1.ShredKeysRequest{Tenant: tenant, SubjectRef: subject,
		KeyGroups: groups, RequestId: *request, ActorId: *actor}))
	if err != nil {
		return apiError(err)
	}
	fmt.Fprintf(stdout, "shredded key groups %s of %s/%s; recorded as event %s\n", strings.Join(resp.Msg.GetKeyGroups(), ", "), tenant, subject, resp.Msg.GetEventId())
	return nil
}

// Receipt runs `docket receipt EVENT_ID --tenant T`: the signed consent
// receipt of a consent event, written to standard output.
func Receipt(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("receipt", stderr)
	api := fs.String("api", DefaultAPI, "docketd API base URL")
	tenant := fs.String("tenant", "", "the event's tenant (required)")
	form := fs.String("form", receipt.FormISO27560, "iso27560 (ISO/IEC TS 27560, consent given or withdrawn) or kantara (Kantara Consent Receipt v1.1, consent given)")
	if err := parse(fs, reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: docket receipt [flags] EVENT_ID")
		return errUsage
	}
	forms := map[string]apiv1.ReceiptForm{receipt.FormISO27560: apiv1.ReceiptForm_RECEIPT_FORM_ISO_27560, receipt.FormKantara: apiv1.ReceiptForm_RECEIPT_FORM_KANTARA_V1_1}
	var formErr error
	if _, ok := forms[*form]; !ok {
		formErr = fmt.Errorf("--form: %q is not iso27560 or kantara", *form)
	}
	if err := errors.Join(checkArg("--tenant", *tenant), formErr); err != nil {
		return err
	}
	client, err := rightsClient(*api)
	if err != nil {
		return err
	}
	resp, err := client.GetConsentReceipt(ctx, connect.NewRequest(&apiv1.GetConsentReceiptRequest{Tenant: *tenant, EventId: fs.Arg(0), Form: forms[*form]}))
	if err != nil {
		return apiError(err)
	}
	_, err = stdout.Write(resp.Msg.GetReceipt())
	return err
}

// ErasureProof runs `docket erasure-proof TENANT SUBJECT`: the proof of
// erasure (JSON) on standard output.
func ErasureProof(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("erasure-proof", stderr)
	api := fs.String("api", DefaultAPI, "docketd API base URL")
	request := fs.String("request-id", "", "only this erasure request's events")
	bundles := fs.String("bundles-dir", "", "also write each event's proof bundle to this directory (for docket verify event)")
	if err := parse(fs, reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(stderr, "usage: docket erasure-proof [flags] TENANT SUBJECT")
		return errUsage
	}
	tenant, subject := fs.Arg(0), fs.Arg(1)
	if err := errors.Join(checkArg("TENANT", tenant), checkArg("SUBJECT", subject), checkOptToken("--request-id", *request)); err != nil {
		return err
	}
	client, err := rightsClient(*api)
	if err != nil {
		return err
	}
	resp, err := client.ProveErasure(ctx, connect.NewRequest(&apiv1.ProveErasureRequest{Tenant: tenant, SubjectRef: subject, RequestId: *request}))
	if err != nil {
		return apiError(err)
	}
	if *bundles != "" {
		var doc erasure.Document
		if err := json.Unmarshal(resp.Msg.GetDocument(), &doc); err != nil {
			return fmt.Errorf("proof of erasure: %w", err)
		}
		var bs []*proof.Bundle
		for _, e := range slices.Concat(doc.Shredded, doc.Erasures, doc.Notices) {
			if e.Bundle != nil {
				bs = append(bs, e.Bundle)
			}
		}
		if err := writeBundles(*bundles, bs); err != nil {
			return err
		}
	}
	_, err = stdout.Write(resp.Msg.GetDocument())
	return err
}

func rightsClient(api string) (apiv1connect.RightsServiceClient, error) {
	if !strings.HasPrefix(api, "http://") && !strings.HasPrefix(api, "https://") {
		return nil, fmt.Errorf("--api: %q must start with http:// or https://", api)
	}
	hc, tok, err := apiClient()
	if err != nil {
		return nil, err
	}
	return apiv1connect.NewRightsServiceClient(hc, strings.TrimRight(api, "/"), tok), nil
}
