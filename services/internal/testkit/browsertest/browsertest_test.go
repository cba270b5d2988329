package browsertest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fakeTB records the failures of a check instead of failing the test, so a
// test can show that a check fails on a bad page. Everything else (Logf,
// Cleanup, TempDir...) goes to the real test.
type fakeTB struct {
	testing.TB
	mu      sync.Mutex
	errors  []string
	fatals  []string
	skipped []string
}

func newFake(t testing.TB) *fakeTB { return &fakeTB{TB: t} }

func (f *fakeTB) Errorf(format string, args ...any) { f.Error(fmt.Sprintf(format, args...)) }
func (f *fakeTB) Error(args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprint(args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) { f.Fatal(fmt.Sprintf(format, args...)) }
func (f *fakeTB) Fatal(args ...any) {
	f.mu.Lock()
	f.fatals = append(f.fatals, fmt.Sprint(args...))
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fakeTB) Skip(args ...any) {
	f.mu.Lock()
	f.skipped = append(f.skipped, fmt.Sprint(args...))
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fakeTB) Skipf(format string, args ...any) { f.Skip(fmt.Sprintf(format, args...)) }
func (f *fakeTB) Fail()                            { f.Error("Fail") }
func (f *fakeTB) FailNow()                         { f.Fatal("FailNow") }
func (f *fakeTB) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.errors)+len(f.fatals) > 0
}

// run calls fn with the fake on a goroutine of its own, as Fatal and Skip end
// it with runtime.Goexit, and waits for it.
func (f *fakeTB) run(fn func(tb testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
}

func (f *fakeTB) failures() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(append([]string(nil), f.errors...), f.fatals...)
}

const goodPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Events</title>
<style>
  body { font: 16px/1.4 sans-serif; color: #222; background: #fff; margin: 0; }
  .skip { position: absolute; left: -9999px; top: 0; background: #000; color: #fff; padding: 8px; }
  .skip:focus { left: 8px; }
  header { background: #1a3d6d; color: #fff; padding: 8px; }
  header a { color: #fff; }
  .muted { color: #595959; }
  .panel { background: rgba(0, 0, 0, 0.05); padding: 4px; }
  .big { font-size: 24px; color: #8a8a8a; }
  button { background: #0b5ed7; color: #fff; border: 0; padding: 6px 12px; }
  button:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
  .card:focus-visible { outline: none; box-shadow: 0 0 0 3px #1a3d6d; }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; color: #eee; }
  .hero { background-image: linear-gradient(#eee, #ddd); color: #ccc; }
</style></head>
<body>
  <a class="skip" href="#main">Skip to main content</a>
  <header><nav><a href="/ledger">Ledger</a> <a href="/events">Events</a></nav></header>
  <main id="main">
    <h1>Events</h1>
    <p class="muted">Muted but readable text.</p>
    <div class="panel"><p>Text on a translucent panel.</p></div>
    <p class="big">Large grey text (3:1 is enough)</p>
    <span class="sr-only">Visually hidden label</span>
    <div class="hero">Text on a gradient is not checked</div>
    <div style="display: none; color: #eee">Hidden</div>
    <label>Search <input type="search" value="abc"></label>
    <label>Kind <select><option>Deposit</option><option>Withdrawal</option></select></label>
    <label>From <input type="date" value="2025-03-01"></label>
    <label>At <input type="datetime-local" value="2025-03-01T10:00"></label>
    <textarea aria-label="Notes">notes</textarea>
    <details><summary>More</summary><p style="color: #eee">Inside closed details</p></details>
    <fieldset><legend>Currency</legend>
      <label><input type="radio" name="cur" checked> EUR</label>
      <label><input type="radio" name="cur"> USD</label>
    </fieldset>
    <div class="card" tabindex="0">A focusable card</div>
    <div onclick="void 0">A div with onclick is not interactive</div>
    <button type="button">Save</button>
    <button type="button" disabled style="color: #aaa">Disabled</button>
  </main>
  <script>console.log("fixture loaded", 42)</script>
</body></html>`

const lowContrastPage = `<!doctype html><html lang="en"><head><title>Low</title></head>
<body style="background:#fff;color:#000">
  <main id="main">
    <p>Readable text.</p>
    <p style="color:#777;background:#888">Low contrast text that is long enough</p>
  </main>
</body></html>`

// Each keyboard page below has exactly one problem.
const noOutlinePage = `<!doctype html><html lang="en"><head><title>Outline</title></head>
<body>
  <a href="#main">Skip to main content</a>
  <main id="main">
    <a href="/ok">A link with the default focus ring</a>
    <button style="outline:none">No focus style</button>
  </main>
</body></html>`

const noSkipLinkPage = `<!doctype html><html lang="en"><head><title>No skip</title></head>
<body>
  <nav><a href="/home">Home</a></nav>
  <main id="main"><button>Go</button></main>
</body></html>`

const unreachablePage = `<!doctype html><html lang="en"><head><title>Unreachable</title></head>
<body>
  <a href="#main">Skip to main content</a>
  <main id="main">
    <button>Reachable</button>
    <button tabindex="-1">Not reachable by keyboard</button>
    <div onclick="void 0">A div with onclick does not count</div>
  </main>
</body></html>`

const positiveTabindexPage = `<!doctype html><html lang="en"><head><title>Tabindex</title></head>
<body>
  <a href="#main">Skip to main content</a>
  <main id="main"><button>One</button><input aria-label="two" tabindex="2"></main>
</body></html>`

const throwingPage = `<!doctype html><html lang="en"><head><title>Throws</title></head>
<body><main id="main">x</main><script>throw new Error("boom from the page")</script></body></html>`

func fixtures(t *testing.T) *httptest.Server {
	t.Helper()
	pages := map[string]string{
		"/good":        goodPage,
		"/low":         lowContrastPage,
		"/nooutline":   noOutlinePage,
		"/noskip":      noSkipLinkPage,
		"/unreachable": unreachablePage,
		"/tabindex":    positiveTabindexPage,
		"/throws":      throwingPage,
		"/download":    `<!doctype html><html lang="en"><head><title>Download</title></head><body><main id="main"><a id="dl" href="/report.csv">Download CSV</a></main></body></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/report.csv" {
			w.Header().Set("Content-Type", "text/csv")
			w.Header().Set("Content-Disposition", `attachment; filename="report.csv"`)
			fmt.Fprint(w, reportCSV)
			return
		}
		page, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	t.Cleanup(srv.Close)
	return srv
}

const reportCSV = "id,amount\n1,10.00\n2,-3.50\n"

func TestChecks(t *testing.T) {
	srv := fixtures(t)
	ctx := New(t)

	check := func(t *testing.T, path string, fn func(testing.TB)) []string {
		t.Helper()
		Do(t, ctx, chromedp.Navigate(srv.URL+path))
		f := newFake(t)
		f.run(fn)
		return f.failures()
	}
	contrast := func(tb testing.TB) { CheckContrast(tb, ctx) }
	keyboard := func(tb testing.TB) { CheckKeyboard(tb, ctx) }
	wantOne := func(t *testing.T, got []string, want ...string) {
		t.Helper()
		if len(got) != 1 {
			t.Fatalf("got %d failures, want 1: %q", len(got), got)
		}
		for _, w := range want {
			if !strings.Contains(got[0], w) {
				t.Errorf("failure %q does not mention %q", got[0], w)
			}
		}
	}

	t.Run("good page passes", func(t *testing.T) {
		Do(t, ctx, chromedp.Navigate(srv.URL+"/good"))
		CheckContrast(t, ctx)
		CheckKeyboard(t, ctx)
		// The checks can run again: CheckKeyboard leaves the page usable.
		CheckKeyboard(t, ctx)
	})
	t.Run("low contrast", func(t *testing.T) {
		wantOne(t, check(t, "/low", contrast), "contrast", "Low contrast text", "#777777 on #888888", "needs 4.5:1")
	})
	t.Run("no focus indicator", func(t *testing.T) {
		wantOne(t, check(t, "/nooutline", keyboard), "no visible focus indicator", "No focus style")
	})
	t.Run("no skip link", func(t *testing.T) {
		wantOne(t, check(t, "/noskip", keyboard), "skip link", "Home")
	})
	t.Run("unreachable", func(t *testing.T) {
		wantOne(t, check(t, "/unreachable", keyboard), "never reached", "Not reachable by keyboard", "tabindex=-1")
	})
	t.Run("positive tabindex", func(t *testing.T) {
		got := check(t, "/tabindex", keyboard)
		if !strings.Contains(strings.Join(got, "\n"), "positive tabindex") {
			t.Errorf("no positive tabindex failure in %q", got)
		}
	})
	t.Run("good page has no keyboard failure with a fake", func(t *testing.T) {
		if got := check(t, "/good", keyboard); len(got) > 0 {
			t.Errorf("failures: %q", got)
		}
	})
}

func TestUncaughtExceptionFails(t *testing.T) {
	srv := fixtures(t)
	if FindChromium() == "" {
		New(t) // skips, or fails with CI=true
	}
	f := newFake(t)
	f.run(func(tb testing.TB) {
		fctx := New(tb)
		Do(tb, fctx, chromedp.Navigate(srv.URL+"/throws"))
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !f.Failed(); {
			time.Sleep(20 * time.Millisecond)
		}
	})
	got := strings.Join(f.failures(), "\n")
	if !strings.Contains(got, "uncaught exception") || !strings.Contains(got, "boom from the page") {
		t.Errorf("failures %q, want an uncaught exception", got)
	}
}

func TestScreenshot(t *testing.T) {
	srv := fixtures(t)
	ctx := New(t)
	Do(t, ctx, chromedp.Navigate(srv.URL+"/good"))
	Screenshot(t, ctx, "good page")
	path := filepath.Join(OutputDir(t), "good page.png")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("%s is not a PNG: % x", path, b[:min(8, len(b))])
	}
	if len(b) < 1000 {
		t.Errorf("%s has only %d bytes", path, len(b))
	}
}

func TestDownload(t *testing.T) {
	srv := fixtures(t)
	ctx := New(t)
	dir := t.TempDir()
	Download(t, ctx, dir)
	Do(t, ctx, chromedp.Navigate(srv.URL+"/download"), chromedp.Click(chromedp.CSS("#dl")))
	path := WaitForFile(t, dir, 30*time.Second)
	if filepath.Base(path) != "report.csv" {
		t.Errorf("downloaded %s, want report.csv (the suggested name)", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != reportCSV {
		t.Errorf("downloaded %q, want %q", b, reportCSV)
	}
	if got := Text(t, ctx, "#dl"); got != "Download CSV" {
		t.Errorf("Text(#dl) = %q", got)
	}
}

func TestWaitForFileIgnoresPartialDownloads(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	partial := filepath.Join(dir, "Unconfirmed 1.crdownload")
	if err := os.WriteFile(partial, []byte("y"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFake(t)
	f.run(func(tb testing.TB) { WaitForFile(tb, dir, 300*time.Millisecond) })
	if got := f.failures(); len(got) != 1 || !strings.Contains(got[0], "no completed download") {
		t.Fatalf("with a .crdownload file: %q", got)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		os.Remove(partial)
	}()
	if got := WaitForFile(t, dir, 5*time.Second); filepath.Base(got) != "a.csv" {
		t.Errorf("WaitForFile = %s", got)
	}
}

func TestOutputDir(t *testing.T) {
	root := t.TempDir()
	t.Setenv("DOCKET_TEST_OUTPUT", root)
	t.Run("sub/name:x", func(t *testing.T) {
		dir := OutputDir(t)
		if want := filepath.Join(root, "TestOutputDir_sub_name_x"); dir != want {
			t.Errorf("OutputDir = %s, want %s", dir, want)
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Errorf("not created: %v", err)
		}
	})
	t.Setenv("DOCKET_TEST_OUTPUT", "")
	if dir, want := OutputDir(t), filepath.Join(repoRoot(), "test-output", "TestOutputDir"); dir != want {
		t.Errorf("OutputDir = %s, want %s", dir, want)
	}
	if _, err := os.Stat(filepath.Join(repoRoot(), "go.work")); err != nil {
		t.Errorf("repo root %s has no go.work: %v", repoRoot(), err)
	}
}

func TestNewWithoutChromium(t *testing.T) {
	t.Setenv("DOCKET_CHROMIUM", "/nonexistent/chromium")
	t.Setenv("CI", "")
	f := newFake(t)
	f.run(func(tb testing.TB) { New(tb) })
	if len(f.skipped) != 1 || !strings.Contains(f.skipped[0], "chromium not found") || len(f.failures()) > 0 {
		t.Errorf("without CI: skipped %q, failures %q; want a skip", f.skipped, f.failures())
	}

	t.Setenv("CI", "true")
	f = newFake(t)
	f.run(func(tb testing.TB) { New(tb) })
	if len(f.fatals) != 1 || !strings.Contains(f.fatals[0], "CI=true") || len(f.skipped) > 0 {
		t.Errorf("with CI=true: skipped %q, fatals %q; want a failure", f.skipped, f.fatals)
	}
}
