package storetest

import (
	"bytes"
	"fmt"
	"reflect"
	"time"
)

var timeType = reflect.TypeFor[time.Time]()

// diff lists the differences between want and got. Times compare with
// time.Time.Equal (the instant, not the location); a nil and an empty
// slice or map are equal, and so are a nil and an empty []byte.
func diff(want, got any) []string {
	var out []string
	walkDiff("", reflect.ValueOf(want), reflect.ValueOf(got), &out)
	return out
}

func walkDiff(path string, w, g reflect.Value, out *[]string) {
	if !w.IsValid() || !g.IsValid() {
		if w.IsValid() != g.IsValid() {
			*out = append(*out, fmt.Sprintf("%s: want %v, got %v", path, w, g))
		}
		return
	}
	if w.Type() == timeType {
		wt, gt := w.Interface().(time.Time), g.Interface().(time.Time)
		if !wt.Equal(gt) {
			*out = append(*out, fmt.Sprintf("%s: want %s, got %s", path, wt.Format(time.RFC3339Nano), gt.Format(time.RFC3339Nano)))
		}
		return
	}
	switch w.Kind() {
	case reflect.Pointer:
		switch {
		case w.IsNil() && g.IsNil():
		case w.IsNil() || g.IsNil():
			*out = append(*out, fmt.Sprintf("%s: want nil=%v, got nil=%v", path, w.IsNil(), g.IsNil()))
		default:
			walkDiff(path, w.Elem(), g.Elem(), out)
		}
	case reflect.Struct:
		for i := range w.NumField() {
			if !w.Type().Field(i).IsExported() {
				continue
			}
			walkDiff(path+"."+w.Type().Field(i).Name, w.Field(i), g.Field(i), out)
		}
	case reflect.Slice:
		if w.Type().Elem().Kind() == reflect.Uint8 {
			if !bytes.Equal(w.Bytes(), g.Bytes()) {
				*out = append(*out, fmt.Sprintf("%s: want %x, got %x", path, w.Bytes(), g.Bytes()))
			}
			return
		}
		if w.Len() != g.Len() {
			*out = append(*out, fmt.Sprintf("%s: want %d elements %v, got %d %v", path, w.Len(), w.Interface(), g.Len(), g.Interface()))
			return
		}
		for i := range w.Len() {
			walkDiff(fmt.Sprintf("%s[%d]", path, i), w.Index(i), g.Index(i), out)
		}
	case reflect.Map:
		if w.Len() != g.Len() {
			*out = append(*out, fmt.Sprintf("%s: want %d entries %v, got %d %v", path, w.Len(), w.Interface(), g.Len(), g.Interface()))
			return
		}
		for _, k := range w.MapKeys() {
			gv := g.MapIndex(k)
			if !gv.IsValid() {
				*out = append(*out, fmt.Sprintf("%s[%v]: missing", path, k))
				continue
			}
			walkDiff(fmt.Sprintf("%s[%v]", path, k), w.MapIndex(k), gv, out)
		}
	default:
		if !reflect.DeepEqual(w.Interface(), g.Interface()) {
			*out = append(*out, fmt.Sprintf("%s: want %#v, got %#v", path, w.Interface(), g.Interface()))
		}
	}
}

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
