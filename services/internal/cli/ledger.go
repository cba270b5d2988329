package cli

import (
	"context"
	"encoding/base64"
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
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// DefaultNotaryKeyFile is docketd's default signing key file.
const DefaultNotaryKeyFile = "data/keys/notary.key"

// Keys runs `docket keys public|generate|generate-kek|rotate-kek`.
func Keys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: docket keys public [--key-file F] | docket keys generate --name NAME --out FILE [--witness] |\n"+
			"       docket keys generate-kek --out FILE |\n"+
			"       docket keys rotate-kek (--nats-url URL | --data-dir DIR) --old-kek-file F --new-kek-file F")
		return errUsage
	}
	switch args[0] {
	case "public":
		fs := flags("keys public", stderr)
		file := fs.String("key-file", DefaultNotaryKeyFile, "the notary's (or a witness's) signing key (env DOCKET_NOTARY_KEY, the key itself, wins)")
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		var vkey string
		var err error
		if skey := os.Getenv("DOCKET_NOTARY_KEY"); skey != "" {
			vkey, err = checkpoint.PublicKey(skey)
		} else if vkey, err = checkpoint.LoadPublicKey(*file); err != nil { // checks the file's mode
			err = fmt.Errorf("--key-file: %w", err)
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, vkey)
		return nil
	case "generate":
		fs := flags("keys generate", stderr)
		name := fs.String("name", "", "the key's name (a witness's or a log's), e.g. witness.example.org")
		out := fs.String("out", "", "file to write the private key to (created 0600, never overwritten)")
		witnessKey := fs.Bool("witness", false, "a witness's key, for C2SP tlog-cosignature/v1 (docket witness --key); without it, the log's Ed25519 note key")
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		if *name == "" || *out == "" {
			return errors.New("--name and --out are required")
		}
		generate := checkpoint.GenerateKey
		if *witnessKey {
			generate = checkpoint.GenerateWitnessKey
		}
		skey, vkey, err := generate(*name)
		if err != nil {
			return fmt.Errorf("--name: %w", err)
		}
		if err := checkpoint.WriteKeyFile(*out, skey); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		fmt.Fprintln(stdout, vkey)
		return nil
	case "generate-kek":
		return keysGenerateKEK(args[1:], stdout, stderr)
	case "rotate-kek":
		return keysRotateKEK(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "docket keys: unknown subcommand %q\n", args[0])
	return errUsage
}

// Verify runs `docket verify log|event|consistency`.
func Verify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "log":
			return verifyLog(ctx, args[1:], stdout, stderr)
		case "event":
			return verifyEvent(args[1:], stdout, stderr)
		case "consistency":
			return verifyConsistency(ctx, args[1:], stdout, stderr)
		case "receipt":
			return verifyReceipt(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintln(stderr, "usage: docket verify log --checkpoint FILE --key VKEY | event BUNDLE --key VKEY | consistency OLD NEW --key VKEY | receipt FILE --key VKEY")
	return errUsage
}

// ErrDiverged is returned (exit 1) when the log does not match what was
// signed.
var ErrDiverged = errors.New("the log does not match its signed checkpoints")

// maxQuarantinedShown bounds the quarantined messages verify log lists.
const maxQuarantinedShown = 20

