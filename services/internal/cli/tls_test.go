package cli_test

import (
	"strings"
	"testing"

	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/testkit/docketdtest"
	"github.com/docketledger/docket/services/internal/testkit/tlstest"
)

// TestCLIOverMutualTLS: the CLI reaches an HTTPS API signed by a private
// CA ($DOCKET_CA_FILE) and authenticates with a client certificate
// ($DOCKET_CLIENT_CERT, $DOCKET_CLIENT_KEY) instead of a token.
func TestCLIOverMutualTLS(t *testing.T) {
	dir := t.TempDir()
	serverCA, clientCA := tlstest.NewCA(t), tlstest.NewCA(t)
	sc, sk := serverCA.Issue(t, "docketd", true)
	c := docketdtest.Config(t)
	c.APITLSCert, c.APITLSKey = tlstest.Write(t, dir, "server.pem", sc), tlstest.Write(t, dir, "server-key.pem", sk)
	c.APIClientCA = tlstest.Write(t, dir, "clients-ca.pem", clientCA.PEM)
	d := docketdtest.Start(t, c)
	d.Token(t, auth.Spec{Name: "jane", Roles: []auth.Role{auth.Legal}, Tenant: "acme", ClientCert: "jane.legal.acme"})
	cp, kp := clientCA.Issue(t, "jane.legal.acme", false)
	t.Setenv("DOCKET_TOKEN_FILE", "")
	t.Setenv("DOCKET_CLIENT_CERT", tlstest.Write(t, dir, "jane.pem", cp))
	t.Setenv("DOCKET_CLIENT_KEY", tlstest.Write(t, dir, "jane-key.pem", kp))

	// Without the CA the server's certificate is not trusted.
	if code, _, errOut := run(t, "tokens", "whoami", "--api", d.APIURL()); code == 0 || !strings.Contains(errOut, "certificate") {
		t.Fatalf("without DOCKET_CA_FILE: exit %d: %s", code, errOut)
	}
	t.Setenv("DOCKET_CA_FILE", tlstest.Write(t, dir, "server-ca.pem", serverCA.PEM))
	code, out, errOut := run(t, "tokens", "whoami", "--api", d.APIURL())
	if code != 0 || !strings.Contains(out, `"name": "jane"`) {
		t.Fatalf("whoami over mutual TLS: exit %d: %s%s", code, out, errOut)
	}
	// Another name, the same CA: no token is bound to it.
	cp, kp = clientCA.Issue(t, "joe.legal.acme", false)
	t.Setenv("DOCKET_CLIENT_CERT", tlstest.Write(t, dir, "joe.pem", cp))
	t.Setenv("DOCKET_CLIENT_KEY", tlstest.Write(t, dir, "joe-key.pem", kp))
	if code, _, errOut := run(t, "tokens", "whoami", "--api", d.APIURL()); code == 0 || !strings.Contains(errOut, "unauthenticated") {
		t.Fatalf("an unbound certificate: exit %d: %s", code, errOut)
	}
	t.Setenv("DOCKET_CA_FILE", tlstest.Write(t, dir, "bad.pem", []byte("not a certificate")))
	if code, _, errOut := run(t, "tokens", "whoami", "--api", d.APIURL()); code == 0 || !strings.Contains(errOut, "DOCKET_CA_FILE: no PEM certificate") {
		t.Fatalf("a bad CA file: exit %d: %s", code, errOut)
	}
}
