package daemon_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/docketledger/docket/services/internal/testkit/tlstest"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
)

// TestMutualTLS: with api_client_ca, a service's client certificate
// authenticates it as the token bound to its common name, without a
// bearer secret; a certificate from another CA, an unbound name, or
// nothing at all is unauthenticated; a bearer token still works.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	serverCA, clientCA, otherCA := tlstest.NewCA(t), tlstest.NewCA(t), tlstest.NewCA(t)
	sc, sk := serverCA.Issue(t, "docketd", true)
	d := startDaemon(t, filepath.Join(dir, "data"), func(c *config.Config) {
		c.APITLSCert, c.APITLSKey = tlstest.Write(t, dir, "server.pem", sc), tlstest.Write(t, dir, "server-key.pem", sk)
		c.APIClientCA = tlstest.Write(t, dir, "clients-ca.pem", clientCA.PEM)
	})
	if !strings.HasPrefix(d.APIURL(), "https://") {
		t.Fatalf("API at %s, want https", d.APIURL())
	}
	d.Token(t, auth.Spec{Name: "crm-svc", Roles: []auth.Role{auth.Emitter}, Tenant: "acme",
		Source: "crm", ClientCert: "crm.services.acme"})
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(serverCA.PEM)
	client := func(c *tlstest.CA, cn string) *http.Client {
		tc := &tls.Config{RootCAs: roots}
		if c != nil {
			cp, kp := c.Issue(t, cn, false)
			pair, err := tls.X509KeyPair(cp, kp)
			if err != nil {
				t.Fatal(err)
			}
			tc.Certificates = []tls.Certificate{pair}
		}
		return &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	}
	post := func(hc *http.Client, bearer string) (int, string) {
		body := `{"events":[` + jsonEvent(uuid.Must(uuid.NewV7()).String(), "s-mtls") + `]}`
		req, _ := http.NewRequest(http.MethodPost, d.APIURL()+apiv1connect.IngestServiceAppendProcedure, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b := make([]byte, 512)
		n, _ := resp.Body.Read(b)
		return resp.StatusCode, string(b[:n])
	}
	if code, body := post(client(clientCA, "crm.services.acme"), ""); code != http.StatusOK {
		t.Fatalf("the service's certificate: %d %s", code, body)
	}
	for name, hc := range map[string]*http.Client{
		"unbound name":   client(clientCA, "billing.services.acme"),
		"another CA":     client(otherCA, "crm.services.acme"),
		"no certificate": client(nil, ""),
	} {
		code, body := post(hc, "")
		if code == http.StatusOK || (code != 0 && !strings.Contains(body, "unauthenticated")) {
			t.Errorf("%s: %d %s, want refused", name, code, body)
		}
	}
	if code, body := post(client(nil, ""), d.emitTok); code != http.StatusOK {
		t.Fatalf("a bearer token over TLS: %d %s", code, body)
	}
}

// TestKEKFromEnvironment: DOCKET_KEK (Config.KEK) takes the key file's
// place: no file is written, and values seal and open with it.
func TestKEKFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	kek := strings.Repeat("ab", 32)
	d := startDaemon(t, dir, func(c *config.Config) { c.KEK = kek })
	ev := &eventsv1.Event{}
	if err := protojson.Unmarshal([]byte(jsonEvent(uuid.Must(uuid.NewV7()).String(), "s-kek")), ev); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Emitter.Append(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "keys", "kek")); !os.IsNotExist(err) {
		t.Fatalf("a key file was written: %v", err)
	}
	vals, err := events.OpenValues(context.Background(), ev, d.Keyring)
	if err != nil || len(vals) != 1 || vals[0].Erased {
		t.Fatalf("open with the environment's key: %v %v", vals, err)
	}
}
