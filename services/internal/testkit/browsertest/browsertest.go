// Package browsertest runs end-to-end tests of the web console in a real
// browser: headless Chromium from Debian's packages (`make chromium` installs
// it), driven with chromedp.
//
// A test calls [New] for a browser tab, drives it with chromedp, and checks
// the page with [CheckContrast] and [CheckKeyboard]. [Screenshot] saves a PNG
// under [OutputDir] for a person to look at, and [Download] with
// [WaitForFile] reads back a file that the page offers for download.
//
//	ctx := browsertest.New(t)
//	browsertest.Do(t, ctx, chromedp.Navigate(srv.URL+"/console"))
//	browsertest.CheckContrast(t, ctx)
//	browsertest.CheckKeyboard(t, ctx)
//	browsertest.Screenshot(t, ctx, "console")
//
// chromedp v0.20 and later have a generic API: chromedp.Do(ctx, steps...)
// runs actions that return nothing, chromedp.Run(ctx, action) runs one action
// and returns its value (chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))),
// and query actions take typed selectors (chromedp.CSS("#id")); a plain
// string is a DOM search (CSS, XPath or text).
//
// Without Chromium a test is skipped, except when CI=true, where it fails.
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Timeout bounds the whole life of a browser that [New] starts: every
// chromedp call on its context fails after it, instead of hanging the test.
// A test's own deadline (go test -timeout) shortens it.
const Timeout = 3 * time.Minute

// Viewport is the window size of the browser.
const (
	ViewportWidth  = 1280
	ViewportHeight = 900
)

// FindChromium returns the Chromium binary: $DOCKET_CHROMIUM when set, else
// chromium on PATH, else /usr/bin/chromium. It returns "" when there is none.
func FindChromium() string {
	if p := os.Getenv("DOCKET_CHROMIUM"); p != "" {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
		return ""
	}
	if path, err := exec.LookPath("chromium"); err == nil {
		return path
	}
	if path, err := exec.LookPath("/usr/bin/chromium"); err == nil {
		return path
	}
	return ""
}

func inCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1"
}

// New starts a headless Chromium for the test and returns the context of its
// tab; pass it to chromedp.Do and chromedp.Run. The browser closes when the
// test ends. Its console messages are logged with t.Logf, and an uncaught
// JavaScript exception fails the test. The context ends after [Timeout].
//
// Without Chromium, New skips the test, or fails it when CI=true.
func New(t testing.TB) context.Context {
	t.Helper()
	bin := FindChromium()
	if bin == "" {
		msg := "browsertest: chromium not found ($DOCKET_CHROMIUM=" + os.Getenv("DOCKET_CHROMIUM") +
			", chromium on PATH, /usr/bin/chromium); install it with `make chromium`"
		if inCI() {
			t.Fatal(msg + " (CI=true: a skipped browser test is a failure)")
		}
		t.Skip(msg)
	}

	timeout := Timeout
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			// Leave the test binary time to report the failure.
			if left := time.Until(dl) - 10*time.Second; left > 0 && left < timeout {
				timeout = left
			}
		}
	}
	base, cancelBase := context.WithTimeout(context.Background(), timeout)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// The machines reach no network but package mirrors: without these,
		// Chromium's own background connections are refused by the dozen.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(ViewportWidth, ViewportHeight),
	)
	// The browser's goroutines report through t only while the test runs:
	// a t used after the test has completed panics.
	var mu sync.Mutex
	done := false
	report := func(f func()) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			f()
		}
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx,
		chromedp.WithLogf(func(format string, args ...any) {
			report(func() { t.Logf("chromedp: "+format, args...) })
		}),
		chromedp.WithErrorf(func(format string, args ...any) {
			report(func() { t.Logf("chromedp error: "+format, args...) })
		}),
	)

	// Closed in reverse order: the tab and the browser (waiting for the
	// process to exit), then the timeout. t.TempDir's own cleanup, registered
	// earlier, removes the profile after the browser is gone.
	t.Cleanup(func() {
		if err := chromedp.Cancel(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			t.Logf("browsertest: closing the browser: %v", err)
		}
		cancelTab()
		cancelAlloc()
		cancelBase()
	})

	start := time.Now()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: starting %s: %v", bin, err)
	}
	// Runs before the cleanup above (cleanups run last first).
	t.Cleanup(func() {
		mu.Lock()
		done = true
		mu.Unlock()
	})
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			report(func() { t.Logf("browser console.%s: %s", ev.Type, consoleArgs(ev.Args)) })
		case *runtime.EventExceptionThrown:
			report(func() {
				t.Errorf("browsertest: uncaught exception in the page: %s", exceptionText(ev.ExceptionDetails))
			})
		case *log.EventEntryAdded:
			// Browsers ask every server for /favicon.ico; its 404 is noise.
			if e := ev.Entry; e != nil && !strings.HasSuffix(e.URL, "/favicon.ico") {
				report(func() { t.Logf("browser log %s/%s: %s %s", e.Source, e.Level, e.Text, e.URL) })
			}
		}
	})
	if err != nil {
		t.Fatalf("browsertest: listening to the page: %v", err)
	}
	if v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{}); err == nil {
		t.Logf("browsertest: %s (%s) started in %v", v.Product, bin, time.Since(start).Round(time.Millisecond))
	}
	return ctx
}

