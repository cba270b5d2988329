// Command vulndb builds a Go vulnerability database that govulncheck can
// read from a file:// URL, out of the golang.org/x/vulndb module as served
// by the Go module proxy. It is for machines that reach the module proxy but
// not vuln.go.dev.
//
//	GOWORK=off go -C .ci/vulndb run . -out $PWD/.tools/vulndb [-version v0.0.0-...] [-sum h1:...]
//	GOWORK=off go -C .ci/vulndb run . -out $PWD/.tools/vulndb -zip $PWD/vulndb.zip
//	govulncheck -db file://$PWD/.tools/vulndb ./...
//
// The output follows the v1 schema of the Go Vulnerability Database API
// (https://go.dev/security/vuln/database#api), in the plain-JSON form that
// govulncheck's file:// source reads (it appends ".json" to each endpoint;
// only http(s) sources read ".json.gz"):
//
//	index/db.json       {"modified": time}
//	index/modules.json  [{"path", "vulns": [{"id", "modified", "fixed"}]}]
//	index/vulns.json    [{"id", "modified", "aliases"}]
//	ID/GO-YYYY-NNNN.json  the OSV entries, copied unchanged from data/osv
//
// The index is computed as x/vulndb's internal/database does (and as
// govulncheck's own client does for a directory of OSV files): "fixed" is
// the latest fixed version in the module's SEMVER ranges, no "v" prefix,
// and empty if the vulnerability is re-introduced after it. govulncheck only
// fetches an entry when the module version in use is below "fixed" (or
// "fixed" is empty), so this field must be right.
//
// The OSV files in x/vulndb carry a zero "modified" time (vuln.go.dev fills
// it in from the git history, which a module zip does not have), so the
// index keeps those times and index/db.json's "modified" is the time of the
// x/vulndb snapshot (the pseudo-version's timestamp), which is what
// govulncheck prints as "DB updated".
//
// Without -zip the module zip is downloaded from the http(s) entries of
// $GOPROXY (or "go env GOPROXY"; default https://proxy.golang.org) into
// -cache; -version picks the version (default: latest). -sum checks the zip
// against its go.sum hash ("h1:..."), so a pinned version is also pinned
// content. The output is replaced atomically; a run is skipped when -out
// already holds a database built from the same request that is younger than
// -max-age.
//
// It is a module of its own, outside go.work (hence GOWORK=off; go -C makes
// relative paths relative to .ci/vulndb), whose one dependency is
// golang.org/x/mod: semver orders versions, dirhash computes the go.sum hash,
// module reads pseudo-versions and zip checks the module zip.
package main

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

const (
	modulePath = "golang.org/x/vulndb"
	osvDir     = "data/osv/"
	stampFile  = ".vulndb-stamp.json"
	// format is bumped whenever this program's output changes, so that an
	// up-to-date check does not keep a database written by an older version.
	format = 1
)

var (
	idRE = regexp.MustCompile(`^GO-[0-9]{4}-[0-9]{4,}$`)
)

func main() {
	var (
		zipFile = flag.String("zip", "", "module zip of "+modulePath+" to use instead of downloading one")
		version = flag.String("version", "latest", "version of "+modulePath+" to download (a pinned version, or latest)")
		sum     = flag.String("sum", "", "expected go.sum hash (h1:...) of the module zip; empty: not checked")
		proxy   = flag.String("proxy", "", "module proxy URL (default: the http(s) entries of $GOPROXY or go env GOPROXY, else https://proxy.golang.org)")
		cache   = flag.String("cache", "", "directory to keep downloaded zips in (default: <user cache dir>/docket-vulndb)")
		out     = flag.String("out", "", "database directory to write (required)")
		maxAge  = flag.Duration("max-age", 24*time.Hour, "keep an existing database built from the same request if younger than this; 0: always rebuild")
	)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: vulndb -out DIR [-zip FILE | -version V [-sum h1:...]]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *out == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*zipFile, *version, *sum, *proxy, *cache, *out, *maxAge); err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
}

// stamp records what a database directory was built from.
type stamp struct {
	Format    int       `json:"format"`
	Request   string    `json:"request"` // the -version or -zip asked for
	Version   string    `json:"version"` // the x/vulndb version it holds
	Sum       string    `json:"sum"`     // go.sum hash of the module zip
	Generated time.Time `json:"generated"`
	Entries   int       `json:"entries"`
}

