// Package cli implements the docket command: each subcommand is a function
// of its arguments and output streams, so tests run it in process.
package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	"github.com/docketledger/docket/services/internal/auth"
)

// DefaultAPI is docketd's default API address.
const DefaultAPI = "http://127.0.0.1:7070"

// DefaultNATS is the embedded NATS server's default client address.
const DefaultNATS = "nats://127.0.0.1:4222"

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"append", "append events from a JSON-lines file (protojson), sealed before they are stored", Append},
		{"tail", "follow the events stream, printing metadata and never values", Tail},
		{"demo", "load the demo data set (idempotent)", Demo},
		{"subject", "what the ledger holds on a subject, now or as of a time", Subject},
		{"history", "a subject's audit trail", History},
		{"disclosures", "the disclosure register: who received what, when, under which basis", Disclosures},
		{"ropa", "the record of processing (Art. 30) with declared vs. observed drift", RoPA},
		{"findings", "compliance findings, recorded and time-based", Findings},
		{"requests", "data-subject requests and their deadlines", Requests},
		{"status", "the stream's head and how far the read models are behind it", Status},
		{"projections", "rebuild: replay the stream into fresh read models and switch to them", Projections},
		{"export", "a subject's access (html) or portability (json) export, with proofs; recorded in the ledger", Export},
		{"erasure-proof", "a subject's proof of erasure: shreds, per-system erasures, recipient notices, each proven", ErasureProof},
		{"receipt", "the signed ISO/IEC TS 27560 receipt of a consent event, with its inclusion proof", Receipt},
		{"shred", "destroy a subject's data keys (crypto-shredding, Art. 17) and record it", Shred},
		{"tokens", "API tokens: create (shown once), list, revoke, whoami", Tokens},
		{"keys", "public: the log's public key; generate: a witness key pair; generate-kek, rotate-kek: replace the key-encryption key", Keys},
		{"verify", "log: recompute the tree from the stream; event: a proof bundle; consistency: two checkpoints; receipt: a consent receipt", Verify},
		{"checkpoint", "print the latest (or --size N) signed checkpoint of the log", Checkpoint},
		{"prove", "write a self-contained proof bundle for one event", Prove},
		{"witness", "cosign the log's checkpoints after checking each extends the last one seen", Witness},
	}
}

// Run dispatches to a subcommand; it returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			default:
				fmt.Fprintf(stderr, "docket %s: %v\n", c.name, err)
				return 1
			}
		}
	}
	fmt.Fprintf(stderr, "docket: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: docket COMMAND [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun docket COMMAND -h for its flags.")
}

var errUsage = errors.New("usage")

// flags returns a FlagSet that reports errors on stderr.
func flags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("docket "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args, mapping a bad flag to errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// apiClient is the HTTP client and the token option for calls to docketd:
// bearer's token, and for an API on HTTPS with a private CA or mutual TLS,
// the CA in $DOCKET_CA_FILE and the client certificate and key in
// $DOCKET_CLIENT_CERT and $DOCKET_CLIENT_KEY (PEM files).
func apiClient() (*http.Client, connect.ClientOption, error) {
	tok, err := bearer()
	if err != nil {
		return nil, nil, err
	}
	ca, cert, key := os.Getenv("DOCKET_CA_FILE"), os.Getenv("DOCKET_CLIENT_CERT"), os.Getenv("DOCKET_CLIENT_KEY")
	if ca == "" && cert == "" && key == "" {
		return http.DefaultClient, tok, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, nil, fmt.Errorf("DOCKET_CA_FILE: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, nil, errors.New("DOCKET_CA_FILE: no PEM certificate in the file")
		}
	}
	if cert != "" || key != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, nil, fmt.Errorf("DOCKET_CLIENT_CERT, DOCKET_CLIENT_KEY: %w", err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: tc, ForceAttemptHTTP2: true}}, tok, nil
}

// DefaultTokenFile is the token the CLI uses when told of none: the first
// admin token docketd writes when started in ./data (make run).
const DefaultTokenFile = "data/keys/admin.token"

// bearer adds the caller's API token to every call: $DOCKET_TOKEN, else
// the file $DOCKET_TOKEN_FILE names, else DefaultTokenFile when it exists.
// With none, calls go without one (and are refused as unauthenticated).
func bearer() (connect.ClientOption, error) {
	token := os.Getenv("DOCKET_TOKEN")
	if token == "" {
		path, named := os.LookupEnv("DOCKET_TOKEN_FILE")
		if !named {
			path = DefaultTokenFile
		}
		b, err := os.ReadFile(path)
		switch {
		case named && path == "": // none: a client certificate, say
		case err == nil:
			token = strings.TrimSpace(string(b))
		case named || !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("DOCKET_TOKEN_FILE: %w", err)
		}
	}
	if token == "" {
		return connect.WithInterceptors(), nil
	}
	return auth.Bearer(token), nil
}

func ingestClient(api string) (apiv1connect.IngestServiceClient, error) {
	if !strings.HasPrefix(api, "http://") && !strings.HasPrefix(api, "https://") {
		return nil, fmt.Errorf("--api: %q must start with http:// or https://", api)
	}
	hc, tok, err := apiClient()
	if err != nil {
		return nil, err
	}
	return apiv1connect.NewIngestServiceClient(hc, strings.TrimRight(api, "/"), tok), nil
}
