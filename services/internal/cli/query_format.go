package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	apiv1 "github.com/docketledger/docket/proto/gen/docket/api/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Output formats of the query commands.
const (
	formatTable = "table"
	formatJSON  = "json"
	formatCSV   = "csv"
)

func checkFormat(f string) error {
	switch f {
	case formatTable, formatJSON, formatCSV:
		return nil
	}
	return fmt.Errorf("--format: must be table, json or csv")
}

// printer writes rows in one format: table (aligned columns for people),
// json (one protojson object per line, proto field names) or csv (a header
// and RFC 4180 records).
type printer struct {
	format string
	w      io.Writer
	tw     *tabwriter.Writer
	cw     *csv.Writer
	header []string
	rows   int
}

func newPrinter(format string, w io.Writer, header ...string) *printer {
	return &printer{format: format, w: w, header: header}
}

// row prints one row: msg in json, cells otherwise.
func (p *printer) row(msg proto.Message, cells ...string) error {
	p.rows++
	switch p.format {
	case formatJSON:
		return writeJSONLine(p.w, msg)
	case formatCSV:
		if p.cw == nil {
			p.cw = csv.NewWriter(p.w)
			if err := p.cw.Write(p.header); err != nil {
				return err
			}
		}
		return p.cw.Write(cells)
	default:
		if p.tw == nil {
			p.tw = tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(p.tw, strings.ToUpper(strings.Join(p.header, "\t")))
		}
		for i, c := range cells {
			if c == "" {
				cells[i] = "-"
			}
			// A tab or newline in a cell would break the columns.
			cells[i] = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(cells[i])
		}
		_, err := fmt.Fprintln(p.tw, strings.Join(cells, "\t"))
		return err
	}
}

// flush ends the output; a table or csv with no rows still gets its header.
func (p *printer) flush() error {
	switch p.format {
	case formatCSV:
		if p.cw == nil {
			p.cw = csv.NewWriter(p.w)
			if err := p.cw.Write(p.header); err != nil {
				return err
			}
		}
		p.cw.Flush()
		return p.cw.Error()
	case formatTable:
		if p.tw == nil {
			p.tw = tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(p.tw, strings.ToUpper(strings.Join(p.header, "\t")))
		}
		return p.tw.Flush()
	}
	return nil
}

var lineJSON = protojson.MarshalOptions{UseProtoNames: true}

// writeJSONLine writes msg as one compact JSON line (protojson's own
// spacing is deliberately unstable).
func writeJSONLine(w io.Writer, msg proto.Message) error {
	b, err := lineJSON.Marshal(msg)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err = w.Write(buf.Bytes())
	return err
}

// cellTime renders a timestamp for a cell: RFC 3339 in UTC, "" when unset.
func cellTime(t *timestamppb.Timestamp) string {
	if t == nil {
		return ""
	}
	return t.AsTime().UTC().Format(time.RFC3339)
}

// cellTimeIn renders a time as RFC 3339 in the IANA zone tz, with its
// offset (a request's deadline, counted in the controller's zone); UTC
// when tz is empty or unknown to this build.
func cellTimeIn(t *timestamppb.Timestamp, tz string) string {
	if t == nil {
		return ""
	}
	loc := time.UTC
	if tz != "" {
		if l, err := time.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	return t.AsTime().In(loc).Format(time.RFC3339)
}

// requestOutcome is a request's outcome cell: "no data held" for an
// access request answered so (Art. 15: an answer, not a denial), before
// the outcome text if there is one.
func requestOutcome(r *apiv1.Request) string {
	if !r.GetNoDataHeld() {
		return r.GetOutcome()
	}
	if r.GetOutcome() == "" {
		return "no data held"
	}
	return "no data held; " + r.GetOutcome()
}

// cellEnum renders an enum value as its name without the type's prefix, in
// lower case ("LEGAL_BASIS_ART6_1_A_CONSENT" is "art6_1_a_consent"); ""
// for the zero value.
func cellEnum(e protoreflect.Enum) string {
	if e.Number() == 0 {
		return ""
	}
	v := e.Descriptor().Values().ByNumber(e.Number())
	if v == nil {
		return fmt.Sprint(int32(e.Number()))
	}
	return strings.ToLower(strings.TrimPrefix(string(v.Name()), enumPrefix(e.Descriptor())))
}

// enumPrefix is the prefix the values of an enum share: its zero value's
// name without "UNSPECIFIED".
func enumPrefix(d protoreflect.EnumDescriptor) string {
	return strings.TrimSuffix(string(d.Values().ByNumber(0).Name()), "UNSPECIFIED")
}

// parseEnum reads a flag naming an enum value by its short lower-case name
// (as cellEnum prints it) or its full name.
func parseEnum(d protoreflect.EnumDescriptor, s string) (protoreflect.EnumNumber, bool) {
	up := strings.ToUpper(s)
	for _, name := range []string{up, enumPrefix(d) + up} {
		if v := d.Values().ByName(protoreflect.Name(name)); v != nil && v.Number() != 0 {
			return v.Number(), true
		}
	}
	return 0, false
}

// enumNames lists an enum's short names for a usage message.
func enumNames(d protoreflect.EnumDescriptor) string {
	var names []string
	for i := 0; i < d.Values().Len(); i++ {
		if v := d.Values().Get(i); v.Number() != 0 {
			names = append(names, strings.ToLower(strings.TrimPrefix(string(v.Name()), enumPrefix(d))))
		}
	}
	return strings.Join(names, "|")
}

// cellCount renders a count or a sequence for a cell: "" for 0.
func cellCount[N ~int32 | ~uint32 | ~int64 | ~uint64](n N) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

func join(ss []string) string { return strings.Join(ss, ",") }

// shortType drops the package of an event type name.
func shortType(t string) string { return t[strings.LastIndexByte(t, '.')+1:] }