func verifyLog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("verify log", stderr)
	cpFile := fs.String("checkpoint", "", "a signed checkpoint you hold (required)")
	key := fs.String("key", "", "the log's public key, as `docket keys public` prints it (required)")
	conn := readerFlags(fs, "docket-verify", DefaultNATS, "NATS server holding the DOCKET stream (read-only credentials suffice)")
	api := fs.String("api", "", "docketd API; if given, a divergence is narrowed to its exact sequence with consistency proofs (checked, not trusted)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := conn.check(); err != nil {
		return err
	}
	logKey, trusted, err := openCheckpointFile(*cpFile, *key)
	if err != nil {
		return err
	}
	nc, err := conn.connect()
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	cfg := notary.VerifyConfig{Trusted: trusted.Checkpoint, Log: logKey}
	if *api != "" {
		client, err := auditClient(*api)
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
	if !*quiet {
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
	// like any other (its hash is checked); the read models quarantine it,
	// and so this says which.
	var quarantined []*source.CorruptError
	nQuarantined := 0
	cfg.Quarantined = func(bad *source.CorruptError) {
		if nQuarantined++; len(quarantined) < maxQuarantinedShown {
			quarantined = append(quarantined, bad)
		}
	}
	rep, err := notary.Verify(ctx, js, cfg)
	if !*quiet {
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
		return ErrDiverged
	}
	defer showQuarantined()
	rate := float64(rep.Size) / max(rep.Elapsed.Seconds(), 1e-9)
	fmt.Fprintf(stdout, "OK: the stream's first %d events match the checkpoint of %s (root %s) and %d published checkpoints; %s, %.0f events/s\n",
		rep.Size, trusted.Origin, base64.StdEncoding.EncodeToString(trusted.Root[:]), rep.Checkpoints, rep.Elapsed.Round(time.Millisecond), rate)
	return nil
}

func verifyEvent(args []string, stdout, stderr io.Writer) error {
	fs := flags("verify event", stderr)
	key := fs.String("key", "", "the log's public key (required)")
	var wkeys stringList
	fs.Var(&wkeys, "witness-key", "a witness's public key (repeat)")
	minCos := fs.Int("min-cosigners", 0, "how many of the --witness-key witnesses must have cosigned")
	if err := parse(fs, reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("give one BUNDLE file (- for standard input)")
	}
	logKey, err := checkpoint.NewVerifier(*key)
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
	if *minCos < 0 || *minCos > len(witnesses) {
		return fmt.Errorf("--min-cosigners: %d is not between 0 and the %d witness keys given", *minCos, len(witnesses))
	}
	data, err := readArg(fs.Arg(0))
	if err != nil {
		return err
	}
	b, err := proof.Parse(data)
	if err != nil {
		return err
	}
	s, err := proof.Verify(b, logKey, witnesses, *minCos)
	if err != nil {
		return err
	}
	cos := "no witness"
	if len(s.Cosigners) > 0 {
		cos = strings.Join(s.Cosigners, ", ")
	}
	fmt.Fprintf(stdout, "OK: the event at sequence %d (%s) is in the tree of %d events signed by %s; cosigned by %s\n",
		b.Sequence, b.Subject, s.Size, s.Origin, cos)
	return nil
}

func verifyReceipt(args []string, stdout, stderr io.Writer) error {
	fs := flags("verify receipt", stderr)
	key := fs.String("key", "", "the log's public key (required)")
	if err := parse(fs, reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("give one receipt FILE (- for standard input)")
	}
	v, err := checkpoint.NewVerifier(*key)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	data, err := readArg(fs.Arg(0))
	if err != nil {
		return err
	}
	r, err := receipt.Verify(data, v)
	if err != nil {
		return err
	}
	if k := r.Kantara; k != nil {
		fmt.Fprintf(stdout, "OK: Kantara CR v1.1 receipt: consent to %s by %s at %s, recorded at sequence %d of the signed log\n",
			k.Services[0].Purposes[0].Purpose, k.PIIPrincipalID, time.Unix(k.ConsentTimestamp, 0).UTC().Format(time.RFC3339), r.Sequence)
		return nil
	}
	iso := r.ISO
	e := iso.Event[0]
	fmt.Fprintf(stdout, "OK: %s for %s by %s at %s, recorded at sequence %d of %s (signed tree of %d events)\n",
		e.State, iso.PIIProcessing.Purposes[0].Purpose, iso.Record.PIIPrincipalID, e.EventTime.Format(time.RFC3339),
		iso.Docket.Sequence, iso.Docket.Origin, iso.Docket.TreeSize)
	return nil
}

func verifyConsistency(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("verify consistency", stderr)
	key := fs.String("key", "", "the log's public key (required)")
	api := fs.String("api", DefaultAPI, "docketd API to fetch the proof from (it is checked, not trusted)")
	if err := parse(fs, reorder(args)); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("give two checkpoint files: OLD NEW")
	}
	_, old, err := openCheckpointFile(fs.Arg(0), *key)
	if err != nil {
		return err
	}
	_, newer, err := openCheckpointFile(fs.Arg(1), *key)
	if err != nil {
		return err
	}
	var p tlog.TreeProof
	if old.Size > 0 && old.Size < newer.Size {
		client, err := auditClient(*api)
		if err != nil {
			return err
		}
		r, err := client.GetConsistencyProof(ctx, connect.NewRequest(&apiv1.GetConsistencyProofRequest{OldSize: uint64(old.Size), NewSize: uint64(newer.Size)}))
		if err != nil {
			return fmt.Errorf("consistency proof: %w", err)
		}
		if p, err = hashList[tlog.TreeProof](r.Msg.GetHashes()); err != nil {
			return err
		}
	}
	if err := checkpoint.VerifyConsistency(old.Checkpoint, newer.Checkpoint, p); err != nil {
		fmt.Fprintf(stdout, "INCONSISTENT: %v\n", err)
		return ErrDiverged
	}
	fmt.Fprintf(stdout, "OK: the tree of %d events extends the tree of %d events (%s)\n", newer.Size, old.Size, newer.Origin)
	return nil
}

