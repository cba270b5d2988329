package cli

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"

	"github.com/docketledger/docket/services/internal/natsembed"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"
)

// NATSPasswordEnv holds the password of --nats-user: environment only, so
// that it never shows in the process list or a shell's history. docketd
// reads the same variable for its nats_user.
const NATSPasswordEnv = "DOCKET_NATS_PASSWORD"

// defaultInbox is nats.go's inbox prefix, without its dot.
const defaultInbox = "_INBOX"

// natsConn is how a command connects to NATS: the flags natsFlags
// registers (named as docketd's nats_url, nats_user, nats_ca_file,
// nats_cert_file and nats_key_file) and the password in NATSPasswordEnv.
type natsConn struct {
	name                      string // the client's name, as the server lists it
	url, user, ca, cert, keyf string
	inbox                     string // prefix of the reply subjects
	// dataDir is docketd's data dir, for readerFlags' commands: without
	// --nats-user, they log in as the embedded server's reader with the
	// password docketd wrote there, if it did.
	dataDir string
	reader  bool
	// readerPassword is the reader's password once options read it.
	readerPassword string
}

// readerFlags registers natsFlags' flags and --data-dir, for a command
// that only reads the events stream and the checkpoints: with no
// --nats-user (and no user in --nats-url), it logs in to docketd's
// embedded server as its read-only user, natsembed.ReaderUser, with the
// password in DATA_DIR/keys/nats-reader, when that file exists.
func readerFlags(cmd *cobra.Command, name, defaultURL, urlHelp string) *natsConn {
	c := natsFlags(cmd, name, defaultURL, urlHelp)
	c.reader = true
	cmd.Flags().StringVar(&c.dataDir, "data-dir", "data", "docketd's data dir: without --nats-user, log in to its embedded NATS server as the read-only user "+natsembed.ReaderUser+" with the password docketd wrote in DATA_DIR/keys/nats-"+natsembed.ReaderUser)
	return c
}

// natsFlags registers --nats-url (with the command's default and help),
// --nats-user, --nats-ca-file, --nats-cert-file, --nats-key-file and
// --nats-inbox-prefix on cmd: the one place they are declared.
func natsFlags(cmd *cobra.Command, name, defaultURL, urlHelp string) *natsConn {
	c := &natsConn{name: name}
	fs := cmd.Flags()
	fs.StringVar(&c.url, "nats-url", defaultURL, urlHelp)
	fs.StringVar(&c.user, "nats-user", "", "user to log in to NATS as; its password is read from the environment variable "+NATSPasswordEnv+", never from the command line")
	fs.StringVar(&c.ca, "nats-ca-file", "", "CA certificate (PEM) that signed the NATS server's certificate; connects with TLS")
	fs.StringVar(&c.cert, "nats-cert-file", "", "client certificate (PEM) for a NATS server that asks for one (with --nats-key-file)")
	fs.StringVar(&c.keyf, "nats-key-file", "", "the client certificate's key (PEM)")
	fs.StringVar(&c.inbox, "nats-inbox-prefix", defaultInbox, "prefix of the subjects the server replies on; a user allowed only inboxes of its own, such as tail's _INBOX_tail in deploy/nats, needs it")
	return c
}

// check validates the flags: every problem at once, each naming its flag.
// Commands call it right after parsing, before other work.
func (c *natsConn) check() error {
	_, err := c.options()
	return err
}

