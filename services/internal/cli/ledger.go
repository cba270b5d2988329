package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/events/proof"
	"github.com/docketledger/docket/projections/notary"
	"github.com/docketledger/docket/projections/source"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"github.com/docketledger/docket/services/internal/audit"
	"github.com/docketledger/docket/services/internal/readmodels"
	"github.com/docketledger/docket/services/internal/receipt"
	"github.com/docketledger/docket/services/internal/witness"
	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// DefaultNotaryKeyFile is docketd's default signing key file.
const DefaultNotaryKeyFile = "data/keys/notary.key"

func newKeysCmd() *cobra.Command {
	return group("keys", "public: a signing key's public key; generate: a log or witness key pair; generate-kek, rotate-kek: replace the key-encryption key",
		newKeysPublicCmd(), newKeysGenerateCmd(), newKeysGenerateKEKCmd(), newKeysRotateKEKCmd())
}

func newKeysPublicCmd() *cobra.Command {
	var file string
	c := newCommand("public [flags]", "print the public key of the log's (or a witness's) signing key", args(),
		func(cmd *cobra.Command, _ []string) error {
			var vkey string
			var err error
			if skey := os.Getenv("DOCKET_NOTARY_KEY"); skey != "" {
				vkey, err = checkpoint.PublicKey(skey)
			} else if vkey, err = checkpoint.LoadPublicKey(file); err != nil { // checks the file's mode
				err = fmt.Errorf("--key-file: %w", err)
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), vkey)
			return nil
		})
	c.Flags().StringVar(&file, "key-file", DefaultNotaryKeyFile, "the notary's (or a witness's) signing key (env DOCKET_NOTARY_KEY, the key itself, wins)")
	return c
}

func newKeysGenerateCmd() *cobra.Command {
	var name, out string
	var witnessKey bool
	c := newCommand("generate --name NAME --out FILE [--witness]", "make a key pair (the log's, or with --witness a witness's): the private key to --out, the public key printed", args(),
		func(cmd *cobra.Command, _ []string) error {
			generate := checkpoint.GenerateKey
			if witnessKey {
				generate = checkpoint.GenerateWitnessKey
			}
			skey, vkey, err := generate(name)
			if err != nil {
				return fmt.Errorf("--name: %w", err)
			}
			if err := checkpoint.WriteKeyFile(out, skey); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), vkey)
			return nil
		})
	c.Flags().StringVar(&name, "name", "", "the key's name (a witness's or a log's), e.g. witness.example.org")
	c.Flags().BoolVar(&witnessKey, "witness", false, "a witness's key, for C2SP tlog-cosignature/v1 (docket witness --key); without it, the log's Ed25519 note key")
	outFlag(c, &out, "file to write the private key to (created 0600, never overwritten)")
	_ = c.MarkFlagRequired("name")
	return c
}

// outFlag declares the required --out of a command that writes a key.
func outFlag(c *cobra.Command, out *string, help string) {
	c.Flags().StringVar(out, "out", "", help)
	_ = c.MarkFlagRequired("out")
}

func newVerifyCmd(g *globals) *cobra.Command {
	return group("verify", "log: recompute the tree from the stream; event: a proof bundle; consistency: two checkpoints; receipt: a consent receipt",
		newVerifyLogCmd(g), newVerifyEventCmd(), newVerifyConsistencyCmd(g), newVerifyReceiptCmd())
}

// ErrDiverged is returned, as a Mismatch, when the log does not match
// what was signed.
var ErrDiverged = errors.New("the log does not match its signed checkpoints")

// maxQuarantinedShown bounds the quarantined messages verify log lists.
const maxQuarantinedShown = 20

// keyFlag declares --key, the log's public key a verification checks with.
func keyFlag(c *cobra.Command, key *string) {
	c.Flags().StringVar(key, "key", "", "the log's public key, as `docket keys public` prints it (required)")
	_ = c.MarkFlagRequired("key")
}

