package checkpoint_test

import (
	"fmt"
	"testing"

	"github.com/docketledger/docket/events/checkpoint"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// memTree is an RFC 6962 tree over leaves held in memory, built with tlog's
// stored-hash layout.
type memTree struct {
	leaves [][]byte
	hashes []tlog.Hash
}

// newMemTree builds the tree of leaves, in order.
func newMemTree(t testing.TB, leaves [][]byte) *memTree {
	t.Helper()
	m := &memTree{}
	for _, l := range leaves {
		m.append(t, l)
	}
	return m
}

// syntheticLeaves returns n distinct leaves that look like stored events.
func syntheticLeaves(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "sealed event %d \x00\x01\x02", i+1)
	}
	return out
}

func (m *memTree) append(t testing.TB, leaf []byte) {
	t.Helper()
	hs, err := tlog.StoredHashes(int64(len(m.leaves)), leaf, m.reader())
	if err != nil {
		t.Fatalf("StoredHashes: %v", err)
	}
	m.leaves = append(m.leaves, leaf)
	m.hashes = append(m.hashes, hs...)
}

func (m *memTree) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(m.hashes)) {
				return nil, fmt.Errorf("hash index %d out of range", x)
			}
			out[i] = m.hashes[x]
		}
		return out, nil
	})
}

// checkpoint is the tree's checkpoint at size n.
func (m *memTree) checkpoint(t testing.TB, origin string, n int64) checkpoint.Checkpoint {
	t.Helper()
	root, err := tlog.TreeHash(n, m.reader())
	if err != nil {
		t.Fatalf("TreeHash(%d): %v", n, err)
	}
	return checkpoint.Checkpoint{Origin: origin, Size: n, Root: root}
}

func (m *memTree) proveRecord(t testing.TB, size, idx int64) tlog.RecordProof {
	t.Helper()
	p, err := tlog.ProveRecord(size, idx, m.reader())
	if err != nil {
		t.Fatalf("ProveRecord(%d, %d): %v", size, idx, err)
	}
	return p
}

func (m *memTree) proveTree(t testing.TB, size, old int64) tlog.TreeProof {
	t.Helper()
	p, err := tlog.ProveTree(size, old, m.reader())
	if err != nil {
		t.Fatalf("ProveTree(%d, %d): %v", size, old, err)
	}
	return p
}

// keyPair is a generated note key with its signer and verifier.
type keyPair struct {
	skey, vkey string
	signer     note.Signer
	verifier   note.Verifier
}

func newKeyPair(t testing.TB, name string) keyPair {
	t.Helper()
	return makeKeyPair(t, name, checkpoint.GenerateKey, checkpoint.NewSigner)
}

// newWitnessKeyPair returns a witness's cosignature/v1 key pair.
func newWitnessKeyPair(t testing.TB, name string) keyPair {
	t.Helper()
	return makeKeyPair(t, name, checkpoint.GenerateWitnessKey, checkpoint.NewWitnessSigner)
}

// makeKeyPair generates a key pair of one kind and makes its signer and
// verifier.
func makeKeyPair(t testing.TB, name string, generate func(string) (string, string, error), newSigner func(string) (note.Signer, error)) keyPair {
	t.Helper()
	skey, vkey, err := generate(name)
	if err != nil {
		t.Fatalf("generating key %q: %v", name, err)
	}
	s, err := newSigner(skey)
	if err != nil {
		t.Fatalf("signer of key %q: %v", name, err)
	}
	v, err := checkpoint.NewVerifier(vkey)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return keyPair{skey: skey, vkey: vkey, signer: s, verifier: v}
}
