package model_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/docketledger/docket/projections/model"
)

// fill sets every field reachable from v to a non-zero value: one entry per
// map and slice, a value behind every pointer. A field added to
// SubjectState later is covered without editing this test.
func fill(t *testing.T, v reflect.Value, depth int) {
	if depth > 8 {
		t.Fatalf("type nests too deep at %s", v.Type())
	}
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint64:
		v.SetUint(7)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), depth+1)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(t, v.Index(0), depth+1)
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		e := reflect.New(v.Type().Elem()).Elem()
		fill(t, e, depth+1)
		v.SetMapIndex(reflect.ValueOf("k"), e)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(t, v.Field(i), depth+1)
		}
	default:
		t.Fatalf("fill: no rule for %s", v.Type())
	}
}

// shared reports the first pointer, map or slice array a and b have in
// common, walking them side by side.
func shared(a, b reflect.Value, path string) string {
	if a.Type() == reflect.TypeFor[time.Time]() {
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return ""
		}
		if a.Pointer() == b.Pointer() {
			return path
		}
		return shared(a.Elem(), b.Elem(), path)
	case reflect.Slice:
		if a.Len() > 0 && b.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
		for i := range min(a.Len(), b.Len()) {
			if p := shared(a.Index(i), b.Index(i), path+"[]"); p != "" {
				return p
			}
		}
	case reflect.Map:
		if a.IsNil() || b.IsNil() {
			return ""
		}
		if a.Pointer() == b.Pointer() {
			return path
		}
		for _, k := range a.MapKeys() {
			if bv := b.MapIndex(k); bv.IsValid() {
				if p := shared(a.MapIndex(k), bv, path+"[k]"); p != "" {
					return p
				}
			}
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
				return p
			}
		}
	}
	return ""
}

func TestCloneSharesNothing(t *testing.T) {
	var s model.SubjectState
	fill(t, reflect.ValueOf(&s).Elem(), 0)
	c := s.Clone()
	if !reflect.DeepEqual(&s, c) {
		t.Fatalf("clone differs from the original:\n%+v\n%+v", s, *c)
	}
	if p := shared(reflect.ValueOf(&s).Elem(), reflect.ValueOf(c).Elem(), "SubjectState"); p != "" {
		t.Fatalf("clone shares %s with the original", p)
	}
	u := s.UTC()
	if p := shared(reflect.ValueOf(&s).Elem(), reflect.ValueOf(u).Elem(), "SubjectState"); p != "" {
		t.Fatalf("UTC copy shares %s with the original", p)
	}
	if u.Consents["k"].GivenAt.Location() != time.UTC || !u.Consents["k"].GivenAt.Equal(*s.Consents["k"].GivenAt) {
		t.Fatalf("UTC copy: given_at %v, want %v in UTC", u.Consents["k"].GivenAt, s.Consents["k"].GivenAt)
	}
}