func newVerifyLogCmd(g *globals) *cobra.Command {
	var cpFile, key string
	var quiet bool
	c := newCommand("log --checkpoint FILE --key VKEY [flags]", "recompute the log's tree from the stream and check it against a checkpoint you hold and every published one", args(), nil)
	c.Flags().StringVar(&cpFile, "checkpoint", "", "a signed checkpoint you hold (required)")
	_ = c.MarkFlagRequired("checkpoint")
	keyFlag(c, &key)
	conn := readerFlags(c, "docket-verify", DefaultNATS, "NATS server holding the DOCKET stream (read-only credentials suffice)")
	quietFlag(c, &quiet)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx, stdout, stderr := cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr()
		if err := conn.check(); err != nil {
			return err
		}
		logKey, trusted, err := openCheckpointFile(cpFile, key)
		if err != nil {
			return err
		}
		js, closeConn, err := conn.jetStream()
		if err != nil {
			return err
		}
		defer closeConn()
		cfg := notary.VerifyConfig{Trusted: trusted.Checkpoint, Log: logKey}
		// With an API named (--api or $DOCKET_API), a divergence is
		// narrowed to its exact sequence with consistency proofs,
		// checked, not trusted.
		if cmd.Flags().Changed("api") || os.Getenv(APIEnv) != "" {
			client, err := client(g, apiv1connect.NewAuditServiceClient)
			if err != nil {
				return err
			}
			cfg.Prove = func(ctx context.Context, oldSize, newSize int64) (tlog.TreeProof, error) {
				r, err := client.GetConsistencyProof(ctx, connect.NewRequest(&apiv1.GetConsistencyProofRequest{OldSize: uint64(oldSize), NewSize: uint64(newSize)}))
				if err != nil {
					return nil, err
				}
				return hashList[tlog.TreeProof](r.Msg.GetHashes())
			}
		}
		start := time.Now()
		if !quiet {
			cfg.Progress = func(done, total int64) {
				el := time.Since(start)
				p := readmodels.Progress{Done: uint64(done), Total: uint64(total), Elapsed: el}
				if s := el.Seconds(); s > 0 {
					p.Rate = float64(done) / s
				}
				fmt.Fprintf(stderr, "\r%s", progressLine(p))
			}
		}
		// A stored message that is not a valid sealed event is in the log
		// like any other (its hash is checked); the read models quarantine
		// it, and so this says which.
		var quarantined []*source.CorruptError
		nQuarantined := 0
		cfg.Quarantined = func(bad *source.CorruptError) {
			if nQuarantined++; len(quarantined) < maxQuarantinedShown {
				quarantined = append(quarantined, bad)
			}
		}
		rep, err := notary.Verify(ctx, js, cfg)
		if !quiet {
			fmt.Fprintln(stderr)
		}
		if err != nil {
			return err
		}
		showQuarantined := func() {
			for _, q := range quarantined {
				line := fmt.Sprintf("QUARANTINED: sequence %d is not a valid sealed event (%s", q.Sequence, q.Reason)
				if q.Field != "" {
					line += ", " + q.Field
				}
				fmt.Fprintln(stdout, line+"); its hash is in the log, the read models pass it over")
			}
			if nQuarantined > len(quarantined) {
				fmt.Fprintf(stdout, "QUARANTINED: %d more\n", nQuarantined-len(quarantined))
			}
		}
		if d := rep.Divergence; d != nil {
			fmt.Fprintf(stdout, "DIVERGED: %s\n", d)
			showQuarantined()
			return &Mismatch{ErrDiverged}
		}
		defer showQuarantined()
		rate := float64(rep.Size) / max(rep.Elapsed.Seconds(), 1e-9)
		fmt.Fprintf(stdout, "OK: the stream's first %d events match the checkpoint of %s (root %s) and %d published checkpoints; %s, %.0f events/s\n",
			rep.Size, trusted.Origin, base64.StdEncoding.EncodeToString(trusted.Root[:]), rep.Checkpoints, rep.Elapsed.Round(time.Millisecond), rate)
		return nil
	}
	return c
}

