package static

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/docketledger/docket/events/checkpoint"
	"github.com/docketledger/docket/events/proof"
	"github.com/docketledger/docket/services/internal/testkit/browsertest"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// The tests of verify.js run it in headless Chromium: the data (keys,
// trees, checkpoints, bundles) is made in Go with the ledger's own
// packages, verify.js is served from the embedded FS as the console serves
// it, and every check is compared with what Go's checkpoint, proof and tlog
// packages say.

const origin = "docket.example.com/ledger"

// testPage loads verify.js as a module, as the console's page script does,
// and exposes it with two helpers: b64 decodes base64 to bytes, attempt
// runs an async function and returns its value or its error as data.
const testPage = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>verify.js test</title>
<script>
window.b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
window.attempt = async (f) => {
  try {
    return {ok: true, value: await f()};
  } catch (e) {
    return {ok: false, name: String(e && e.name), code: String(e && e.code), message: String(e && e.message)};
  }
};
import('/static/verify.js').then(
  (m) => { window.verify = m; window.verifyLoaded = 'ok'; },
  (e) => { window.verifyLoaded = 'error: ' + e; });
</script>
</html>
`

// workerScript runs verifyBundle in a module worker, which has no DOM: it
// shows that verify.js needs none.
const workerScript = `import { verifyBundle } from '/static/verify.js';
onmessage = async (e) => {
  try {
    const r = await verifyBundle(JSON.parse(e.data.bundle), e.data.logKey, e.data.witnessKeys, e.data.minWitnesses);
    postMessage({ok: true, value: r});
  } catch (err) {
    postMessage({ok: false, code: String(err.code), message: String(err.message)});
  }
};
`

// outcome is what attempt returns.
type outcome struct {
	OK      bool            `json:"ok"`
	Value   json.RawMessage `json:"value"`
	Name    string          `json:"name"`
	Code    string          `json:"code"`
	Message string          `json:"message"`
}

func (o outcome) String() string {
	if o.OK {
		return "ok: " + string(o.Value)
	}
	return fmt.Sprintf("%s [%s]: %s", o.Name, o.Code, o.Message)
}

// bundleResult is verifyBundle's result.
type bundleResult struct {
	OK         bool     `json:"ok"`
	Origin     string   `json:"origin"`
	TreeSize   int64    `json:"treeSize"`
	Sequence   uint64   `json:"sequence"`
	Subject    string   `json:"subject"`
	LeafHash   string   `json:"leafHash"`
	Root       string   `json:"root"`
	LogKeyName string   `json:"logKeyName"`
	LogKeyHash string   `json:"logKeyHash"`
	Witnesses  []string `json:"witnesses"`
	Unknown    []string `json:"unknown"`
}

// bundleCase is one call of verifyBundle.
type bundleCase struct {
	Bundle       string   `json:"bundle"` // the bundle's JSON
	LogKey       string   `json:"logKey"`
	WitnessKeys  []string `json:"witnessKeys"`
	MinWitnesses int      `json:"minWitnesses"`
}

// jsonString is s as a JavaScript string literal.
func jsonString(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// evalJS evaluates a JavaScript expression in the page, waiting for the
// promise it returns, and decodes its value.
func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		shown := expr
		if len(shown) > 300 {
			shown = shown[:300] + "..."
		}
		t.Fatalf("evaluating %s: %v", shown, err)
	}
	return v
}

// verifyBundles runs verifyBundle on each case, in order.
func verifyBundles(t *testing.T, ctx context.Context, cases []bundleCase) []outcome {
	t.Helper()
	for i := range cases {
		if cases[i].WitnessKeys == nil {
			cases[i].WitnessKeys = []string{}
		}
	}
	return evalJS[[]outcome](t, ctx, `(async () => {
  const cases = `+jsonString(t, cases)+`;
  const out = [];
  for (const c of cases) {
    out.push(await attempt(() => verify.verifyBundle(JSON.parse(c.bundle), c.logKey, c.witnessKeys, c.minWitnesses)));
  }
  return out;
})()`)
}

// openPage serves the test page and the embedded static files, and opens
// the page in a browser.
func openPage(t *testing.T) context.Context {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(FS)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, testPage)
	})
	mux.HandleFunc("GET /worker.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		io.WriteString(w, workerScript)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	ctx := browsertest.New(t)
	browsertest.Do(t, ctx, chromedp.Navigate(srv.URL+"/"))
	loaded, err := chromedp.Run(ctx, chromedp.Poll[string]("window.verifyLoaded", chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Fatalf("waiting for verify.js to load: %v", err)
	}
	if loaded != "ok" {
		t.Fatalf("loading verify.js: %s", loaded)
	}
	return ctx
}

// testKey is a note key pair.
type testKey struct {
	name     string
	vkey     string
	signer   note.Signer
	verifier note.Verifier
}

func newTestKey(t *testing.T, name string) testKey {
	t.Helper()
	return makeTestKey(t, name, checkpoint.GenerateKey, checkpoint.NewSigner)
}

// newWitnessTestKey returns a witness's C2SP tlog-cosignature/v1 key
// pair (key type 0x04), as `docket keys generate --witness` makes it.
func newWitnessTestKey(t *testing.T, name string) testKey {
	t.Helper()
	return makeTestKey(t, name, checkpoint.GenerateWitnessKey, checkpoint.NewWitnessSigner)
}

// makeTestKey generates a key pair of one kind and makes its signer and
// verifier.
func makeTestKey(t *testing.T, name string, generate func(string) (string, string, error), newSigner func(string) (note.Signer, error)) testKey {
	t.Helper()
	skey, vkey, err := generate(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := checkpoint.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{name: name, vkey: vkey, signer: s, verifier: v}
}

// label is the key as verify.js names it in messages: "<name>+<hash>".
func (k testKey) label() string {
	return fmt.Sprintf("%s+%08x", k.name, k.verifier.KeyHash())
}

// tree is an RFC 6962 tree of stored events, in tlog's stored-hash layout.
type tree struct {
	leaves [][]byte
	hashes []tlog.Hash
}

// newTree returns a tree of n leaves that look like stored events: some
// text and random bytes, so each test run checks different data.
func newTree(t *testing.T, n int) *tree {
	t.Helper()
	tr := &tree{}
	for i := range n {
		leaf := fmt.Appendf(nil, "stored event %d ", i+1)
		random := make([]byte, 8+i%24)
		rand.Read(random)
		leaf = append(leaf, random...)
		hs, err := tlog.StoredHashes(int64(i), leaf, tr.reader())
		if err != nil {
			t.Fatal(err)
		}
		tr.leaves = append(tr.leaves, leaf)
		tr.hashes = append(tr.hashes, hs...)
	}
	return tr
}

func (tr *tree) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(tr.hashes)) {
				return nil, fmt.Errorf("hash index %d out of range", x)
			}
			out[i] = tr.hashes[x]
		}
		return out, nil
	})
}

// leafHash returns the hash of leaf i.
func (tr *tree) leafHash(i int) tlog.Hash {
	return tlog.RecordHash(tr.leaves[i])
}

// root returns the root hash of the tree's first size leaves.
func (tr *tree) root(t *testing.T, size int64) tlog.Hash {
	t.Helper()
	h, err := tlog.TreeHash(size, tr.reader())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// proof returns the inclusion proof of leaf index in the tree of size
// leaves.
func (tr *tree) proof(t *testing.T, size, index int64) tlog.RecordProof {
	t.Helper()
	p, err := tlog.ProveRecord(size, index, tr.reader())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// signNote signs c with log and cosigns it with each witness.
func signNote(t *testing.T, c checkpoint.Checkpoint, log testKey, witnesses ...testKey) string {
	t.Helper()
	msg, err := checkpoint.Sign(c, log.signer)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range witnesses {
		if msg, err = checkpoint.Cosign(msg, log.verifier, w.signer); err != nil {
			t.Fatal(err)
		}
	}
	return string(msg)
}

// checkpointNote returns the checkpoint of the tree's first size leaves,
// signed by log and cosigned by the witnesses.
func (tr *tree) checkpointNote(t *testing.T, size int64, log testKey, witnesses ...testKey) string {
	t.Helper()
	return signNote(t, checkpoint.Checkpoint{Origin: origin, Size: size, Root: tr.root(t, size)}, log, witnesses...)
}

// bundle returns the bundle of the leaf at stream sequence seq in the tree
// of size leaves, with the given checkpoint note.
func (tr *tree) bundle(t *testing.T, size int64, seq uint64, note string) *proof.Bundle {
	t.Helper()
	return &proof.Bundle{
		Version:    proof.Version,
		Sequence:   seq,
		Subject:    fmt.Sprintf("docket.acme.u-%d.DataCollected", seq),
		Event:      tr.leaves[seq-1],
		TreeSize:   size,
		Proof:      proof.EncodeProof(tr.proof(t, size, int64(seq-1))),
		Checkpoint: note,
	}
}

// marshal returns the bundle's JSON, the file an auditor receives.
func marshal(t *testing.T, b *proof.Bundle) string {
	t.Helper()
	data, err := proof.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// flipBit returns a copy of data with one bit flipped.
func flipBit(data []byte, i int) []byte {
	out := bytes.Clone(data)
	out[i%len(out)] ^= 1 << (i % 8)
	return out
}

// flipBase64Bit flips one bit in the bytes that s encodes.
func flipBase64Bit(t *testing.T, s string, i int) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(flipBit(raw, i))
}

// flipSignatureBit flips a bit of the signature (not of the key hash) in
// the signature line of the note signed by key name.
func flipSignatureBit(t *testing.T, msg, name string) string {
	t.Helper()
	return flipSignatureLineBit(t, msg, name, 4+17)
}

// flipTimestampBit flips a bit of the timestamp of the cosignature/v1 in
// the signature line of the note signed by key name (bytes 4 to 11 of the
// signature are the timestamp).
func flipTimestampBit(t *testing.T, msg, name string) string {
	t.Helper()
	return flipSignatureLineBit(t, msg, name, 11)
}

// flipSignatureLineBit flips bit i (see flipBit) of the decoded signature
// line of the note signed by key name.
func flipSignatureLineBit(t *testing.T, msg, name string, i int) string {
	t.Helper()
	prefix := "\u2014 " + name + " "
	lines := strings.Split(msg, "\n")
	for j, line := range lines {
		if b64, ok := strings.CutPrefix(line, prefix); ok {
			lines[j] = prefix + flipBase64Bit(t, b64, i)
			return strings.Join(lines, "\n")
		}
	}
	t.Fatalf("no signature by %s in the note", name)
	return ""
}

func TestVerifyJS(t *testing.T) {
	ctx := openPage(t)
	start := time.Now()
	defer func() { t.Logf("verify.js checks took %v", time.Since(start).Round(time.Millisecond)) }()

	log := newTestKey(t, origin)
	w1 := newWitnessTestKey(t, "witness-1.example.org") // tlog-cosignature/v1
	w2 := newTestKey(t, "witness-2.example.org")        // a plain Ed25519 key, as earlier witnesses had
	w3 := newTestKey(t, "witness-3.example.org")        // the verifier does not know it

	t.Run("valid bundles verify", func(t *testing.T) {
		testValidBundles(t, ctx, log, w1, w2, w3)
	})
	t.Run("tampered bundles are refused", func(t *testing.T) {
		testTamperedBundles(t, ctx, log, w1, w2, w3)
	})
	t.Run("verifyInclusion agrees with tlog.CheckRecord", func(t *testing.T) {
		testInclusionAgreesWithTlog(t, ctx)
	})
	t.Run("parseCheckpoint agrees with checkpoint.Parse", func(t *testing.T) {
		testParseCheckpoint(t, ctx)
	})
	t.Run("parseVerifierKey", func(t *testing.T) {
		testParseVerifierKey(t, ctx, log, w1)
	})
	t.Run("verifyNote", func(t *testing.T) {
		testVerifyNote(t, ctx, log, w1, w3)
	})
	t.Run("verify.js needs no DOM", func(t *testing.T) {
		testInWorker(t, ctx, log, w1)
	})
}

// testValidBundles verifies bundles of several leaves of trees of several
// sizes, cosigned by two known witnesses and one unknown.
func testValidBundles(t *testing.T, ctx context.Context, log, w1, w2, w3 testKey) {
	var (
		cases []bundleCase
		want  []bundleResult
	)
	for _, n := range []int{1, 2, 3, 7, 8, 100} {
		tr := newTree(t, n)
		size := int64(n)
		msg := tr.checkpointNote(t, size, log, w1, w3, w2)
		// The bundles are valid for Go, too.
		signed, err := checkpoint.Open([]byte(msg), log.verifier, []note.Verifier{w1.verifier, w2.verifier})
		if err != nil {
			t.Fatalf("checkpoint.Open: %v", err)
		}
		seqs := []uint64{1, uint64(n), uint64(n+1) / 2, 2, uint64(n - 1), uint64(n*2/3 + 1)}
		for _, seq := range seqs {
			if seq < 1 || seq > uint64(n) || slices.ContainsFunc(want, func(r bundleResult) bool { return r.TreeSize == size && r.Sequence == seq }) {
				continue
			}
			b := tr.bundle(t, size, seq, msg)
			p, err := b.RecordProof()
			if err != nil {
				t.Fatal(err)
			}
			if err := checkpoint.VerifyInclusion(signed.Checkpoint, seq, b.Event, p); err != nil {
				t.Fatalf("Go refuses the bundle of sequence %d of %d: %v", seq, n, err)
			}
			leaf := checkpoint.LeafHash(b.Event)
			cases = append(cases, bundleCase{Bundle: marshal(t, b), LogKey: log.vkey, WitnessKeys: []string{w1.vkey, w2.vkey}, MinWitnesses: 2})
			want = append(want, bundleResult{
				OK:         true,
				Origin:     origin,
				TreeSize:   size,
				Sequence:   seq,
				Subject:    b.Subject,
				LeafHash:   fmt.Sprintf("%x", leaf[:]),
				Root:       base64.StdEncoding.EncodeToString(signed.Root[:]),
				LogKeyName: log.name,
				LogKeyHash: fmt.Sprintf("%08x", log.verifier.KeyHash()),
				Witnesses:  []string{w1.name, w2.name},
				Unknown:    []string{w3.name},
			})
		}
	}

	got := verifyBundles(t, ctx, cases)
	if len(got) != len(cases) {
		t.Fatalf("%d results for %d bundles", len(got), len(cases))
	}
	for i, o := range got {
		w := want[i]
		if !o.OK {
			t.Errorf("sequence %d of tree size %d: refused: %v", w.Sequence, w.TreeSize, o)
			continue
		}
		var r bundleResult
		if err := json.Unmarshal(o.Value, &r); err != nil {
			t.Fatalf("decoding the result %s: %v", o.Value, err)
		}
		if !reflect.DeepEqual(r, w) {
			t.Errorf("sequence %d of tree size %d:\n got %+v\nwant %+v", w.Sequence, w.TreeSize, r, w)
		}
	}
	t.Logf("%d valid bundles verified", len(cases))
}

// testTamperedBundles checks that each way of tampering with a bundle, or
// verifying it with the wrong keys, is refused with a message saying
// which check failed.
func testTamperedBundles(t *testing.T, ctx context.Context, log, w1, w2, w3 testKey) {
	const size, seq = 13, 5
	tr := newTree(t, size+1)
	msg := tr.checkpointNote(t, size, log, w1, w3)
	valid := tr.bundle(t, size, seq, msg)
	validJSON := marshal(t, valid)

	// with returns the valid bundle's JSON changed by f.
	with := func(f func(b *proof.Bundle)) string {
		b := *valid
		b.Proof = slices.Clone(valid.Proof)
		f(&b)
		return marshal(t, &b)
	}
	// withJSON returns the valid bundle's JSON object changed by f, for
	// changes that proof.Marshal would refuse.
	withJSON := func(f func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(validJSON), &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}

	root := tr.root(t, size)
	badRoot := root
	badRoot[9] ^= 0x10
	rootLine := base64.StdEncoding.EncodeToString(root[:])
	badRootLine := base64.StdEncoding.EncodeToString(badRoot[:])
	other := newTestKey(t, "docket.example.com/other")
	sameName := newTestKey(t, origin) // the log's name, another key
	skey, _, err := checkpoint.GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	_, corruptKeyData, _ := strings.Cut(log.vkey[strings.Index(log.vkey, "+")+1:], "+")
	hashOK := fmt.Sprintf("%08x", log.verifier.KeyHash())
	corruptHash := strings.Replace(log.vkey, hashOK, fmt.Sprintf("%08x", log.verifier.KeyHash()^1), 1)

	known := []string{w1.vkey}
	tests := []struct {
		name       string
		c          bundleCase
		wantCode   string // "" for a bundle that verifies
		wantInMsg  string
		wantUnseen []string // must not appear in the message
	}{
		{
			name:      "event: one bit flipped",
			c:         bundleCase{Bundle: with(func(b *proof.Bundle) { b.Event = flipBit(b.Event, 8*7+3) }), LogKey: log.vkey},
			wantCode:  "not-included",
			wantInMsg: "the inclusion proof does not lead to the checkpoint's root",
		},
		{
			name:      "proof hash: one bit flipped",
			c:         bundleCase{Bundle: with(func(b *proof.Bundle) { b.Proof[1] = flipBase64Bit(t, b.Proof[1], 100) }), LogKey: log.vkey},
			wantCode:  "not-included",
			wantInMsg: "the inclusion proof does not lead to the checkpoint's root",
		},
		{
			name:      "proof: last hash missing",
			c:         bundleCase{Bundle: with(func(b *proof.Bundle) { b.Proof = b.Proof[:len(b.Proof)-1] }), LogKey: log.vkey},
			wantCode:  "not-included",
			wantInMsg: "the inclusion proof does not lead to the checkpoint's root",
		},
		{
			name:       "checkpoint root: one bit flipped, the signature kept",
			c:          bundleCase{Bundle: with(func(b *proof.Bundle) { b.Checkpoint = strings.Replace(msg, rootLine, badRootLine, 1) }), LogKey: log.vkey},
			wantCode:   "bad-signature",
			wantInMsg:  "the checkpoint's signature by the log key " + log.label() + " does not verify",
			wantUnseen: []string{badRootLine},
		},
		{
			name: "checkpoint root: one bit flipped, signed by the log",
			c: bundleCase{Bundle: with(func(b *proof.Bundle) {
				b.Checkpoint = signNote(t, checkpoint.Checkpoint{Origin: origin, Size: size, Root: badRoot}, log, w1)
			}), LogKey: log.vkey, WitnessKeys: known, MinWitnesses: 1},
			wantCode:  "not-included",
			wantInMsg: "the inclusion proof does not lead to the checkpoint's root",
		},
		{
			name:      "log signature: one bit flipped",
			c:         bundleCase{Bundle: with(func(b *proof.Bundle) { b.Checkpoint = flipSignatureBit(t, msg, log.name) }), LogKey: log.vkey},
			wantCode:  "bad-signature",
			wantInMsg: "the checkpoint's signature by the log key " + log.label() + " does not verify",
		},
		{
			name:      "known witness's signature: one bit flipped",
			c:         bundleCase{Bundle: with(func(b *proof.Bundle) { b.Checkpoint = flipSignatureBit(t, msg, w1.name) }), LogKey: log.vkey, WitnessKeys: known},
			wantCode:  "bad-signature",
			wantInMsg: "the checkpoint's signature by the witness key " + w1.label() + " does not verify",
		},
		{
			name:      "known witness's cosignature time: one bit flipped",
			c:         bundleCase{Bundle: with(func(b *proof.Bundle) { b.Checkpoint = flipTimestampBit(t, msg, w1.name) }), LogKey: log.vkey, WitnessKeys: known},
			wantCode:  "bad-signature",
			wantInMsg: "the checkpoint's signature by the witness key " + w1.label() + " does not verify",
		},
		{
			name:      "a witness's cosignature/v1 key as the log key",
			c:         bundleCase{Bundle: validJSON, LogKey: w1.vkey},
			wantCode:  "invalid-key",
			wantInMsg: "cosignature/v1",
		},
		{
			name: "unknown witness's signature: one bit flipped, ignored",
			c:    bundleCase{Bundle: with(func(b *proof.Bundle) { b.Checkpoint = flipSignatureBit(t, msg, w3.name) }), LogKey: log.vkey, WitnessKeys: known, MinWitnesses: 1},
		},
		{
			name:      "wrong log key",
			c:         bundleCase{Bundle: validJSON, LogKey: other.vkey},
			wantCode:  "not-signed-by-log",
			wantInMsg: "the checkpoint is not signed by the log key " + other.label(),
		},
		{
			name:      "wrong log key with the log's name",
			c:         bundleCase{Bundle: validJSON, LogKey: sameName.vkey},
			wantCode:  "not-signed-by-log",
			wantInMsg: "the checkpoint is not signed by the log key " + sameName.label(),
		},
		{
			name: "checkpoint signed by a witness only",
			c: bundleCase{Bundle: with(func(b *proof.Bundle) {
				// checkpoint.Sign refuses a witness's key: sign the note as is.
				msg, err := note.Sign(&note.Note{Text: checkpoint.Checkpoint{Origin: origin, Size: size, Root: root}.Text()}, w1.signer)
				if err != nil {
					t.Fatal(err)
				}
				b.Checkpoint = string(msg)
			}), LogKey: log.vkey, WitnessKeys: known},
			wantCode:  "not-signed-by-log",
			wantInMsg: "the checkpoint is not signed by the log key " + log.label(),
		},
		{
			name:      fmt.Sprintf("checkpoint of size %d for a bundle of %d", size+1, size),
			c:         bundleCase{Bundle: with(func(b *proof.Bundle) { b.Checkpoint = tr.checkpointNote(t, size+1, log, w1) }), LogKey: log.vkey},
			wantCode:  "tree-size-mismatch",
			wantInMsg: fmt.Sprintf("the checkpoint's tree size %d differs from the bundle's %d", size+1, size),
		},
		{
			name:      "wrong sequence",
			c:         bundleCase{Bundle: with(func(b *proof.Bundle) { b.Sequence = seq + 1 }), LogKey: log.vkey},
			wantCode:  "not-included",
			wantInMsg: "the inclusion proof does not lead to the checkpoint's root",
		},
		{
			name:      "another event's bytes",
			c:         bundleCase{Bundle: with(func(b *proof.Bundle) { b.Event = tr.leaves[seq] }), LogKey: log.vkey},
			wantCode:  "not-included",
			wantInMsg: "the inclusion proof does not lead to the checkpoint's root",
		},
		{
			name:      "too few witnesses: none given",
			c:         bundleCase{Bundle: validJSON, LogKey: log.vkey, MinWitnesses: 1},
			wantCode:  "too-few-witnesses",
			wantInMsg: "only 0 of the required 1 witness cosignatures",
		},
		{
			name:      "too few witnesses: only an unknown witness cosigned",
			c:         bundleCase{Bundle: with(func(b *proof.Bundle) { b.Checkpoint = tr.checkpointNote(t, size, log, w3) }), LogKey: log.vkey, WitnessKeys: known, MinWitnesses: 1},
			wantCode:  "too-few-witnesses",
			wantInMsg: "only 0 of the required 1 witness cosignatures",
		},
		{
			name:      "too few witnesses: 1 of 2",
			c:         bundleCase{Bundle: validJSON, LogKey: log.vkey, WitnessKeys: []string{w1.vkey, w2.vkey}, MinWitnesses: 2},
			wantCode:  "too-few-witnesses",
			wantInMsg: "only 1 of the required 2 witness cosignatures",
		},
		{
			name: "enough witnesses, an unknown one ignored",
			c:    bundleCase{Bundle: validJSON, LogKey: log.vkey, WitnessKeys: []string{w1.vkey, w2.vkey}, MinWitnesses: 1},
		},
		{
			name: "log key with surrounding white space",
			c:    bundleCase{Bundle: validJSON, LogKey: " " + log.vkey + "\n"},
		},
		{
			name:      "bundle version 2",
			c:         bundleCase{Bundle: withJSON(func(m map[string]any) { m["version"] = 2 }), LogKey: log.vkey},
			wantCode:  "malformed-bundle",
			wantInMsg: "the bundle's version is 2",
		},
		{
			name:      "bundle version as a string",
			c:         bundleCase{Bundle: withJSON(func(m map[string]any) { m["version"] = "1" }), LogKey: log.vkey},
			wantCode:  "malformed-bundle",
			wantInMsg: "version",
		},
		{
			name:      "sequence as a string",
			c:         bundleCase{Bundle: withJSON(func(m map[string]any) { m["sequence"] = "5" }), LogKey: log.vkey},
			wantCode:  "malformed-bundle",
			wantInMsg: "sequence is not an integer",
		},
		{
			name:      "sequence beyond the tree size",
			c:         bundleCase{Bundle: withJSON(func(m map[string]any) { m["sequence"] = size + 1 }), LogKey: log.vkey},
			wantCode:  "malformed-bundle",
			wantInMsg: fmt.Sprintf("sequence %d is beyond its tree_size %d", size+1, size),
		},
		{
			name:      "sequence 0",
			c:         bundleCase{Bundle: withJSON(func(m map[string]any) { m["sequence"] = 0 }), LogKey: log.vkey},
			wantCode:  "malformed-bundle",
			wantInMsg: "sequence is 0",
		},
		{
			name:      "no proof field",
			c:         bundleCase{Bundle: withJSON(func(m map[string]any) { delete(m, "proof") }), LogKey: log.vkey},
			wantCode:  "malformed-bundle",
			wantInMsg: "has no proof field",
		},
		{
			name:      "unknown field",
			c:         bundleCase{Bundle: withJSON(func(m map[string]any) { m["Version"] = 1 }), LogKey: log.vkey},
			wantCode:  "malformed-bundle",
			wantInMsg: `unknown field "Version"`,
		},
		{
			name: "proof hash of 31 bytes",
			c: bundleCase{Bundle: withJSON(func(m map[string]any) {
				m["proof"].([]any)[0] = base64.StdEncoding.EncodeToString(make([]byte, 31))
			}), LogKey: log.vkey},
			wantCode:  "malformed-bundle",
			wantInMsg: "proof[0] has 31 bytes, want 32",
		},
		{
			name:      "event in URL base64",
			c:         bundleCase{Bundle: withJSON(func(m map[string]any) { m["event"] = base64.URLEncoding.EncodeToString([]byte("\xfb\xff\xfe stored")) }), LogKey: log.vkey},
			wantCode:  "malformed-bundle",
			wantInMsg: "event is not canonical standard base64",
		},
		{
			name:      "subject with a wildcard",
			c:         bundleCase{Bundle: withJSON(func(m map[string]any) { m["subject"] = "docket.acme.*.DataCollected" }), LogKey: log.vkey},
			wantCode:  "malformed-bundle",
			wantInMsg: "subject has a wildcard",
		},
		{
			name:      "checkpoint that is not a signed note",
			c:         bundleCase{Bundle: withJSON(func(m map[string]any) { m["checkpoint"] = strings.SplitN(msg, "\n\n", 2)[0] + "\n" }), LogKey: log.vkey},
			wantCode:  "malformed-note",
			wantInMsg: "the checkpoint is not a well-formed signed note",
		},
		{
			name:       "log key with a corrupted hash",
			c:          bundleCase{Bundle: validJSON, LogKey: corruptHash},
			wantCode:   "invalid-key",
			wantInMsg:  "the log key is not valid: verifier key " + origin + "+",
			wantUnseen: []string{corruptKeyData},
		},
		{
			name:       "private key given as the log key",
			c:          bundleCase{Bundle: validJSON, LogKey: skey},
			wantCode:   "invalid-key",
			wantInMsg:  "private (signer) key",
			wantUnseen: []string{skey[strings.LastIndex(skey, "+")+1:]},
		},
		{
			name:      "malformed witness key",
			c:         bundleCase{Bundle: validJSON, LogKey: log.vkey, WitnessKeys: []string{w1.vkey, "witness-2+zz"}},
			wantCode:  "invalid-key",
			wantInMsg: "witness key 2 is not valid",
		},
	}

	cases := make([]bundleCase, len(tests))
	for i, tt := range tests {
		cases[i] = tt.c
	}
	got := verifyBundles(t, ctx, cases)
	for i, tt := range tests {
		o := got[i]
		switch {
		case tt.wantCode == "" && !o.OK:
			t.Errorf("%s: refused, want verified: %v", tt.name, o)
		case tt.wantCode == "":
			var r bundleResult
			if err := json.Unmarshal(o.Value, &r); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(r.Unknown, w3.name) {
				t.Errorf("%s: unknown signers %q, want %s among them", tt.name, r.Unknown, w3.name)
			}
			if slices.Contains(r.Witnesses, w3.name) {
				t.Errorf("%s: witnesses %q include the unknown %s", tt.name, r.Witnesses, w3.name)
			}
		case o.OK:
			t.Errorf("%s: verified (%s), want refused with %s", tt.name, o.Value, tt.wantCode)
		default:
			if o.Name != "VerificationError" || o.Code != tt.wantCode || !strings.Contains(o.Message, tt.wantInMsg) {
				t.Errorf("%s: refused with %v\nwant VerificationError [%s] saying %q", tt.name, o, tt.wantCode, tt.wantInMsg)
			}
			for _, s := range append(tt.wantUnseen, valid.Checkpoint, base64.StdEncoding.EncodeToString(valid.Event)) {
				if s != "" && strings.Contains(o.Message, s) {
					t.Errorf("%s: the message repeats input it should not: %q", tt.name, o.Message)
				}
			}
			t.Logf("%s: %s", tt.name, o.Message)
		}
	}
}

// inclusionCase is one call of verifyInclusion.
type inclusionCase struct {
	Leaf   string   `json:"leaf"`
	Index  int64    `json:"index"`
	Size   int64    `json:"size"`
	Proof  []string `json:"proof"`
	Root   string   `json:"root"`
	BigInt bool     `json:"bigint"` // pass index and size as BigInts
	what   string
}

// testInclusionAgreesWithTlog runs verifyInclusion on random proofs of a
// tree and on mutations of them, and compares each verdict with
// tlog.CheckRecord's.
func testInclusionAgreesWithTlog(t *testing.T, ctx context.Context) {
	const maxSize, pairs = 300, 200
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := mathrand.New(mathrand.NewPCG(seed, 0x5eed))
	tr := newTree(t, maxSize)
	roots := make([]tlog.Hash, maxSize+1)
	for n := int64(1); n <= maxSize; n++ {
		roots[n] = tr.root(t, n)
	}
	b64 := func(data []byte) string { return base64.StdEncoding.EncodeToString(data) }
	encode := func(what string, leaf []byte, index, size int64, p tlog.RecordProof, root tlog.Hash) inclusionCase {
		hashes := make([]string, len(p))
		for i, h := range p {
			hashes[i] = b64(h[:])
		}
		return inclusionCase{Leaf: b64(leaf), Index: index, Size: size, Proof: hashes, Root: b64(root[:]), what: what}
	}

	var (
		cases []inclusionCase
		want  []string
	)
	add := func(what string, leaf []byte, index, size int64, p tlog.RecordProof, root tlog.Hash) {
		c := encode(what, leaf, index, size, p, root)
		c.BigInt = len(cases)%3 == 0
		cases = append(cases, c)
		switch {
		case index < 0 || index >= size:
			want = append(want, "not-in-tree")
		case tlog.CheckRecord(p, size, root, index, tlog.RecordHash(leaf)) == nil:
			want = append(want, "ok")
		default:
			want = append(want, "not-included")
		}
	}

	validOK := 0
	for i := range pairs {
		size := 1 + rng.Int64N(maxSize)
		index := rng.Int64N(size)
		if i < 8 { // the edges: the first and last leaves of small trees
			size, index = int64(1+i/2), int64(i/2)*int64(i%2)
		}
		leaf := tr.leaves[index]
		p := tr.proof(t, size, index)
		add(fmt.Sprintf("leaf %d of %d", index, size), leaf, index, size, p, roots[size])
		if want[len(want)-1] == "ok" {
			validOK++
		}

		// One mutation of each proof, in turn.
		what := fmt.Sprintf("leaf %d of %d, ", index, size)
		switch i % 11 {
		case 0:
			if len(p) == 0 {
				add(what+"leaf bit flipped", flipBit(leaf, rng.IntN(8*len(leaf))), index, size, p, roots[size])
				break
			}
			q := slices.Clone(p)
			k := rng.IntN(len(q))
			copy(q[k][:], flipBit(q[k][:], rng.IntN(256)))
			add(what+"proof bit flipped", leaf, index, size, q, roots[size])
		case 1:
			if len(p) == 0 {
				add(what+"extra hash", leaf, index, size, tlog.RecordProof{roots[size]}, roots[size])
				break
			}
			add(what+"last hash dropped", leaf, index, size, p[:len(p)-1], roots[size])
		case 2:
			add(what+"extra hash", leaf, index, size, append(slices.Clone(p), roots[size]), roots[size])
		case 3:
			other := (index + 1 + rng.Int64N(size)) % size
			add(what+fmt.Sprintf("claimed index %d", other), leaf, other, size, p, roots[size])
		case 4:
			bigger := min(size+1+rng.Int64N(3), maxSize)
			add(what+fmt.Sprintf("claimed size %d", bigger), leaf, index, bigger, p, roots[bigger])
		case 5:
			smaller := index + 1 + rng.Int64N(size-index)
			add(what+fmt.Sprintf("claimed size %d", smaller), leaf, index, smaller, p, roots[smaller])
		case 6:
			add(what+"another leaf", tr.leaves[(index+1)%maxSize], index, size, p, roots[size])
		case 7:
			add(what+"index = size", leaf, size, size, p, roots[size])
		case 8:
			r := roots[size]
			copy(r[:], flipBit(r[:], rng.IntN(256)))
			add(what+"root bit flipped", leaf, index, size, p, r)
		case 9:
			// The proof is too short for the claimed size, and leads to
			// the root it was made for.
			bigger := size + 1 + rng.Int64N(3)
			add(what+fmt.Sprintf("claimed size %d, same root", bigger), leaf, index, bigger, p, roots[size])
		case 10:
			// A hash above the root, and a root made to match it: the
			// proof is longer than the tree is deep.
			extra := tr.leafHash(rng.IntN(maxSize))
			add(what+"extra hash above the root", leaf, index, size, append(slices.Clone(p), extra), tlog.NodeHash(extra, roots[size]))
		}
	}
	if validOK != pairs {
		t.Fatalf("tlog.CheckRecord accepts %d of %d valid proofs", validOK, pairs)
	}

	start := time.Now()
	got := evalJS[[]string](t, ctx, `(async () => {
  const cases = `+jsonString(t, cases)+`;
  const out = [];
  for (const c of cases) {
    const index = c.bigint ? BigInt(c.index) : c.index;
    const size = c.bigint ? BigInt(c.size) : c.size;
    try {
      out.push(await verify.verifyInclusion(b64(c.leaf), index, size, c.proof.map(b64), b64(c.root)) === true ? 'ok' : 'not true');
    } catch (e) {
      out.push(String(e.code || e));
    }
  }
  return out;
})()`)
	if len(got) != len(cases) {
		t.Fatalf("%d results for %d cases", len(got), len(cases))
	}
	agree := 0
	for i := range cases {
		if got[i] != want[i] {
			t.Errorf("%s: verifyInclusion says %s, tlog.CheckRecord %s", cases[i].what, got[i], want[i])
			continue
		}
		agree++
	}
	counts := map[string]int{}
	for _, w := range want {
		counts[w]++
	}
	t.Logf("%d of %d verdicts agree (tlog: %v) in %v", agree, len(cases), counts, time.Since(start).Round(time.Millisecond))
}

// testParseCheckpoint compares parseCheckpoint with checkpoint.Parse on
// valid and malformed checkpoint bodies.
func testParseCheckpoint(t *testing.T, ctx context.Context) {
	const root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
	texts := []string{
		"docket.example.com/ledger\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n1\n" + root + "\n",
		"o\n9223372036854775807\n" + root + "\n",
		"o\n9007199254740993\n" + root + "\n", // 2^53+1: exact as a BigInt
		"Docket ledger + test #1\n20852163\n" + root + "\n",
		"o\n7\n" + root + "\ntimestamp 1700000000\n",
		"o\n7\n" + root + "\na\nb c \u2014 \u00fc\n",
		"",
		"o\n1\n" + root,
		"o\n1\n",
		"\n1\n" + root + "\n",
		" o\n1\n" + root + "\n",
		"o \n1\n" + root + "\n",
		"o\tx\n1\n" + root + "\n",
		"\u00fc\n1\n" + root + "\n",
		"o\r\n1\n" + root + "\n",
		"o\x7f\n1\n" + root + "\n",
		"o\n\n" + root + "\n",
		"o\n+1\n" + root + "\n",
		"o\n-1\n" + root + "\n",
		"o\n01\n" + root + "\n",
		"o\n00\n" + root + "\n",
		"o\n0x10\n" + root + "\n",
		"o\n 1\n" + root + "\n",
		"o\n1 \n" + root + "\n",
		"o\n\u0661\n" + root + "\n", // an Arabic-Indic digit
		"o\n9223372036854775808\n" + root + "\n",
		"o\n1\n\n",
		"o\n1\n!!!!\n",
		"o\n1\n" + strings.ReplaceAll(root, "/", "_") + "\n",
		"o\n1\n" + strings.TrimSuffix(root, "=") + "\n",
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n",
		"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n",
		"o\n1\n" + root + "\r\n",
		"o\n1\n" + root + "\n\n",
		"o\n1\n" + root + "\nok\nx\x01\n",
		"o\n1\n" + root + "\nok\nx\x7f\n",
		"\n\n\n",
		// Not compared: invalid UTF-8 ("\xff"), which a JavaScript string
		// cannot hold.
	}
	type parsed struct {
		Origin string `json:"origin"`
		Size   string `json:"size"`
		Root   string `json:"root"`
	}
	got := evalJS[[]outcome](t, ctx, `(async () => {
  const texts = `+jsonString(t, texts)+`;
  const out = [];
  for (const text of texts) {
    out.push(await attempt(() => {
      const c = verify.parseCheckpoint(text);
      if (typeof c.size !== 'bigint') {
        throw new Error('size is a ' + typeof c.size + ', not a bigint');
      }
      return {origin: c.origin, size: String(c.size), root: verify.encodeBase64(c.root)};
    }));
  }
  return out;
})()`)
	for i, text := range texts {
		o := got[i]
		c, err := checkpoint.Parse([]byte(text))
		if err != nil {
			// "checkpoint: malformed: size line: has a leading zero": the
			// JavaScript error names the same line.
			reason := strings.TrimPrefix(err.Error(), checkpoint.ErrMalformed.Error()+": ")
			field, _, _ := strings.Cut(reason, ":")
			if o.OK || o.Code != "malformed-checkpoint" || !strings.Contains(o.Message, field) {
				t.Errorf("parseCheckpoint(%q) = %v; checkpoint.Parse: %v", text, o, err)
			}
			continue
		}
		want := parsed{c.Origin, fmt.Sprint(c.Size), base64.StdEncoding.EncodeToString(c.Root[:])}
		var p parsed
		if o.OK {
			if err := json.Unmarshal(o.Value, &p); err != nil {
				t.Fatal(err)
			}
		}
		if !o.OK || p != want {
			t.Errorf("parseCheckpoint(%q) = %v, want %+v", text, o, want)
		}
	}
}

// testParseVerifierKey checks parseVerifierKey on the keys Go makes and
// on malformed keys, which Go refuses too.
func testParseVerifierKey(t *testing.T, ctx context.Context, keys ...testKey) {
	type parsedKey struct {
		Name      string `json:"name"`
		Hash      uint32 `json:"hash"`
		PublicKey string `json:"publicKey"`
	}
	keys = append(keys, newTestKey(t, "\u00fcnic\u00f6de.example/\u2014"))
	var (
		inputs []string
		want   []parsedKey
	)
	for _, k := range keys {
		_, key64, _ := strings.Cut(k.vkey[len(k.name)+1:], "+")
		raw, err := base64.StdEncoding.DecodeString(key64)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, k.vkey)
		want = append(want, parsedKey{k.name, k.verifier.KeyHash(), base64.StdEncoding.EncodeToString(raw[1:])})
	}
	valid := keys[0].vkey
	hash := valid[len(keys[0].name)+1 : len(keys[0].name)+9]
	data := valid[len(keys[0].name)+10:]
	skey, _, err := checkpoint.GenerateKey("w")
	if err != nil {
		t.Fatal(err)
	}
	rawKey, _ := base64.StdEncoding.DecodeString(data)
	bad := []struct {
		vkey      string
		wantInMsg string
	}{
		{"", "form"},
		{skey, "private"},
		{"name+" + hash, "form"},
		{"+" + hash + "+" + data, "name is empty"},
		{"a b+" + hash + "+" + data, "white space"},
		{"a\u00a0b+" + hash + "+" + data, "white space"},
		{"a\x01b+" + hash + "+" + data, "non-printable"},
		{"name+1234567+" + data, "hash"},
		{"name+1234567g+" + data, "hash"},
		{"name+" + hash + "+" + data[:len(data)-1], "base64"},
		{"name+" + hash + "+" + base64.StdEncoding.EncodeToString(append([]byte{2}, rawKey[1:]...)), "Ed25519"},
		{"name+" + hash + "+" + base64.StdEncoding.EncodeToString(rawKey[:32]), "33"},
		{"name+" + hash + "+", "Ed25519"},
	}
	for _, b := range bad {
		if _, err := checkpoint.NewVerifier(b.vkey); err == nil {
			t.Fatalf("checkpoint.NewVerifier accepts %q", b.vkey)
		}
		inputs = append(inputs, b.vkey)
	}

	got := evalJS[[]outcome](t, ctx, `(async () => {
  const keys = `+jsonString(t, inputs)+`;
  return Promise.all(keys.map((k) => attempt(() => {
    const key = verify.parseVerifierKey(k);
    return {name: key.name, hash: key.hash, publicKey: verify.encodeBase64(key.publicKey)};
  })));
})()`)
	for i, w := range want {
		var p parsedKey
		if got[i].OK {
			if err := json.Unmarshal(got[i].Value, &p); err != nil {
				t.Fatal(err)
			}
		}
		if !got[i].OK || p != w {
			t.Errorf("parseVerifierKey(%q) = %v, want %+v", inputs[i], got[i], w)
		}
	}
	for i, b := range bad {
		o := got[len(want)+i]
		if o.OK || o.Code != "invalid-key" || !strings.Contains(o.Message, b.wantInMsg) {
			t.Errorf("parseVerifierKey(%q) = %v, want an invalid-key error saying %q", b.vkey, o, b.wantInMsg)
		}
		if len(b.vkey) > 20 && strings.Contains(o.Message, b.vkey[len(b.vkey)-20:]) {
			t.Errorf("parseVerifierKey(%q): the message repeats the key: %q", b.vkey, o.Message)
		}
	}
}

// testVerifyNote checks verifyNote on a checkpoint signed by the log, a
// known and an unknown witness, and on malformed notes.
func testVerifyNote(t *testing.T, ctx context.Context, log, w1, w3 testKey) {
	tr := newTree(t, 5)
	msg := tr.checkpointNote(t, 5, log, w3, w1)
	text, _, _ := strings.Cut(msg, "\n\n")
	text += "\n"
	corrupt := strings.Replace(w1.vkey, fmt.Sprintf("+%08x+", w1.verifier.KeyHash()), fmt.Sprintf("+%08x+", w1.verifier.KeyHash()+1), 1)
	logSig := msg[strings.Index(msg, "\u2014 "+log.name):]
	logSig = logSig[:strings.Index(logSig, "\n")+1]
	many := text + "\n" + strings.Repeat(logSig, 101)
	// Go's note.Open counts only the first signature by a key: a second,
	// invalid one is not checked.
	duplicate := msg + flipSignatureBit(t, logSig, log.name)

	type call struct {
		Note string   `json:"note"`
		Keys []string `json:"keys"`
	}
	calls := []call{
		{msg, []string{log.vkey, w1.vkey}},
		{msg, []string{}},
		{duplicate, []string{log.vkey}},
		{msg, []string{log.vkey, corrupt}},
		{text, []string{log.vkey}},
		{strings.Replace(msg, "\u2014 ", "- ", 1), []string{log.vkey}},
		{strings.TrimSuffix(msg, "\n"), []string{log.vkey}},
		{strings.Replace(msg, "\n\n", "\n\x01\n\n", 1), []string{log.vkey}},
		{many, []string{log.vkey}},
		{flipSignatureBit(t, msg, w1.name), []string{log.vkey, w1.vkey}},
	}
	got := evalJS[[]outcome](t, ctx, `(async () => {
  const calls = `+jsonString(t, calls)+`;
  const out = [];
  for (const c of calls) {
    out.push(await attempt(() => verify.verifyNote(c.note, c.keys)));
  }
  return out;
})()`)

	type signer struct {
		Name string `json:"name"`
		Hash uint32 `json:"hash"`
	}
	type noteResult struct {
		Text     string   `json:"text"`
		Verified []signer `json:"verified"`
		Unknown  []string `json:"unknown"`
	}
	wantOK := []noteResult{
		{text, []signer{{log.name, log.verifier.KeyHash()}, {w1.name, w1.verifier.KeyHash()}}, []string{w3.name}},
		{text, []signer{}, []string{log.name, w3.name, w1.name}},
		{text, []signer{{log.name, log.verifier.KeyHash()}}, []string{w3.name, w1.name}},
	}
	for i, w := range wantOK {
		var r noteResult
		if got[i].OK {
			if err := json.Unmarshal(got[i].Value, &r); err != nil {
				t.Fatal(err)
			}
		}
		if !got[i].OK || !reflect.DeepEqual(r, w) {
			t.Errorf("verifyNote call %d = %v, want %+v", i, got[i], w)
		}
	}
	// Go's note.Open agrees on the duplicate signature.
	if n, err := note.Open([]byte(duplicate), note.VerifierList(log.verifier)); err != nil || len(n.Sigs) != 1 {
		t.Errorf("note.Open of a note with a duplicate signature: %v", err)
	}
	wantErr := []struct{ code, inMsg string }{
		{"invalid-key", "the key hash does not match the key"},
		{"malformed-note", "no blank line"},
		{"malformed-note", "signature line 1 does not start with"},
		{"malformed-note", "does not end with a newline"},
		{"malformed-note", "control character"},
		{"malformed-note", "101 signature lines, more than 100"},
		{"bad-signature", "the signature by the key " + w1.label() + " does not verify"},
	}
	for i, w := range wantErr {
		o := got[len(wantOK)+i]
		if o.OK || o.Code != w.code || !strings.Contains(o.Message, w.inMsg) {
			t.Errorf("verifyNote call %d = %v, want [%s] saying %q", len(wantOK)+i, o, w.code, w.inMsg)
		}
		if _, err := note.Open([]byte(calls[len(wantOK)+i].Note), note.VerifierList(log.verifier, w1.verifier)); err == nil && w.code != "invalid-key" {
			t.Errorf("verifyNote call %d: Go's note.Open accepts the note", len(wantOK)+i)
		}
	}
}

// testInWorker verifies a bundle in a module worker, where there is no
// document or window.
func testInWorker(t *testing.T, ctx context.Context, log, w1 testKey) {
	tr := newTree(t, 7)
	b := tr.bundle(t, 7, 3, tr.checkpointNote(t, 7, log, w1))
	c := bundleCase{Bundle: marshal(t, b), LogKey: log.vkey, WitnessKeys: []string{w1.vkey}, MinWitnesses: 1}
	o := evalJS[outcome](t, ctx, `new Promise((resolve, reject) => {
  const w = new Worker('/worker.js', {type: 'module'});
  w.onmessage = (e) => { w.terminate(); resolve(e.data); };
  w.onerror = (e) => { w.terminate(); reject(new Error('worker: ' + e.message)); };
  w.postMessage(`+jsonString(t, c)+`);
})`)
	if !o.OK {
		t.Fatalf("verifyBundle in a worker: %v", o)
	}
	var r bundleResult
	if err := json.Unmarshal(o.Value, &r); err != nil {
		t.Fatal(err)
	}
	if r.Sequence != 3 || r.TreeSize != 7 || !slices.Equal(r.Witnesses, []string{w1.name}) {
		t.Errorf("verifyBundle in a worker = %+v", r)
	}
}
