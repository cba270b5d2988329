package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLatestFixed checks the "fixed" field of index/modules.json on OSV
// ranges: versions compare as semver (numerically, pre-releases before the
// release), only SEMVER ranges count, and a later re-introduction empties it.
func TestLatestFixed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ranges string
		want   string
	}{
		{"none", `[]`, ""},
		{"introduced only", `[{"type":"SEMVER","events":[{"introduced":"0"}]}]`, ""},
		{"one fix", `[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.3"}]}]`, "1.2.3"},
		{"numeric, not lexical", `[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.10.0"},{"introduced":"1.2.0"},{"fixed":"1.9.2"}]}]`, "1.10.0"},
		{"release after its pre-release", `[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"2.0.0-rc.10"},{"introduced":"2.0.0-rc.11"},{"fixed":"2.0.0"}]}]`, "2.0.0"},
		{"numeric pre-release identifiers", `[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"2.0.0-rc.2"},{"introduced":"2.0.0-rc.3"},{"fixed":"2.0.0-rc.10"}]}]`, "2.0.0-rc.10"},
		{"fixes over several ranges", `[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.9.0"}]},{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"1.0.5"}]}]`, "1.0.5"},
		{"re-introduced after the fix", `[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.4.0"},{"introduced":"1.5.0"}]}]`, ""},
		{"introduced before the fix", `[{"type":"SEMVER","events":[{"introduced":"1.5.0"},{"fixed":"1.20.0"}]}]`, "1.20.0"},
		{"go prefix tolerated", `[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"go1.21.9"},{"introduced":"1.22.0"},{"fixed":"1.22.2"}]}]`, "1.22.2"},
		{"other range types ignored", `[{"type":"GIT","events":[{"introduced":"0"},{"fixed":"9.9.9"}]},{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.1"}]}]`, "1.0.1"},
	} {
		var ranges []osvRange
		if err := json.Unmarshal([]byte(tc.ranges), &ranges); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := latestFixed(ranges); got != tc.want {
			t.Errorf("%s: latestFixed = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestValidVersion(t *testing.T) {
	for v, want := range map[string]bool{
		"v0.0.0-20261105234957-e22db6528018": true,
		"v1.2.3":                             true,
		"v1.2.3-rc.1":                        true,
		"":                                   false,
		"1.2.3":                              false,
		"v1.2.3+meta":                        false, // build metadata: not a module version
		"v1.2.3/../x":                        false,
		"v01.2.3":                            false,
		"v1.2.3-01":                          false,
		"latest":                             false,
	} {
		if got := validVersion(v); got != want {
			t.Errorf("validVersion(%q) = %v, want %v", v, got, want)
		}
	}
}

const (
	testVersion = "v0.0.0-20240301123456-0123456789ab"
	testTime    = "2024-03-01T12:34:56Z"
	// The go.sum hash of testZip(testVersion), as `go mod download` would
	// record it (golang.org/x/mod/sumdb/dirhash.Hash1).
	testSum = "h1:EPJuqtLlriN72kb+Y1piH6/RLlvG9fmrGd0bizlETVE="
)

var testEntries = map[string]string{
	"GO-2024-0001": `{"id":"GO-2024-0001","modified":"0001-01-01T00:00:00Z","aliases":["CVE-2024-0001"],` +
		`"affected":[{"package":{"name":"stdlib"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.21.9"},{"introduced":"1.22.0-0"},{"fixed":"1.22.2"}]}]}]}`,
	"GO-2024-0002": `{"id":"GO-2024-0002","modified":"0001-01-01T00:00:00Z",` +
		`"affected":[{"package":{"name":"example.com/a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.10.0"},{"introduced":"1.2.0"},{"fixed":"1.9.0"}]}]},` +
		`{"package":{"name":"example.com/b"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.3.0"},{"introduced":"0.4.0"}]}]}]}`,
}

// testZip is a module zip of golang.org/x/vulndb@version holding
// testEntries and a few files the database must not pick up.
func testZip(t *testing.T, version string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files := map[string]string{
		"go.mod":                         "module golang.org/x/vulndb\n",
		"data/osv/README.md":             "not an entry",
		"data/osv/sub/GO-2024-9999.json": "{}",
		"data/reports/GO-2024-0001.yaml": "id: GO-2024-0001\n",
	}
	for id, e := range testEntries {
		files["data/osv/"+id+".json"] = e
	}
	for _, name := range []string{"go.mod", "data/osv/README.md", "data/osv/GO-2024-0001.json",
		"data/osv/GO-2024-0002.json", "data/osv/sub/GO-2024-9999.json", "data/reports/GO-2024-0001.yaml"} {
		w, err := zw.Create(modulePath + "@" + version + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// checkDB checks the database written from testZip(testVersion).
func checkDB(t *testing.T, out string) {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for name, want := range map[string]string{
		"index/db.json": `{"modified":"` + testTime + `"}`,
		"index/modules.json": `[{"path":"example.com/a","vulns":[{"id":"GO-2024-0002","modified":"0001-01-01T00:00:00Z","fixed":"1.10.0"}]},` +
			`{"path":"example.com/b","vulns":[{"id":"GO-2024-0002","modified":"0001-01-01T00:00:00Z"}]},` +
			`{"path":"stdlib","vulns":[{"id":"GO-2024-0001","modified":"0001-01-01T00:00:00Z","fixed":"1.22.2"}]}]`,
		"index/vulns.json": `[{"id":"GO-2024-0001","modified":"0001-01-01T00:00:00Z","aliases":["CVE-2024-0001"]},` +
			`{"id":"GO-2024-0002","modified":"0001-01-01T00:00:00Z"}]`,
		"ID/GO-2024-0001.json": testEntries["GO-2024-0001"],
		"ID/GO-2024-0002.json": testEntries["GO-2024-0002"],
	} {
		if got := read(name); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	ids, _ := filepath.Glob(filepath.Join(out, "ID", "*"))
	if len(ids) != len(testEntries) {
		t.Errorf("ID/ holds %d files, want %d", len(ids), len(testEntries))
	}
	var st stamp
	if err := json.Unmarshal([]byte(read(stampFile)), &st); err != nil {
		t.Fatal(err)
	}
	if st.Version != testVersion || st.Sum != testSum || st.Entries != len(testEntries) {
		t.Errorf("stamp = %+v, want version %s, sum %s, %d entries", st, testVersion, testSum, len(testEntries))
	}
}

// TestZip builds the database from a local module zip: a wrong -sum is
// refused and writes nothing, the right one gives the expected database.
func TestZip(t *testing.T) {
	dir := t.TempDir()
	zipFile := filepath.Join(dir, "vulndb.zip")
	if err := os.WriteFile(zipFile, testZip(t, testVersion), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "db")
	wrong := "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	err := run(zipFile, "", wrong, "", "", out, time.Hour)
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") || !strings.Contains(err.Error(), testSum) {
		t.Fatalf("run with a wrong sum: err = %v, want a checksum mismatch naming %s", err, testSum)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("run with a wrong sum left %s behind (stat: %v)", out, err)
	}
	if err := run(zipFile, "", testSum, "", "", out, time.Hour); err != nil {
		t.Fatal(err)
	}
	checkDB(t, out)

	// A zip whose files are not all under golang.org/x/vulndb@VERSION/ is
	// not a module zip.
	in, outside := modulePath+"@"+testVersion+"/data/osv/GO-2024-0001.json", "elsewhere/GO-2024-0001.json"
	for _, names := range [][]string{{in, outside}, {outside, in}} {
		bad := filepath.Join(dir, "bad.zip")
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, name := range names {
			w, _ := zw.Create(name)
			w.Write([]byte(testEntries["GO-2024-0001"]))
		}
		zw.Close()
		if err := os.WriteFile(bad, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := run(bad, "", "", "", "", filepath.Join(dir, "db2"), time.Hour); err == nil {
			t.Errorf("run on a zip of %q: no error", names)
		}
	}
}

// TestDownload builds the database through a module proxy that does not
// serve @latest: the highest version of @v/list is taken, and a zip with
// the wrong sum is refused and not kept in the cache.
func TestDownload(t *testing.T) {
	zips := map[string][]byte{testVersion: testZip(t, testVersion)}
	older := []string{"v0.0.0-20231231235959-aaaaaaaaaaaa", "v0.0.0-20240229000000-bbbbbbbbbbbb"}
	for _, v := range older {
		zips[v] = testZip(t, v)
	}
	list := strings.Join([]string{older[0], testVersion, older[1]}, "\n") + "\n"
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, "/"+modulePath+"/@v/")
		switch {
		case ok && rest == "list":
			w.Write([]byte(list))
		case ok && strings.HasSuffix(rest, ".zip") && zips[strings.TrimSuffix(rest, ".zip")] != nil:
			w.Write(zips[strings.TrimSuffix(rest, ".zip")])
		default:
			http.NotFound(w, r)
		}
	}))
	defer proxy.Close()

	dir := t.TempDir()
	cache, out := filepath.Join(dir, "cache"), filepath.Join(dir, "db")
	err := run("", "latest", "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", proxy.URL, cache, out, time.Hour)
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("download with a wrong sum: err = %v, want a checksum mismatch", err)
	}
	if left, _ := filepath.Glob(filepath.Join(cache, "*")); len(left) != 0 {
		t.Fatalf("download with a wrong sum left %v in the cache", left)
	}
	if err := run("", "latest", testSum, proxy.URL, cache, out, time.Hour); err != nil {
		t.Fatal(err)
	}
	checkDB(t, out)
	if _, err := os.Stat(filepath.Join(cache, testVersion+".zip")); err != nil {
		t.Errorf("the zip is not in the cache: %v", err)
	}

	// A cached zip that does not match -sum is downloaded again.
	if err := os.WriteFile(filepath.Join(cache, testVersion+".zip"), zips[older[0]], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run("", testVersion, testSum, proxy.URL, cache, out, 0); err != nil {
		t.Fatalf("with a corrupt zip in the cache: %v", err)
	}
	checkDB(t, out)

	// A pinned version that the proxy does not have.
	err = run("", older[0]+"0", "", proxy.URL, cache, filepath.Join(dir, "db2"), time.Hour)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("download of a missing version: err = %v, want a 404", err)
	}
}