// consoleArgs formats the arguments of a console API call as the console
// shows them, roughly.
func consoleArgs(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		if a == nil {
			continue
		}
		switch {
		case a.Type == runtime.RemoteObjectTypeString && len(a.Value) > 0:
			var s string
			if err := json.Unmarshal([]byte(a.Value), &s); err == nil {
				parts = append(parts, s)
				continue
			}
			parts = append(parts, string(a.Value))
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		case a.UnserializableValue != "":
			parts = append(parts, string(a.UnserializableValue))
		case a.Description != "":
			parts = append(parts, a.Description)
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "(no details)"
	}
	s := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		s += " " + d.Exception.Description
	} else if d.Exception != nil && len(d.Exception.Value) > 0 {
		s += " " + string(d.Exception.Value)
	}
	if d.URL != "" {
		s += fmt.Sprintf(" (%s:%d:%d)", d.URL, d.LineNumber+1, d.ColumnNumber+1)
	}
	return s
}

// Do runs chromedp actions on the tab and fails the test on an error.
func Do(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
}

// Text returns the visible text (innerText) of the first element that the CSS
// selector matches, waiting for it to be in the page; it fails the test on an
// error.
func Text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("browsertest: text of %q: %v", sel, err)
	}
	return s
}

// OutputDir returns the directory for the test's artefacts, such as
// screenshots, and creates it: $DOCKET_TEST_OUTPUT, else test-output in the
// repository root (the directory that holds go.work), then a subdirectory
// named after the test (t.Name() with / and other characters that are unsafe
// in file names replaced by _).
func OutputDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv("DOCKET_TEST_OUTPUT")
	if root == "" {
		root = filepath.Join(repoRoot(), "test-output")
	}
	dir := filepath.Join(root, sanitize(t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	return dir
}

// repoRoot walks up from the working directory to the directory that holds
// go.work. Without one it returns the system's temporary directory.
func repoRoot() string {
	wd, err := os.Getwd()
	if err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
				return dir
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return filepath.Join(os.TempDir(), "docket")
}

func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r < ' ', strings.ContainsRune(`/\:*?"<>|`, r):
			return '_'
		}
		return r
	}, name)
}

// Screenshot saves a full-page PNG of the tab as OutputDir(t)/<name>.png and
// logs its path.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(OutputDir(t), sanitize(strings.TrimSuffix(name, ".png"))+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("browsertest: %v", err)
		return
	}
	t.Logf("browsertest: screenshot %s", path)
}

// Download makes the browser save downloads in dir (created if missing),
// under the name that the server suggests (Content-Disposition), as Chrome's
// "allow" download behaviour does. A test then clicks a download link and
// calls [WaitForFile]. Use a new dir, such as t.TempDir(), for each download.
func Download(t testing.TB, ctx context.Context, dir string) {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err == nil {
		err = os.MkdirAll(abs, 0o755)
	}
	if err != nil {
		t.Fatalf("browsertest: %v", err)
		return
	}
	enabled := true
	params := browser.SetDownloadBehaviorParams{
		Behavior:      browser.SetDownloadBehaviorBehaviorAllow,
		DownloadPath:  abs,
		EventsEnabled: &enabled,
	}
	if c := chromedp.FromContext(ctx); c != nil {
		params.BrowserContextID = c.BrowserContextID
	}
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, params); err != nil {
		t.Fatalf("browsertest: setting the download directory: %v", err)
	}
}

// WaitForFile waits up to timeout for a download in dir to complete and
// returns its path. Chrome writes a download to a *.crdownload file and
// renames it when it is complete; a file counts as complete when it is not a
// *.crdownload file, no *.crdownload file is left in dir, and its size did not
// change since the previous look (every 50ms). With several complete files it
// returns the newest.
func WaitForFile(t testing.TB, dir string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	sizes := map[string]int64{}
	var names []string
	for {
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("browsertest: %v", err)
			return ""
		}
		names = names[:0]
		partial := false
		var newest string
		var newestTime time.Time
		for _, e := range entries {
			names = append(names, e.Name())
			if strings.HasSuffix(e.Name(), ".crdownload") {
				partial = true
				continue
			}
			info, err := e.Info()
			if err != nil || !info.Mode().IsRegular() {
				continue
			}
			prev, seen := sizes[e.Name()]
			sizes[e.Name()] = info.Size()
			if !seen || prev != info.Size() {
				continue
			}
			if newest == "" || info.ModTime().After(newestTime) {
				newest, newestTime = e.Name(), info.ModTime()
			}
		}
		if !partial && newest != "" {
			return filepath.Join(dir, newest)
		}
		if time.Now().After(deadline) {
			t.Fatalf("browsertest: no completed download in %s after %v (files: %q)", dir, timeout, names)
			return ""
		}
		time.Sleep(50 * time.Millisecond)
	}
}