func run(zipFile, version, wantSum, proxy, cache, out string, maxAge time.Duration) error {
	request := "version " + version
	if zipFile != "" {
		abs, err := filepath.Abs(zipFile)
		if err != nil {
			return err
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return err
		}
		request = fmt.Sprintf("zip %s %d %s", abs, fi.Size(), fi.ModTime().UTC().Format(time.RFC3339Nano))
	}
	if wantSum != "" {
		request += " " + wantSum
	}
	if old, ok := readStamp(out); ok && maxAge > 0 && old.Format == format && old.Request == request &&
		time.Since(old.Generated) < maxAge && time.Since(old.Generated) >= 0 {
		fmt.Printf("vulndb: %s is up to date (%s %s, %d entries, built %s)\n",
			out, modulePath, old.Version, old.Entries, old.Generated.Format(time.RFC3339))
		return nil
	}

	if zipFile == "" {
		var err error
		if zipFile, version, err = download(proxy, cache, version, wantSum); err != nil {
			return err
		}
	} else {
		version = ""
	}

	gotSum, err := dirhash.HashZip(zipFile, dirhash.Hash1)
	if err != nil {
		return fmt.Errorf("%s: %v", zipFile, err)
	}
	if wantSum != "" && gotSum != wantSum {
		return fmt.Errorf("%s: checksum mismatch: got %s, want %s", zipFile, gotSum, wantSum)
	}
	zr, err := zip.OpenReader(zipFile)
	if err != nil {
		return err
	}
	defer zr.Close()
	zipVersion, err := moduleVersion(&zr.Reader)
	if err != nil {
		return fmt.Errorf("%s: %v", zipFile, err)
	}
	if version != "" && zipVersion != version {
		return fmt.Errorf("%s holds %s@%s, want %s", zipFile, modulePath, zipVersion, version)
	}
	// Every file under golang.org/x/vulndb@VERSION/, clean names, sizes
	// within the module proxy's limits.
	if _, err := modzip.CheckZip(module.Version{Path: modulePath, Version: zipVersion}, zipFile); err != nil {
		return fmt.Errorf("%s: %v", zipFile, err)
	}
	db, err := build(&zr.Reader, modulePath+"@"+zipVersion+"/"+osvDir)
	if err != nil {
		return fmt.Errorf("%s: %v", zipFile, err)
	}
	// db.json: the snapshot time, if the version is a pseudo-version.
	if t, err := module.PseudoVersionTime(zipVersion); err == nil && t.After(db.modified) {
		db.modified = t
	}
	st := stamp{Format: format, Request: request, Version: zipVersion, Sum: gotSum,
		Generated: time.Now().UTC().Truncate(time.Second), Entries: len(db.entries)}
	if err := db.write(out, st); err != nil {
		return err
	}
	fmt.Printf("vulndb: wrote %s from %s@%s (%s): %d entries, %d modules, modified %s\n",
		out, modulePath, zipVersion, gotSum, len(db.entries), len(db.modules), db.modified.Format(time.RFC3339))
	return nil
}

func readStamp(dir string) (stamp, bool) {
	var st stamp
	b, err := os.ReadFile(filepath.Join(dir, stampFile))
	if err != nil || json.Unmarshal(b, &st) != nil {
		return st, false
	}
	// Only trust the stamp if the database itself is there.
	for _, f := range []string{"index/db.json", "index/modules.json", "index/vulns.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return st, false
		}
	}
	return st, true
}

// --- Download -----------------------------------------------------------

var client = &http.Client{Timeout: 5 * time.Minute}

// proxies returns the module proxies to try, in order.
func proxies(flagProxy string) []string {
	if flagProxy != "" {
		return []string{strings.TrimRight(flagProxy, "/")}
	}
	env, ok := os.LookupEnv("GOPROXY")
	if !ok {
		// Set with `go env -w`, or the go command's default.
		if b, err := exec.Command("go", "env", "GOPROXY").Output(); err == nil {
			env = strings.TrimSpace(string(b))
		}
	}
	var list []string
	for _, p := range strings.FieldsFunc(env, func(r rune) bool { return r == ',' || r == '|' }) {
		p = strings.TrimSpace(p)
		if p == "off" {
			break // no proxy after this one may be used
		}
		if strings.HasPrefix(p, "https://") || strings.HasPrefix(p, "http://") {
			list = append(list, strings.TrimRight(p, "/"))
		}
	}
	if len(list) == 0 && !strings.HasPrefix(strings.TrimSpace(env), "off") {
		list = []string{"https://proxy.golang.org"}
	}
	return list
}