func newVerifyEventCmd() *cobra.Command {
	var key string
	var wkeys []string
	var minCos int
	c := newCommand("event BUNDLE --key VKEY [flags]", "check a proof bundle offline (- for standard input): the event is in the signed log", args("BUNDLE"),
		func(cmd *cobra.Command, pos []string) error {
			logKey, err := checkpoint.NewVerifier(key)
			if err != nil {
				return fmt.Errorf("--key: %w", err)
			}
			var witnesses []note.Verifier
			for _, k := range wkeys {
				v, err := checkpoint.NewVerifier(k)
				if err != nil {
					return fmt.Errorf("--witness-key: %w", err)
				}
				witnesses = append(witnesses, v)
			}
			if minCos < 0 || minCos > len(witnesses) {
				return fmt.Errorf("--min-cosigners: %d is not between 0 and the %d witness keys given", minCos, len(witnesses))
			}
			data, err := readArg(pos[0])
			if err != nil {
				return err
			}
			b, err := proof.Parse(data)
			if err != nil {
				return err
			}
			s, err := proof.Verify(b, logKey, witnesses, minCos)
			if errors.Is(err, proof.ErrMalformed) {
				return err
			}
			if err != nil {
				return &Mismatch{err}
			}
			cos := "no witness"
			if len(s.Cosigners) > 0 {
				cos = strings.Join(s.Cosigners, ", ")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "OK: the event at sequence %d (%s) is in the tree of %d events signed by %s; cosigned by %s\n",
				b.Sequence, b.Subject, s.Size, s.Origin, cos)
			return nil
		})
	keyFlag(c, &key)
	c.Flags().StringArrayVar(&wkeys, "witness-key", nil, "a witness's public key (repeat)")
	c.Flags().IntVar(&minCos, "min-cosigners", 0, "how many of the --witness-key witnesses must have cosigned")
	return c
}

func newVerifyReceiptCmd() *cobra.Command {
	var key string
	c := newCommand("receipt FILE --key VKEY", "check a consent receipt offline (- for standard input): its signature, its proof and that it says what the event says", args("FILE"),
		func(cmd *cobra.Command, pos []string) error {
			data, err := readArg(pos[0])
			if err != nil {
				return err
			}
			v, err := checkpoint.NewVerifier(key)
			if err != nil {
				return fmt.Errorf("--key: %w", err)
			}
			// A file that is not a receipt file is not checked (exit 2);
			// one that is, and does not verify, is a mismatch (exit 1).
			var f receipt.File
			if err := json.Unmarshal(data, &f); err != nil || len(f.Receipt) == 0 || len(f.Proof) == 0 {
				return fmt.Errorf("%s: not a receipt file (a JSON object with receipt, signature and proof)", pos[0])
			}
			r, err := receipt.Verify(data, v)
			if err != nil {
				return &Mismatch{err}
			}
			stdout := cmd.OutOrStdout()
			if k := r.Kantara; k != nil {
				fmt.Fprintf(stdout, "OK: Kantara CR v1.1 receipt: consent to %s by %s at %s, recorded at sequence %d of the signed log\n",
					k.Services[0].Purposes[0].Purpose, k.PIIPrincipalID, time.Unix(k.ConsentTimestamp, 0).UTC().Format(time.RFC3339), r.Sequence)
				return nil
			}
			iso := r.ISO
			e := iso.Event[0]
			state := e.EventState
			if state == "" {
				state = e.LegacyState // a receipt made before docket receipt v2
			}
			fmt.Fprintf(stdout, "OK: %s for %s by %s at %s, recorded at sequence %d of %s (signed tree of %d events)\n",
				state, iso.PIIProcessing.Purposes[0].Purpose, iso.Record.PIIPrincipalID, e.EventTime.Format(time.RFC3339),
				iso.Docket.Sequence, iso.Docket.Origin, iso.Docket.TreeSize)
			return nil
		})
	keyFlag(c, &key)
	return c
}

