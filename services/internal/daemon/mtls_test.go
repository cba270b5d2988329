package daemon_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketledger/docket/events"
	"github.com/docketledger/docket/proto/gen/docket/api/v1/apiv1connect"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
	"github.com/docketledger/docket/services/internal/auth"
	"github.com/docketledger/docket/services/internal/config"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
)

// ca is a throw-away certificate authority.
type ca struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newCA(t *testing.T) *ca {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &ca{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue makes a certificate for cn (a server's for 127.0.0.1, or a client's).
func (c *ca) issue(t *testing.T, cn string, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	n, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: n, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if server {
		tmpl.ExtKeyUsage, tmpl.IPAddresses = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, []net.IP{net.ParseIP("127.0.0.1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &key.PublicKey, c.key)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalECPrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd})
}

func write(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMutualTLS: with api_client_ca, a service's client certificate
// authenticates it as the token bound to its common name, without a
// bearer secret; a certificate from another CA, an unbound name, or
// nothing at all is unauthenticated; a bearer token still works.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	serverCA, clientCA, otherCA := newCA(t), newCA(t), newCA(t)
	sc, sk := serverCA.issue(t, "docketd", true)
	d := startDaemon(t, filepath.Join(dir, "data"), func(c *config.Config) {
		c.APITLSCert, c.APITLSKey = write(t, dir, "server.pem", sc), write(t, dir, "server-key.pem", sk)
		c.APIClientCA = write(t, dir, "clients-ca.pem", clientCA.pem)
	})
	if !strings.HasPrefix(d.APIURL(), "https://") {
		t.Fatalf("API at %s, want https", d.APIURL())
	}
	if _, err := d.NewToken(context.Background(), auth.Spec{Name: "crm-svc", Roles: []auth.Role{auth.Emitter}, Tenant: "acme",
		Source: "crm", ClientCert: "crm.services.acme"}); err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(serverCA.pem)
	client := func(c *ca, cn string) *http.Client {
		tc := &tls.Config{RootCAs: roots}
		if c != nil {
			cp, kp := c.issue(t, cn, false)
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
	if code, body := post(client(nil, ""), tokens[d][0]); code != http.StatusOK {
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