// Prove runs `docket prove`: a self-contained proof bundle for one event.
func Prove(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("prove", stderr)
	api := fs.String("api", DefaultAPI, "docketd API")
	tenant := fs.String("tenant", "", "the event's tenant (with an event id)")
	seq := fs.Uint64("seq", 0, "the event's stream sequence, instead of an event id")
	size := fs.Uint64("tree-size", 0, "prove against the checkpoint of this size (0: the latest)")
	if err := parse(fs, reorder(args)); err != nil {
		return err
	}
	req := &apiv1.GetInclusionProofRequest{TreeSize: *size}
	switch {
	case fs.NArg() == 1 && *seq == 0:
		if *tenant == "" {
			return errors.New("--tenant is required with an event id")
		}
		req.Event, req.Tenant = &apiv1.GetInclusionProofRequest_EventId{EventId: fs.Arg(0)}, *tenant
	case fs.NArg() == 0 && *seq > 0:
		req.Event = &apiv1.GetInclusionProofRequest_Sequence{Sequence: *seq}
	default:
		return errors.New("give one EVENT_ID (with --tenant) or --seq N")
	}
	client, err := auditClient(*api)
	if err != nil {
		return err
	}
	r, err := client.GetInclusionProof(ctx, connect.NewRequest(req))
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
	_, err = stdout.Write(out)
	return err
}

// Checkpoint runs `docket checkpoint`: prints a signed checkpoint, as
// auditors keep it.
func Checkpoint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("checkpoint", stderr)
	api := fs.String("api", DefaultAPI, "docketd API")
	size := fs.Uint64("size", 0, "the checkpoint published at this tree size (0: the latest)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	client, err := auditClient(*api)
	if err != nil {
		return err
	}
	var cp *apiv1.SignedCheckpoint
	if *size == 0 {
		r, err := client.GetLatestCheckpoint(ctx, connect.NewRequest(&apiv1.GetLatestCheckpointRequest{}))
		if err != nil {
			return err
		}
		cp = r.Msg.GetCheckpoint()
	} else {
		r, err := client.GetCheckpoint(ctx, connect.NewRequest(&apiv1.GetCheckpointRequest{TreeSize: *size}))
		if err != nil {
			return err
		}
		cp = r.Msg.GetCheckpoint()
	}
	_, err = io.WriteString(stdout, cp.GetNote())
	return err
}

// Witness runs `docket witness`.
func Witness(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("witness", stderr)
	api := fs.String("api", DefaultAPI, "docketd API of the log")
	logKey := fs.String("log-key", "", "the log's public key (required)")
	origin := fs.String("origin", "", "the log's origin (required)")
	keyFile := fs.String("key", "", "this witness's private key file (docket keys generate --witness; required)")
	state := fs.String("state", "", "file keeping the newest checkpoint this witness cosigned (required)")
	once := fs.Bool("once", false, "check and cosign once, then exit")
	interval := fs.Duration("interval", 10*time.Second, "how often to check for a new checkpoint")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *logKey == "" || *origin == "" || *keyFile == "" || *state == "" {
		return errors.New("--log-key, --origin, --key and --state are required")
	}
	if *interval < time.Second {
		return errors.New("--interval: at least 1s")
	}
	lv, err := checkpoint.NewVerifier(*logKey)
	if err != nil {
		return fmt.Errorf("--log-key: %w", err)
	}
	signer, err := checkpoint.LoadWitnessSigner(*keyFile)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	client, err := auditClient(*api)
	if err != nil {
		return err
	}
	w, err := witness.New(witness.Config{Client: client, Log: lv, Origin: *origin, Signer: signer, State: *state})
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	for {
		r, err := w.Step(ctx)
		switch {
		case errors.Is(err, witness.ErrSplitView):
			log.Error("REFUSED: not cosigning", "err", err)
			return err
		case err != nil:
			log.Warn("witness: step failed", "err", err)
		case r.Cosigned:
			fmt.Fprintf(stdout, "cosigned the checkpoint of %d events (previous view: %d)\n", r.Size, r.Previous)
		}
		if *once {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*interval):
		}
	}
}

func auditClient(api string) (apiv1connect.AuditServiceClient, error) {
	if !strings.HasPrefix(api, "http://") && !strings.HasPrefix(api, "https://") {
		return nil, fmt.Errorf("--api: %q must start with http:// or https://", api)
	}
	hc, tok, err := apiClient()
	if err != nil {
		return nil, err
	}
	return apiv1connect.NewAuditServiceClient(hc, strings.TrimRight(api, "/"), tok), nil
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

// reorder moves flags before positional arguments, so that both
// `verify event BUNDLE --key K` and `verify event --key K BUNDLE` work.
func reorder(args []string) []string {
	var fl, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && a != "-":
			fl = append(fl, a)
			if !strings.Contains(a, "=") && i+1 < len(args) && !isBoolFlag(a) {
				fl = append(fl, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	return append(fl, pos...)
}

func isBoolFlag(a string) bool {
	switch strings.TrimLeft(a, "-") {
	case "quiet", "once", "h", "help":
		return true
	}
	return false
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

// Set appends v.
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
