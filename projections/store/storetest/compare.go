package storetest

import (
	"fmt"
	"reflect"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var timeType = reflect.TypeFor[time.Time]()

// equivalent are the rules by which a store's answer equals what a test
// wants: times compare with time.Time.Equal (the instant, not the
// location: cmp uses a type's Equal method), and a nil and an empty slice,
// map or []byte are equal.
var equivalent = cmpopts.EquateEmpty()

// diff is cmp.Diff (-want +got) under those rules: "" when they are equal.
func diff(want, got any) string { return cmp.Diff(want, got, equivalent) }

// notUTC lists the non-zero times in v whose location is not UTC: stores
// return every time in UTC, so that two stores give identical answers.
func notUTC(v any) []string {
	var out []string
	walkUTC("", reflect.ValueOf(v), &out)
	return out
}

func walkUTC(path string, v reflect.Value, out *[]string) {
	if !v.IsValid() {
		return
	}
	if v.Type() == timeType {
		if t := v.Interface().(time.Time); !t.IsZero() && t.Location() != time.UTC {
			*out = append(*out, fmt.Sprintf("%s: %s is in %s, not UTC", path, t.Format(time.RFC3339Nano), t.Location()))
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkUTC(path, v.Elem(), out)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walkUTC(path+"."+v.Type().Field(i).Name, v.Field(i), out)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkUTC(fmt.Sprintf("%s[%d]", path, i), v.Index(i), out)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			walkUTC(fmt.Sprintf("%s[%v]", path, k), v.MapIndex(k), out)
		}
	}
}
