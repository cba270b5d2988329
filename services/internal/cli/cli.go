// Package cli implements the docket command on cobra: Run builds the
// command tree, runs it on its arguments and output streams, and maps the
// outcome to an exit code, so tests run it in process.
//
// Flags are GNU-style (pflag) and go anywhere on the line; --api (default
// $DOCKET_API, else DefaultAPI) is declared once, on the root.
package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strings"

	"connectrpc.com/connect"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/spf13/cobra"
)

// DefaultAPI is docketd's default API address.
const DefaultAPI = "http://127.0.0.1:7070"

// APIEnv names docketd's API when --api does not.
const APIEnv = "DOCKET_API"

// DefaultNATS is the embedded NATS server's default client address.
const DefaultNATS = "nats://127.0.0.1:4222"

// Exit codes.
const (
	ExitOK       = 0 // done; a verification found everything as signed
	ExitMismatch = 1 // a verification ran and found a difference (a *Mismatch)
	ExitFailure  = 2 // a usage error, or a failure to do or to check anything
)

// Mismatch is the error of a verification that ran to its end and found
// a difference: a log that diverges from its checkpoints, a bundle or a
// receipt that does not verify, two inconsistent checkpoints, a split
// view. It is the only error that exits with ExitMismatch; a verification
// that could not run (a file that does not parse, a server that does not
// answer) fails with ExitFailure.
type Mismatch struct{ Err error }

func (m *Mismatch) Error() string { return m.Err.Error() }
func (m *Mismatch) Unwrap() error { return m.Err }

// usageError is a command line that does not parse: a bad flag, a missing
// or extra argument. The command's usage line is shown with it.
type usageError struct{ err error }

func (u *usageError) Error() string { return u.err.Error() }
func (u *usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// Run runs the docket command line args; it returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return ExitCode(execute(ctx, args, stdout, stderr), stderr)
}

// execute runs args and returns the failed command's error, prefixed
// with the command's path.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return nil
	}
	var ue *usageError
	if errors.As(err, &ue) && cmd != nil {
		return fmt.Errorf("%s: %w\nusage: %s\nRun '%s --help' for more", cmd.CommandPath(), err, cmd.UseLine(), cmd.CommandPath())
	}
	path := "docket"
	if cmd != nil {
		path = cmd.CommandPath()
	}
	return fmt.Errorf("%s: %w", path, err)
}

// ExitCode prints err, if any, on stderr and returns its exit code.
func ExitCode(err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, err)
	var m *Mismatch
	if errors.As(err, &m) {
		return ExitMismatch
	}
	return ExitFailure
}

// globals are the flags every command shares, declared once on the root.
type globals struct {
	api string
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := group("docket", "Docket's command line: append, query, export, erase and verify the ledger",
		newAppendCmd(g), newTailCmd(), newDemoCmd(g),
		newSubjectCmd(g), newHistoryCmd(g), newDisclosuresCmd(g), newRoPACmd(g), newFindingsCmd(g), newFindingCmd(g), newRequestsCmd(g), newBreachesCmd(g),
		newStatusCmd(g), newProjectionsCmd(), newExportCmd(g), newErasureProofCmd(g), newReceiptCmd(g), newShredCmd(g),
		newTokensCmd(g), newKeysCmd(), newVerifyCmd(g), newCheckpointCmd(g), newProveCmd(g), newWitnessCmd(g))
	root.Long = root.Short + ".\n\n" +
		"Exit codes: 0 done; 1 a verification ran and found a difference; 2 a usage error or a failure to check.\n" +
		"The API is --api, else $" + APIEnv + ", else " + DefaultAPI + "; the token $DOCKET_TOKEN, else the file $DOCKET_TOKEN_FILE, else " + DefaultTokenFile + "."
	root.Version = version()
	root.SetVersionTemplate("docket {{.Version}}\n")
	root.SilenceErrors = true
	root.SilenceUsage = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	api := DefaultAPI
	if env := os.Getenv(APIEnv); env != "" {
		api = env
	}
	root.PersistentFlags().StringVar(&g.api, "api", api, "docketd API base URL (env "+APIEnv+")")
	return root
}

// group is a command that only holds subcommands: run alone, or with an
// unknown subcommand, it is a usage error.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			var names []string
			for _, s := range cmd.Commands() {
				if s.IsAvailableCommand() {
					names = append(names, s.Name())
				}
			}
			return usagef("give a command: %s", strings.Join(names, ", "))
		},
	}
	c.AddCommand(subs...)
	return c
}

// newCommand is a command whose positional arguments pos checks, and
// which runs run (nil: set later, once its flags are declared).
func newCommand(use, short string, pos cobra.PositionalArgs, run func(cmd *cobra.Command, pos []string) error) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Args: pos, RunE: run}
}

// args checks that a command has its positional arguments, named in the
// error when they are not there.
func args(names ...string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != len(names) {
			return usagef("want %d argument(s), %s; got %d", len(names), strings.Join(names, " "), len(args))
		}
		return nil
	}
}

// version is the module version, else the VCS revision and time the
// binary was built from, and the Go version.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(no build information)"
	}
	v := bi.Main.Version
	var rev, at, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = " (modified)"
			}
		}
	}
	if (v == "" || v == "(devel)") && rev != "" {
		v = strings.TrimSpace(rev + " " + at + dirty)
	}
	if v == "" {
		v = "(devel)"
	}
	return v + ", " + bi.GoVersion
}

// client validates --api and makes a client of one API service, with
// apiClient's HTTP client and token.
func client[T any](g *globals, newClient func(connect.HTTPClient, string, ...connect.ClientOption) T) (T, error) {
	var zero T
	if !strings.HasPrefix(g.api, "http://") && !strings.HasPrefix(g.api, "https://") {
		return zero, fmt.Errorf("--api: %q must start with http:// or https://", g.api)
	}
	hc, tok, err := apiClient()
	if err != nil {
		return zero, err
	}
	return newClient(hc, strings.TrimRight(g.api, "/"), tok), nil
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

// Exec runs the command line args, as Run does, and returns the failed
// command's error (a *Mismatch for a verification that found a
// difference) instead of printing it and returning an exit code: for
// programs and tests that check the error (test/natsperm, docketd's tests).
func Exec(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return execute(ctx, args, stdout, stderr)
}
