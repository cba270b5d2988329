package console

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"connectrpc.com/connect"
	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	eventsv1 "github.com/docketledger/docket/proto/gen/docket/events/v1"
)

// chartsData is the charts page's data.
type chartsData struct {
	Disclosures *chart
	Findings    *chart
	Withheld    uint64
}

// charts draws disclosures per month by recipient kind and findings per
// month by rule, as SVG the server renders, each with its numbers as a
// table for those who would rather read.
func (cs *Console) charts(w http.ResponseWriter, r *http.Request, s *session) error {
	var d chartsData
	v := view{Title: "Charts", Nav: "charts", S: s, Data: &d}
	if s.tenant != "" {
		resp, err := cs.api.query.GetStatistics(r.Context(), connect.NewRequest(&apiv1.GetStatisticsRequest{Tenant: s.tenant}))
		if err != nil {
			return err
		}
		d.Withheld = resp.Msg.GetWithheldConfidential()
		d.Disclosures = newChart("Disclosures per month by recipient kind", resp.Msg.GetDisclosuresByKind(), func(k string) string {
			return kindName(eventsv1.RecipientKind(eventsv1.RecipientKind_value[k]))
		})
		d.Findings = newChart("Findings per month by rule", resp.Msg.GetFindingsByRule(), func(k string) string { return k })
	}
	cs.render(w, http.StatusOK, "charts", v)
	return nil
}

// palette colours a chart's series: each has at least 4.5:1 contrast
// with the white background, so bars and legend swatches stay visible.
var palette = []string{"#0b5cad", "#b34700", "#1b7a3e", "#7b3fa0", "#a3123a", "#4d4d4d", "#00727a", "#8a6100"}

// chart is a stacked bar chart of counts per month and key.
type chart struct {
	Title         string
	Width, Height int
	Left, Bottom  int // the plot area's left edge and baseline
	Bars          []bar
	Legend        []series
	Ticks         []tick
	Months        []string
	Table         [][]uint64 // Table[month][series]
	Totals        []uint64   // per month
	Empty         bool
}

type series struct {
	Key, Label, Color string
	X, Y              int
}

type bar struct {
	X, W   float64
	Month  string
	Label  bool // the month is written under the bar
	Total  uint64
	Pieces []piece
}

type piece struct {
	Y, H  float64
	Color string
	Title string
}

type tick struct {
	Y     float64
	Label string
}

// newChart lays out counts as stacked bars, a month per bar (months with
// nothing between the first and the last included), a series per key.
func newChart(title string, counts []*apiv1.MonthlyCount, label func(string) string) *chart {
	c := &chart{Title: title, Width: 880, Height: 320, Left: 56, Bottom: 260}
	if len(counts) == 0 {
		c.Empty = true
		return c
	}
	var keys []string
	byMonth := map[string]map[string]uint64{}
	first, last := counts[0].GetMonth(), counts[0].GetMonth()
	for _, m := range counts {
		if !slices.Contains(keys, m.GetKey()) {
			keys = append(keys, m.GetKey())
		}
		if byMonth[m.GetMonth()] == nil {
			byMonth[m.GetMonth()] = map[string]uint64{}
		}
		byMonth[m.GetMonth()][m.GetKey()] += m.GetCount()
		first, last = min(first, m.GetMonth()), max(last, m.GetMonth())
	}
	slices.Sort(keys)
	c.Months = monthsBetween(first, last)
	// The legend: as many columns as the longest label lets fit.
	longest := 0
	for _, k := range keys {
		longest = max(longest, len(label(k)))
	}
	colW := 30 + longest*8
	cols := max(1, (c.Width-c.Left)/colW)
	for i, k := range keys {
		c.Legend = append(c.Legend, series{Key: k, Label: label(k), Color: palette[i%len(palette)],
			X: c.Left + (i%cols)*colW, Y: c.Bottom + 36 + (i/cols)*18})
	}
	if rows := (len(keys) + cols - 1) / cols; rows > 1 {
		c.Height += (rows - 1) * 18
	}
	var top uint64
	for _, m := range c.Months {
		row := make([]uint64, len(keys))
		var total uint64
		for i, k := range keys {
			row[i] = byMonth[m][k]
			total += row[i]
		}
		c.Table, c.Totals = append(c.Table, row), append(c.Totals, total)
		top = max(top, total)
	}
	scale, step := axis(top)
	plotW, plotH := float64(c.Width-c.Left-16), float64(c.Bottom-20)
	slot := plotW / float64(len(c.Months))
	every := int(math.Ceil(float64(len(c.Months)) / 12)) // at most 12 month labels
	for i, m := range c.Months {
		b := bar{X: float64(c.Left) + float64(i)*slot + slot*0.15, W: slot * 0.7, Month: m, Total: c.Totals[i], Label: i%every == 0}
		y := float64(c.Bottom)
		for j, n := range c.Table[i] {
			if n == 0 {
				continue
			}
			h := float64(n) / float64(scale) * plotH
			y -= h
			b.Pieces = append(b.Pieces, piece{Y: y, H: h, Color: c.Legend[j].Color,
				Title: m + ": " + strconv.FormatUint(n, 10) + " " + c.Legend[j].Label})
		}
		c.Bars = append(c.Bars, b)
	}
	for v := uint64(0); v <= scale; v += step {
		c.Ticks = append(c.Ticks, tick{Y: float64(c.Bottom) - float64(v)/float64(scale)*plotH, Label: strconv.FormatUint(v, 10)})
	}
	return c
}

// axis picks the y axis's top and tick step for a largest value: a step
// of 1, 2 or 5 times a power of ten, four to eight ticks.
func axis(top uint64) (scale, step uint64) {
	if top == 0 {
		return 1, 1
	}
	step = 1
	for top/step > 8 {
		switch s := step; {
		case isPow10(s):
			step = s * 2
		case isPow10(s / 2):
			step = s / 2 * 5
		default:
			step = s / 5 * 10
		}
	}
	return (top + step - 1) / step * step, step
}

func isPow10(n uint64) bool {
	for n >= 10 && n%10 == 0 {
		n /= 10
	}
	return n == 1
}

// monthsBetween lists the months "YYYY-MM" from first to last.
func monthsBetween(first, last string) []string {
	f, err1 := time.Parse("2006-01", first)
	l, err2 := time.Parse("2006-01", last)
	if err1 != nil || err2 != nil || l.Before(f) {
		return []string{first}
	}
	var out []string
	for m := f; !m.After(l) && len(out) < 1200; m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out
}