// download fetches the module zip of the requested version into the cache
// directory (unless it is there already, with the right checksum) and
// returns its file name and the resolved version.
func download(flagProxy, cache, version, wantSum string) (string, string, error) {
	if cache == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return "", "", fmt.Errorf("no -cache and no user cache dir: %v", err)
		}
		cache = filepath.Join(dir, "docket-vulndb")
	}
	list := proxies(flagProxy)
	if len(list) == 0 {
		return "", "", errors.New("GOPROXY=off: pass -proxy or -zip")
	}
	var errs []error
	for _, p := range list {
		v := version
		if v == "" || v == "latest" {
			var err error
			if v, err = latest(p); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		if !validVersion(v) {
			return "", "", fmt.Errorf("invalid version %q", v)
		}
		file := filepath.Join(cache, v+".zip")
		if _, err := os.Stat(file); err == nil {
			if wantSum == "" || zipSum(file) == wantSum {
				return file, v, nil
			}
		}
		if err := fetchZip(p+"/"+modulePath+"/@v/"+v+".zip", file, wantSum); err != nil {
			errs = append(errs, err)
			continue
		}
		pruneCache(cache, file)
		return file, v, nil
	}
	return "", "", fmt.Errorf("downloading %s@%s: %w", modulePath, version, errors.Join(errs...))
}

func get(url string, limit int64) ([]byte, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", redact(url), resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, limit))
}

// latest resolves @latest; a proxy that does not serve @latest for
// modules without tags gets the highest version from @v/list instead.
func latest(proxy string) (string, error) {
	b, err := get(proxy+"/"+modulePath+"/@latest", 1<<20)
	if err == nil {
		var info struct{ Version string }
		if err := json.Unmarshal(b, &info); err == nil && validVersion(info.Version) {
			return info.Version, nil
		}
	}
	b, err2 := get(proxy+"/"+modulePath+"/@v/list", 1<<20)
	if err2 != nil {
		return "", errors.Join(err, err2)
	}
	best := ""
	for _, v := range strings.Fields(string(b)) {
		if validVersion(v) && (best == "" || semver.Compare(v, best) > 0) {
			best = v
		}
	}
	if best == "" {
		return "", fmt.Errorf("%s: no version of %s found", redact(proxy), modulePath)
	}
	return best, nil
}

func fetchZip(url, file, wantSum string) (err error) {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", redact(url), resp.Status)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".download-*")
	if err != nil {
		return err
	}
	defer func() {
		tmp.Close()
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, modzip.MaxZipFile+1))
	if err != nil {
		return fmt.Errorf("GET %s: %v", redact(url), err)
	}
	if n > modzip.MaxZipFile {
		return fmt.Errorf("GET %s: zip larger than %d bytes", redact(url), modzip.MaxZipFile)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if wantSum != "" {
		if got := zipSum(tmp.Name()); got != wantSum {
			return fmt.Errorf("GET %s: checksum mismatch: got %s, want %s", redact(url), got, wantSum)
		}
	}
	return os.Rename(tmp.Name(), file)
}

// pruneCache removes the zips of other versions, so the cache holds one.
func pruneCache(dir, keep string) {
	old, _ := filepath.Glob(filepath.Join(dir, "*.zip"))
	for _, f := range old {
		if f != keep {
			os.Remove(f)
		}
	}
}

func redact(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.Index(u[i+3:], "@"); j >= 0 && !strings.Contains(u[i+3:i+3+j], "/") {
			return u[:i+3] + "…@" + u[i+3+j+1:]
		}
	}
	return u
}

func validVersion(v string) bool {
	return semver.IsValid(v) && semver.Build(v) == "" // no "+build": not a module version
}

// zipSum is the go.sum hash ("h1:...") of a module zip, or an error text
// that matches no hash.
func zipSum(file string) string {
	s, err := dirhash.HashZip(file, dirhash.Hash1)
	if err != nil {
		return "error: " + err.Error()
	}
	return s
}

// --- Database ----------------------------------------------------------

// entry is the part of an OSV entry that the index needs. The entry itself
// is written out as it came.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases"`
	Affected []struct {
		Module struct {
			Path string `json:"name"`
		} `json:"package"`
		Ranges []osvRange `json:"ranges"`
	} `json:"affected"`
}

type osvRange struct {
	Type   string `json:"type"`
	Events []struct {
		Introduced string `json:"introduced"`
		Fixed      string `json:"fixed"`
	} `json:"events"`
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Fixed    string    `json:"fixed,omitempty"`
}

type moduleIndex struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

type vuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
}

type database struct {
	modified time.Time
	modules  map[string]*moduleIndex
	vulns    []vuln
	entries  map[string][]byte // ID -> OSV JSON
}

func moduleVersion(z *zip.Reader) (string, error) {
	// The first file names it; zip.CheckZip checks all the others.
	if len(z.File) > 0 {
		if rest, ok := strings.CutPrefix(z.File[0].Name, modulePath+"@"); ok {
			if v, _, ok := strings.Cut(rest, "/"); ok && validVersion(v) {
				return v, nil
			}
		}
	}
	return "", fmt.Errorf("not a module zip of %s", modulePath)
}

