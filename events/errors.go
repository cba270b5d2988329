package events

import (
	"errors"
	"strings"
)

// ErrInvalid is matched (errors.Is) by every *ValidationError.
var ErrInvalid = errors.New("invalid event")

// FieldError is one problem with one field. Field is a path such as
// "events[3].disclosure_made.recipient.kind"; Reason never holds a value the
// field had, since that could be personal data.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// ValidationError lists every problem found in one event or batch.
type ValidationError struct {
	Problems []*FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid event: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Prefixed returns a copy of e whose field paths start with prefix, e.g.
// "events[3]".
func (e *ValidationError) Prefixed(prefix string) *ValidationError {
	out := &ValidationError{Problems: make([]*FieldError, len(e.Problems))}
	for i, p := range e.Problems {
		out.Problems[i] = &FieldError{Field: prefix + "." + p.Field, Reason: p.Reason}
	}
	return out
}

// problems accumulates FieldErrors; err returns nil when there are none.
type problems struct{ list []*FieldError }

func (p *problems) add(field, reason string) {
	p.list = append(p.list, &FieldError{Field: field, Reason: reason})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: p.list}
}