func newVerifyConsistencyCmd(g *globals) *cobra.Command {
	var key string
	c := newCommand("consistency OLD NEW --key VKEY [flags]", "check that the newer of two checkpoints extends the older, with a proof from docketd (checked, not trusted)", args("OLD", "NEW"),
		func(cmd *cobra.Command, pos []string) error {
			_, old, err := openCheckpointFile(pos[0], key)
			if err != nil {
				return err
			}
			_, newer, err := openCheckpointFile(pos[1], key)
			if err != nil {
				return err
			}
			var p tlog.TreeProof
			if old.Size > 0 && old.Size < newer.Size {
				client, err := client(g, apiv1connect.NewAuditServiceClient)
				if err != nil {
					return err
				}
				r, err := client.GetConsistencyProof(cmd.Context(), connect.NewRequest(&apiv1.GetConsistencyProofRequest{OldSize: uint64(old.Size), NewSize: uint64(newer.Size)}))
				if err != nil {
					return fmt.Errorf("consistency proof: %w", err)
				}
				if p, err = hashList[tlog.TreeProof](r.Msg.GetHashes()); err != nil {
					return err
				}
			}
			if err := checkpoint.VerifyConsistency(old.Checkpoint, newer.Checkpoint, p); err != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "INCONSISTENT: %v\n", err)
				return &Mismatch{ErrDiverged}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "OK: the tree of %d events extends the tree of %d events (%s)\n", newer.Size, old.Size, newer.Origin)
			return nil
		})
	keyFlag(c, &key)
	return c
}

// newProveCmd is `docket prove`: a self-contained proof bundle for one
// event.
func newProveCmd(g *globals) *cobra.Command {
	var tenant string
	var seq, size uint64
	c := newCommand("prove [flags] (EVENT_ID --tenant T | --seq N)", "write a self-contained proof bundle for one event", atMostOneArg,
		func(cmd *cobra.Command, pos []string) error {
			req := &apiv1.GetInclusionProofRequest{TreeSize: size}
			switch {
			case len(pos) == 1 && seq == 0:
				if tenant == "" {
					return usagef("--tenant: is required with an event id")
				}
				req.Event, req.Tenant = &apiv1.GetInclusionProofRequest_EventId{EventId: pos[0]}, tenant
			case len(pos) == 0 && seq > 0:
				req.Event = &apiv1.GetInclusionProofRequest_Sequence{Sequence: seq}
			default:
				return usagef("give one EVENT_ID (with --tenant) or --seq N")
			}
			client, err := client(g, apiv1connect.NewAuditServiceClient)
			if err != nil {
				return err
			}
			r, err := client.GetInclusionProof(cmd.Context(), connect.NewRequest(req))
			if err != nil {
				return err
			}
			b, err := audit.Bundle(r.Msg)
			if err != nil {
				return err
			}
			out, err := proof.Marshal(b)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		})
	tenantFlag(c, &tenant, "the event's tenant (with an event id)")
	c.Flags().Uint64Var(&seq, "seq", 0, "the event's stream sequence, instead of an event id")
	c.Flags().Uint64Var(&size, "tree-size", 0, "prove against the checkpoint of this size (0: the latest)")
	return c
}

// atMostOneArg checks that a command has no more than one argument.
func atMostOneArg(_ *cobra.Command, pos []string) error {
	if len(pos) > 1 {
		return usagef("want at most one argument; got %d", len(pos))
	}
	return nil
}

// newCheckpointCmd is `docket checkpoint`: it prints a signed checkpoint,
// as auditors keep it.
func newCheckpointCmd(g *globals) *cobra.Command {
	var size uint64
	c := newCommand("checkpoint [flags]", "print the latest (or --size N) signed checkpoint of the log", args(),
		func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			client, err := client(g, apiv1connect.NewAuditServiceClient)
			if err != nil {
				return err
			}
			var cp *apiv1.SignedCheckpoint
			if size == 0 {
				r, err := client.GetLatestCheckpoint(ctx, connect.NewRequest(&apiv1.GetLatestCheckpointRequest{}))
				if err != nil {
					return err
				}
				cp = r.Msg.GetCheckpoint()
			} else {
				r, err := client.GetCheckpoint(ctx, connect.NewRequest(&apiv1.GetCheckpointRequest{TreeSize: size}))
				if err != nil {
					return err
				}
				cp = r.Msg.GetCheckpoint()
			}
			_, err = io.WriteString(cmd.OutOrStdout(), cp.GetNote())
			return err
		})
	c.Flags().Uint64Var(&size, "size", 0, "the checkpoint published at this tree size (0: the latest)")
	return c
}

