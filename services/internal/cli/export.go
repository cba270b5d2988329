package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/docketledger/docket/events/proof"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/erasure"
	"github.com/docketledger/docket/services/internal/receipt"
	"github.com/spf13/cobra"
)

// newExportCmd is `docket export TENANT SUBJECT`: the subject's access
// (html) or portability (json) export, written to standard output.
func newExportCmd(g *globals) *cobra.Command {
	var format, request, actor, why, bundles, proofsOut, lang string
	c := newCommand("export [flags] TENANT SUBJECT", "a subject's access (html) or portability (json) export, with proofs; recorded in the ledger", args("TENANT", "SUBJECT"),
		func(cmd *cobra.Command, pos []string) error {
			tenant, subject := pos[0], pos[1]
			req := &apiv1.ExportSubjectRequest{Tenant: tenant, SubjectRef: subject, RequestId: request, ActorId: actor, Justification: why, Language: lang}
			errs := []error{checkArg("TENANT", tenant), checkArg("SUBJECT", subject), checkOptToken("--request-id", request), checkOptToken("--actor", actor)}
			if request == "" && strings.TrimSpace(why) == "" {
				errs = append(errs, errors.New("--justification: is required without --request-id: under which request, or why, the subject's values are read"))
			}
			switch format {
			case "html":
				req.Format = eventsv1.ExportFormat_EXPORT_FORMAT_HTML
			case "json":
				req.Format = eventsv1.ExportFormat_EXPORT_FORMAT_JSON
			default:
				errs = append(errs, errors.New("--format: must be html or json"))
			}
			if err := errors.Join(errs...); err != nil {
				return err
			}
			client, err := client(g, apiv1connect.NewRightsServiceClient)
			if err != nil {
				return err
			}
			resp, err := call(cmd.Context(), client.ExportSubject, req)
			if err != nil {
				return err
			}
			if proofsOut != "" {
				if err := os.WriteFile(proofsOut, resp.GetProofs(), 0o600); err != nil {
					return fmt.Errorf("--proofs-out: %w", err)
				}
			}
			if bundles != "" {
				bs, err := exportBundles(resp.GetProofs())
				if err != nil {
					return err
				}
				if err := writeBundles(bundles, bs); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "export recorded in the ledger as event %s\n", resp.GetEventId())
			_, err = cmd.OutOrStdout().Write(resp.GetContent())
			return err
		})
	c.Flags().StringVar(&format, "format", "html", "html (a printable Art. 15 report) or json (Art. 20, schema docket.export.v1)")
	requestFlags(c, &request, "the rights request the export answers", &actor, "who produces it; recorded with the export (default, and only choice: your token's name)")
	c.Flags().StringVar(&why, "justification", "", "why the values are read, when no --request-id says it (required then; never personal data)")
	c.Flags().StringVar(&lang, "language", "", "the HTML report's language, a BCP 47 tag: en or de (de-AT, de-CH: de); default: the controller profile's first language, else en")
	bundlesFlag(c, &bundles)
	c.Flags().StringVar(&proofsOut, "proofs-out", "", "also write the export's proofs, apart from it, to this file (JSON, docket.export-proofs.v1; any --format)")
	return c
}

// requestFlags declares --request-id and, with an actor help, --actor.
func requestFlags(c *cobra.Command, request *string, requestHelp string, actor *string, actorHelp string) {
	c.Flags().StringVar(request, "request-id", "", requestHelp)
	if actor != nil {
		c.Flags().StringVar(actor, "actor", "", actorHelp)
	}
}

// bundlesFlag declares --bundles-dir.
func bundlesFlag(c *cobra.Command, dir *string) {
	c.Flags().StringVar(dir, "bundles-dir", "", "also write each event's proof bundle to this directory (for docket verify event)")
}

// exportBundles are the proof bundles of an export's proofs (or of a JSON
// export: both hold them under verification.bundles).
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

// newShredCmd is `docket shred TENANT SUBJECT`: it destroys the subject's
// data keys (all its key groups, or those given) and records it.
func newShredCmd(g *globals) *cobra.Command {
	var groups []string
	var request, actor string
	c := newCommand("shred [flags] TENANT SUBJECT", "destroy a subject's data keys (crypto-shredding, Art. 17) and record it", args("TENANT", "SUBJECT"),
		func(cmd *cobra.Command, pos []string) error {
			tenant, subject := pos[0], pos[1]
			errs := []error{checkArg("TENANT", tenant), checkArg("SUBJECT", subject), checkOptToken("--request-id", request), checkOptToken("--actor", actor)}
			for _, kg := range groups {
				errs = append(errs, checkArg("--key-group", kg))
			}
			if err := errors.Join(errs...); err != nil {
				return err
			}
			client, err := client(g, apiv1connect.NewRightsServiceClient)
			if err != nil {
				return err
			}
			resp, err := call(cmd.Context(), client.ShredKeys, &apiv1.ShredKeysRequest{Tenant: tenant, SubjectRef: subject,
				KeyGroups: groups, RequestId: request, ActorId: actor})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "shredded key groups %s of %s/%s; recorded as event %s\n", strings.Join(resp.GetKeyGroups(), ", "), tenant, subject, resp.GetEventId())
			return nil
		})
	c.Flags().StringArrayVar(&groups, "key-group", nil, "a key group to shred (repeat); default: every group the subject's events used")
	requestFlags(c, &request, "the erasure request it carries out", &actor, "who orders it (your staff id); recorded with the event")
	return c
}