// options validates the flags and returns the connection's options. No
// error holds a password.
func (c *natsConn) options() ([]nats.Option, error) {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	urlUser := false
	if c.url == "" {
		for _, f := range []struct{ name, value string }{{"--nats-user", c.user}, {"--nats-ca-file", c.ca}, {"--nats-cert-file", c.cert}, {"--nats-key-file", c.keyf}} {
			if f.value != "" {
				bad(f.name, "only with --nats-url")
			}
		}
	}
	for _, u := range c.urls() {
		pu, err := url.Parse(u)
		if err != nil || pu.Host == "" {
			// Neither the URL nor url.Parse's reason is shown: either
			// may hold (part of) a password.
			bad("--nats-url", "not a URL, or a comma-separated list of URLs, such as nats://HOST:4222 (not shown: it may hold a password)")
			continue
		}
		urlUser = urlUser || pu.User != nil
	}
	opts := []nats.Option{nats.Name(c.name)}
	password := os.Getenv(NATSPasswordEnv)
	switch {
	case c.user != "" && urlUser:
		bad("--nats-user", "--nats-url names a user already: give the user in one of them")
	case c.user != "" && password == "":
		bad("--nats-user", "needs the user's password in the environment variable %s", NATSPasswordEnv)
	case c.user != "":
		opts = append(opts, nats.UserInfo(c.user, password))
	case c.reader && !urlUser && c.url != "":
		p, err := natsembed.ReadPassword(natsembed.PasswordFile(c.dataDir, natsembed.ReaderUser))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// Not docketd's embedded server, or an old one: no login.
		case err != nil:
			bad("--data-dir", "%v", err)
		default:
			c.readerPassword = p
			opts = append(opts, nats.UserInfo(natsembed.ReaderUser, p))
			if c.inbox == defaultInbox {
				c.inbox = natsembed.ReaderInbox // the only inboxes it may use
			}
		}
	}

	if c.inbox != defaultInbox {
		if err := checkInboxPrefix(c.inbox); err != nil {
			bad("--nats-inbox-prefix", "%v", err)
		} else {
			opts = append(opts, nats.CustomInboxPrefix(c.inbox))
		}
	}

	var tc *tls.Config
	if c.ca != "" || c.cert != "" || c.keyf != "" {
		tc = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if c.ca != "" {
		pem, err := os.ReadFile(c.ca)
		switch {
		case err != nil:
			bad("--nats-ca-file", "%v", err)
		default:
			tc.RootCAs = x509.NewCertPool()
			if !tc.RootCAs.AppendCertsFromPEM(pem) {
				bad("--nats-ca-file", "no PEM certificate in %s", c.ca)
			}
		}
	}
	switch {
	case c.cert != "" && c.keyf == "":
		bad("--nats-cert-file", "a client certificate needs its key: give --nats-key-file")
	case c.keyf != "" && c.cert == "":
		bad("--nats-key-file", "a key needs its certificate: give --nats-cert-file")
	case c.cert != "":
		pair, err := tls.LoadX509KeyPair(c.cert, c.keyf)
		if err != nil {
			bad("--nats-cert-file, --nats-key-file", "%v", err)
		} else {
			tc.Certificates = []tls.Certificate{pair}
		}
	}
	if tc != nil {
		opts = append(opts, nats.Secure(tc))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return opts, nil
}

// checkInboxPrefix says what is wrong with an inbox prefix: it must be
// one or more NATS subject tokens, without wildcards.
func checkInboxPrefix(p string) error {
	if p == "" {
		return errors.New("is empty")
	}
	for tok := range strings.SplitSeq(p, ".") {
		switch {
		case tok == "":
			return errors.New("has an empty token (a leading, trailing or double dot)")
		case tok == "*" || tok == ">" || strings.ContainsAny(tok, "*> \t\r\n"):
			return errors.New("holds a wildcard or white space")
		}
	}
	return nil
}

// urls are the URLs of --nats-url, each with a scheme, as nats.go reads
// the list.
func (c *natsConn) urls() []string {
	if strings.TrimSpace(c.url) == "" {
		return nil
	}
	var us []string
	for u := range strings.SplitSeq(c.url, ",") {
		u = strings.TrimSpace(u)
		if !strings.Contains(u, "://") {
			u = "nats://" + u
		}
		us = append(us, u)
	}
	return us
}

// redactedURL is --nats-url with any password in it replaced by xxxxx.
func (c *natsConn) redactedURL() string {
	us := c.urls()
	for i, u := range us {
		if pu, err := url.Parse(u); err == nil {
			us[i] = pu.Redacted()
		}
	}
	return strings.Join(us, ",")
}

// connect validates the flags and connects. Its errors name the server
// (passwords redacted) and, for a refused login or an untrusted server
// certificate, the flag that fixes it.
func (c *natsConn) connect() (*nats.Conn, error) {
	opts, err := c.options()
	if err != nil {
		return nil, err
	}
	if c.urls() == nil {
		return nil, errors.New("--nats-url: is empty")
	}
	nc, err := nats.Connect(c.url, opts...)
	if err != nil {
		return nil, &natsError{msg: fmt.Sprintf("connect to NATS at %s: %s%s", c.redactedURL(), c.scrub(err.Error()), c.hint(err)), err: err}
	}
	return nc, nil
}

// jetStream connects, as connect does, and returns JetStream on the
// connection and the function that closes it.
func (c *natsConn) jetStream() (jetstream.JetStream, func(), error) {
	nc, err := c.connect()
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return js, nc.Close, nil
}

// hint says which flag fixes a refused login or an untrusted certificate.
func (c *natsConn) hint(err error) string {
	var unknownCA x509.UnknownAuthorityError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.Is(err, nats.ErrAuthorization) && c.readerPassword != "":
		return " (the reader's password in --data-dir " + c.dataDir + " was refused: is it the data dir of the docketd at --nats-url?)"
	case errors.Is(err, nats.ErrAuthorization) && c.user == "" && !strings.Contains(c.url, "@") && c.reader:
		return " (the server wants a user: give --nats-user, and the password in " + NATSPasswordEnv + "; or, for docketd's embedded server, docketd's data dir with --data-dir, whose reader password logs in)"
	case errors.Is(err, nats.ErrAuthorization) && c.user == "" && !strings.Contains(c.url, "@"):
		return " (the server wants a user: give --nats-user, and the password in " + NATSPasswordEnv + ")"
	case errors.Is(err, nats.ErrAuthorization):
		return " (wrong user or password: check --nats-user and " + NATSPasswordEnv + ")"
	case errors.Is(err, nats.ErrSecureConnWanted):
		return " (the server offers no TLS)"
	case (errors.As(err, &unknownCA) || errors.As(err, &verify)) && c.ca == "":
		return " (the server's certificate is not trusted: give the CA that signed it with --nats-ca-file)"
	case errors.As(err, &unknownCA) || errors.As(err, &verify):
		return " (the server's certificate does not verify with --nats-ca-file)"
	case c.cert == "" && (errors.Is(err, nats.ErrTLS) || strings.Contains(err.Error(), "tls: certificate required")):
		// The server's alert, or (TLS 1.3, depending on timing) the
		// connection it closed after the handshake.
		return " (does the server want a client certificate? give --nats-cert-file and --nats-key-file)"
	}
	return ""
}

// scrub replaces every password this connection knows of in s by xxxxx:
// nats.go's errors should hold none, and this makes sure.
func (c *natsConn) scrub(s string) string {
	secrets := []string{os.Getenv(NATSPasswordEnv), c.readerPassword}
	for _, u := range c.urls() {
		if pu, err := url.Parse(u); err == nil && pu.User != nil {
			p, _ := pu.User.Password()
			secrets = append(secrets, p, url.QueryEscape(p), url.PathEscape(p))
		}
	}
	for _, p := range secrets {
		if p != "" {
			s = strings.ReplaceAll(s, p, "xxxxx")
		}
	}
	return s
}

// natsError is a connection error with its message made safe to print.
type natsError struct {
	msg string
	err error
}

func (e *natsError) Error() string { return e.msg }
func (e *natsError) Unwrap() error { return e.err }