// newWitnessCmd is `docket witness`: it cosigns the log's checkpoints,
// each after checking that it extends the last one seen. A split view is
// a Mismatch.
func newWitnessCmd(g *globals) *cobra.Command {
	var logKey, origin, keyFile, state string
	var once bool
	var interval time.Duration
	c := newCommand("witness --log-key VKEY --origin O --key FILE --state FILE [flags]", "cosign the log's checkpoints after checking each extends the last one seen", args(),
		func(cmd *cobra.Command, _ []string) error {
			ctx, stdout := cmd.Context(), cmd.OutOrStdout()
			if interval < time.Second {
				return errors.New("--interval: at least 1s")
			}
			lv, err := checkpoint.NewVerifier(logKey)
			if err != nil {
				return fmt.Errorf("--log-key: %w", err)
			}
			signer, err := checkpoint.LoadWitnessSigner(keyFile)
			if err != nil {
				return fmt.Errorf("--key: %w", err)
			}
			client, err := client(g, apiv1connect.NewAuditServiceClient)
			if err != nil {
				return err
			}
			w, err := witness.New(witness.Config{Client: client, Log: lv, Origin: origin, Signer: signer, State: state})
			if err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			for {
				r, err := w.Step(ctx)
				switch {
				case errors.Is(err, witness.ErrSplitView):
					log.Error("REFUSED: not cosigning", "err", err)
					return &Mismatch{err}
				case err != nil:
					log.Warn("witness: step failed", "err", err)
				case r.Cosigned:
					fmt.Fprintf(stdout, "cosigned the checkpoint of %d events (previous view: %d)\n", r.Size, r.Previous)
				}
				if once {
					return err
				}
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(interval):
				}
			}
		})
	c.Flags().StringVar(&logKey, "log-key", "", "the log's public key (required)")
	c.Flags().StringVar(&origin, "origin", "", "the log's origin (required)")
	c.Flags().StringVar(&keyFile, "key", "", "this witness's private key file (docket keys generate --witness; required)")
	c.Flags().StringVar(&state, "state", "", "file keeping the newest checkpoint this witness cosigned (required)")
	for _, f := range []string{"log-key", "origin", "key", "state"} {
		_ = c.MarkFlagRequired(f)
	}
	c.Flags().BoolVar(&once, "once", false, "check and cosign once, then exit")
	c.Flags().DurationVar(&interval, "interval", 10*time.Second, "how often to check for a new checkpoint")
	return c
}

// openCheckpointFile reads a signed checkpoint and checks it with vkey.
func openCheckpointFile(path, vkey string) (note.Verifier, *checkpoint.Signed, error) {
	if path == "" || vkey == "" {
		return nil, nil, errors.New("a checkpoint file and --key are required")
	}
	v, err := checkpoint.NewVerifier(vkey)
	if err != nil {
		return nil, nil, fmt.Errorf("--key: %w", err)
	}
	data, err := readArg(path)
	if err != nil {
		return nil, nil, err
	}
	s, err := checkpoint.Open(data, v, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return v, s, nil
}

// readArg reads a file, or standard input for "-" (at most 16 MiB).
func readArg(path string) ([]byte, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, 16<<20+1))
	if err != nil {
		return nil, err
	}
	if len(b) > 16<<20 {
		return nil, fmt.Errorf("%s: larger than 16 MiB", path)
	}
	return b, nil
}

func hashList[P ~[]tlog.Hash](bs [][]byte) (P, error) {
	out := make(P, len(bs))
	for i, b := range bs {
		if len(b) != tlog.HashSize {
			return nil, fmt.Errorf("proof hash %d is %d bytes, want %d", i, len(b), tlog.HashSize)
		}
		copy(out[i][:], b)
	}
	return out, nil
}