// newReceiptCmd is `docket receipt EVENT_ID --tenant T`: the signed
// consent receipt of a consent event, written to standard output.
func newReceiptCmd(g *globals) *cobra.Command {
	var tenant, form string
	c := newCommand("receipt [flags] EVENT_ID", "the signed ISO/IEC TS 27560 receipt of a consent event, with its inclusion proof", args("EVENT_ID"),
		func(cmd *cobra.Command, pos []string) error {
			forms := map[string]apiv1.ReceiptForm{receipt.FormISO27560: apiv1.ReceiptForm_RECEIPT_FORM_ISO_27560, receipt.FormKantara: apiv1.ReceiptForm_RECEIPT_FORM_KANTARA_V1_1}
			var formErr error
			if _, ok := forms[form]; !ok {
				formErr = fmt.Errorf("--form: %q is not iso27560 or kantara", form)
			}
			if err := errors.Join(checkArg("--tenant", tenant), formErr); err != nil {
				return err
			}
			client, err := client(g, apiv1connect.NewRightsServiceClient)
			if err != nil {
				return err
			}
			resp, err := call(cmd.Context(), client.GetConsentReceipt, &apiv1.GetConsentReceiptRequest{Tenant: tenant, EventId: pos[0], Form: forms[form]})
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(resp.GetReceipt())
			return err
		})
	tenantFlag(c, &tenant, "the event's tenant (required)")
	c.Flags().StringVar(&form, "form", receipt.FormISO27560, "iso27560 (ISO/IEC TS 27560, consent given or withdrawn) or kantara (Kantara Consent Receipt v1.1, consent given)")
	return c
}

// tenantFlag declares --tenant, with the command's help.
func tenantFlag(c *cobra.Command, tenant *string, help string) {
	c.Flags().StringVar(tenant, "tenant", "", help)
}

// newErasureProofCmd is `docket erasure-proof TENANT SUBJECT`: the proof
// of erasure (JSON) on standard output.
func newErasureProofCmd(g *globals) *cobra.Command {
	var request, bundles, lang string
	c := newCommand("erasure-proof [flags] TENANT SUBJECT", "a subject's proof of erasure: shreds, per-system erasures, recipient notices, key groups kept under Art. 17(3), each proven", args("TENANT", "SUBJECT"),
		func(cmd *cobra.Command, pos []string) error {
			tenant, subject := pos[0], pos[1]
			errs := []error{checkArg("TENANT", tenant), checkArg("SUBJECT", subject), checkOptToken("--request-id", request)}
			if !slices.Contains(erasure.Languages(), lang) {
				errs = append(errs, fmt.Errorf("--language: must be one of %s", strings.Join(erasure.Languages(), ", ")))
			}
			if err := errors.Join(errs...); err != nil {
				return err
			}
			client, err := client(g, apiv1connect.NewRightsServiceClient)
			if err != nil {
				return err
			}
			resp, err := call(cmd.Context(), client.ProveErasure, &apiv1.ProveErasureRequest{Tenant: tenant, SubjectRef: subject, RequestId: request, Language: lang})
			if err != nil {
				return err
			}
			if bundles != "" {
				var doc erasure.Document
				if err := json.Unmarshal(resp.GetDocument(), &doc); err != nil {
					return fmt.Errorf("proof of erasure: %w", err)
				}
				var bs []*proof.Bundle
				entries := slices.Concat(doc.Shredded, doc.Erasures, doc.Notices)
				for _, k := range doc.Kept {
					entries = append(entries, k.Entry)
				}
				for _, e := range entries {
					if e.Bundle != nil {
						bs = append(bs, e.Bundle)
					}
				}
				if err := writeBundles(bundles, bs); err != nil {
					return err
				}
			}
			_, err = cmd.OutOrStdout().Write(resp.GetDocument())
			return err
		})
	requestFlags(c, &request, "only this erasure request's events", nil, "")
	bundlesFlag(c, &bundles)
	c.Flags().StringVar(&lang, "language", "en", "the language of the proof's words: "+strings.Join(erasure.Languages(), " or "))
	return c
}
