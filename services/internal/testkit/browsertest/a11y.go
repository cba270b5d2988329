package browsertest

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

//go:embed contrast.js
var contrastJS string

//go:embed keyboard.js
var keyboardJS string

// maxTabStops bounds the Tab presses of CheckKeyboard.
const maxTabStops = 500

// maxListed bounds the lines of one failure message.
const maxListed = 50

type contrastFailure struct {
	Desc     string  `json:"desc"`
	Text     string  `json:"text"`
	FG       string  `json:"fg"`
	BG       string  `json:"bg"`
	Ratio    float64 `json:"ratio"`
	Required float64 `json:"required"`
	Large    bool    `json:"large"`
	Size     float64 `json:"size"`
	Weight   int     `json:"weight"`
}

type contrastReport struct {
	Checked  int               `json:"checked"`
	Skipped  int               `json:"skipped"`
	Failures []contrastFailure `json:"failures"`
}

// CheckContrast fails the test (t.Errorf) for each visible text on the current
// page whose WCAG 2.x contrast ratio against its background is below 4.5:1,
// or 3:1 for large text (at least 24px, or 18.66px bold). It checks every
// element with a non-whitespace text node of its own, and inputs, buttons,
// selects, textareas and links with text. The background is that of the
// element and its ancestors, semi-transparent ones composited over what is
// below, over the white of the root. Hidden, visually hidden (sr-only),
// off-screen and disabled elements are not checked, nor those on a
// background image or gradient. See contrast.js.
func CheckContrast(t testing.TB, ctx context.Context) {
	t.Helper()
	r, err := chromedp.Run(ctx, chromedp.Evaluate[contrastReport](contrastJS))
	if err != nil {
		t.Fatalf("browsertest: contrast check: %v", err)
		return
	}
	t.Logf("contrast: checked %d text elements (%d skipped on a background image)", r.Checked, r.Skipped)
	if len(r.Failures) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "contrast: %d text element(s) below the WCAG AA contrast ratio:", len(r.Failures))
	for i, f := range r.Failures {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  … and %d more", len(r.Failures)-i)
			break
		}
		size := "normal"
		if f.Large {
			size = "large"
		}
		fmt.Fprintf(&b, "\n  %s %q: %s on %s = %.2f:1, needs %.1f:1 (%s text, %gpx, weight %d)",
			f.Desc, f.Text, f.FG, f.BG, f.Ratio, f.Required, size, f.Size, f.Weight)
	}
	t.Errorf("%s", b.String())
}

type tabStep struct {
	Stop    int    `json:"stop"`
	Desc    string `json:"desc"`
	Repeat  bool   `json:"repeat"`
	First   bool   `json:"first"`
	Outside bool   `json:"outside"`
}

type keyboardReport struct {
	Stops            []string `json:"stops"`
	NoIndicator      []string `json:"noIndicator"`
	Unreached        []string `json:"unreached"`
	PositiveTabindex []string `json:"positiveTabindex"`
	SkipLink         string   `json:"skipLink"`
	SkipProblem      string   `json:"skipProblem"`
}

// CheckKeyboard checks keyboard navigation on the current page. From the top
// of the page it presses Tab (real key events) and records the focused
// element after each press until the focus comes round to the first tab stop
// again (or maxTabStops presses). It fails the test (t.Errorf) when
//
//   - a visible, enabled interactive element (a[href], button, input other
//     than hidden, select, textarea, summary, an element with tabindex ≥ 0)
//     is never reached; of a group of radio buttons, one is enough;
//   - a tab stop shows no visible focus indicator: comparing its computed
//     styles focused and unfocused, neither a visible outline, nor a box
//     shadow, nor its border or background, nor its ::before/::after, nor
//     its parent's outline, box shadow, border or background (a
//     :focus-within style) changes;
//   - the first tab stop is not a skip link: an a[href="#id"] whose target
//     is the <main> element (or role=main);
//   - an element has a positive tabindex;
//   - the focus comes back to an element other than the first tab stop (a
//     focus trap).
//
// The check leaves the focus nowhere (blurred). See keyboard.js.
func CheckKeyboard(t testing.TB, ctx context.Context) {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](keyboardJS+"; window.__docketKeyboard.start()"))
	if err != nil || !ok {
		t.Fatalf("browsertest: keyboard check: cannot put the focus at the top of the page: %v", err)
		return
	}
	var trap string
	cycled := false
	outside := 0
	for range maxTabStops {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatalf("browsertest: keyboard check: pressing Tab: %v", err)
			return
		}
		st, err := chromedp.Run(ctx, chromedp.Evaluate[tabStep]("window.__docketKeyboard.step()"))
		if err != nil {
			t.Fatalf("browsertest: keyboard check: %v", err)
			return
		}
		if st.Outside {
			// After the last tab stop the focus leaves the page (to the
			// browser), and the next Tab brings it back to the first.
			if outside++; outside > 2 {
				break
			}
			continue
		}
		outside = 0
		if st.Repeat {
			if st.First {
				cycled = true
			} else {
				trap = st.Desc
			}
			break
		}
	}
	r, err := chromedp.Run(ctx, chromedp.Evaluate[keyboardReport]("window.__docketKeyboard.finish()"))
	if err != nil {
		t.Fatalf("browsertest: keyboard check: %v", err)
		return
	}
	t.Logf("keyboard: %d tab stops: %s", len(r.Stops), list(r.Stops, ", "))

	if trap != "" {
		t.Errorf("keyboard: focus trap: Tab came back to %s, not to the first tab stop", trap)
	} else if !cycled && outside <= 2 && len(r.Stops) > 0 {
		t.Errorf("keyboard: the tab order did not come round within %d Tab presses", maxTabStops)
	}
	if r.SkipProblem != "" {
		t.Errorf("keyboard: no skip link to the main content as the first tab stop: %s", r.SkipProblem)
	}
	if len(r.Unreached) > 0 {
		t.Errorf("keyboard: %d interactive element(s) never reached with Tab:\n  %s", len(r.Unreached), list(r.Unreached, "\n  "))
	}
	if len(r.NoIndicator) > 0 {
		t.Errorf("keyboard: %d tab stop(s) with no visible focus indicator (no outline, box-shadow, border or background change on focus):\n  %s",
			len(r.NoIndicator), list(r.NoIndicator, "\n  "))
	}
	if len(r.PositiveTabindex) > 0 {
		t.Errorf("keyboard: %d element(s) with a positive tabindex, which reorders the tab order:\n  %s",
			len(r.PositiveTabindex), list(r.PositiveTabindex, "\n  "))
	}
}

func list(items []string, sep string) string {
	if len(items) > maxListed {
		return strings.Join(items[:maxListed], sep) + fmt.Sprintf("%s… and %d more", sep, len(items)-maxListed)
	}
	return strings.Join(items, sep)
}