func build(z *zip.Reader, dir string) (*database, error) {
	db := &database{modules: map[string]*moduleIndex{}, entries: map[string][]byte{}}
	for _, f := range z.File {
		name, ok := strings.CutPrefix(f.Name, dir)
		if !ok || strings.Contains(name, "/") || path.Ext(name) != ".json" {
			continue
		}
		r, err := f.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f.Name, err)
		}
		var e entry
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fmt.Errorf("%s: %v", f.Name, err)
		}
		if !idRE.MatchString(e.ID) || name != e.ID+".json" {
			return nil, fmt.Errorf("%s: OSV entries must be named <ID>.json with an ID GO-YYYY-NNNN, got id %q", f.Name, e.ID)
		}
		if _, dup := db.entries[e.ID]; dup {
			return nil, fmt.Errorf("%s: id %s appears twice", f.Name, e.ID)
		}
		if len(e.Affected) == 0 {
			return nil, fmt.Errorf("%s: no affected modules", f.Name)
		}
		db.entries[e.ID] = b
		if e.Modified.After(db.modified) {
			db.modified = e.Modified
		}
		db.vulns = append(db.vulns, vuln{ID: e.ID, Modified: e.Modified, Aliases: e.Aliases})
		for _, a := range e.Affected {
			if a.Module.Path == "" {
				return nil, fmt.Errorf("%s: affected entry without a module path", f.Name)
			}
			m := db.modules[a.Module.Path]
			if m == nil {
				m = &moduleIndex{Path: a.Module.Path, Vulns: []moduleVuln{}}
				db.modules[a.Module.Path] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: e.Modified, Fixed: latestFixed(a.Ranges)})
		}
	}
	if len(db.entries) == 0 {
		return nil, fmt.Errorf("no OSV entries under %s", dir)
	}
	if db.modules["stdlib"] == nil {
		return nil, errors.New(`no entries for the standard library ("stdlib"): not a Go vulnerability database?`)
	}
	return db, nil
}

// latestFixed is x/vulndb's osvutils.LatestFixed (govulncheck's
// semver.NonSupersededFix): the latest fixed version of the SEMVER ranges,
// or "" if the vulnerability is re-introduced after it.
func latestFixed(ranges []osvRange) string {
	var fixed string
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed != "" && osvLess(fixed, e.Fixed) {
				fixed = e.Fixed
			}
		}
		for _, e := range r.Events {
			if e.Introduced != "" && e.Introduced != "0" && osvLess(fixed, e.Introduced) {
				fixed = ""
				break
			}
		}
	}
	return fixed
}

// osvLess compares OSV versions, which have no "v" prefix ("go" for
// toolchain versions is tolerated, as govulncheck does).
func osvLess(a, b string) bool {
	canon := func(s string) string {
		s = strings.TrimPrefix(s, "v")
		s = strings.TrimPrefix(s, "go")
		return "v" + s
	}
	return semver.Compare(canon(a), canon(b)) < 0
}

func (db *database) write(out string, st stamp) (err error) {
	out = filepath.Clean(out)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".new-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	for _, d := range []string{"index", "ID"} {
		if err := os.Mkdir(filepath.Join(tmp, d), 0o755); err != nil {
			return err
		}
	}
	modules := make([]*moduleIndex, 0, len(db.modules))
	for _, m := range db.modules {
		slices.SortFunc(m.Vulns, func(a, b moduleVuln) int { return strings.Compare(a.ID, b.ID) })
		modules = append(modules, m)
	}
	slices.SortFunc(modules, func(a, b *moduleIndex) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(db.vulns, func(a, b vuln) int { return strings.Compare(a.ID, b.ID) })
	for name, v := range map[string]any{
		"index/db.json": struct {
			Modified time.Time `json:"modified"`
		}{db.modified.UTC()},
		"index/modules.json": modules,
		"index/vulns.json":   db.vulns,
		stampFile:            st,
	} {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, name), b, 0o644); err != nil {
			return err
		}
	}
	for id, b := range db.entries {
		if err := os.WriteFile(filepath.Join(tmp, "ID", id+".json"), b, 0o644); err != nil {
			return err
		}
	}
	// Swap the new database in; govulncheck never sees a half-written one.
	old := ""
	if _, err := os.Stat(out); err == nil {
		old = tmp + ".old"
		if err := os.Rename(out, old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		if old != "" {
			os.Rename(old, out)
		}
		return err
	}
	if old != "" {
		os.RemoveAll(old)
	}
	// Leftovers of interrupted runs (not of one running now).
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".new-*"))
	for _, s := range stale {
		if fi, err := os.Stat(s); err == nil && time.Since(fi.ModTime()) > time.Hour {
			os.RemoveAll(s)
		}
	}
	return nil
}
