package console

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
)

// inProcess is an http.RoundTripper that serves a request with a handler in
// the same process: the console's API calls go through docketd's guarded
// API handler without a socket, a TLS client certificate or a port.
type inProcess struct{ h http.Handler }

// RoundTrip serves r and returns the handler's whole response.
func (p inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil {
		r.Body = http.NoBody
	}
	w := &responseBuffer{header: http.Header{}}
	p.h.ServeHTTP(w, r)
	if w.code == 0 {
		w.code = http.StatusOK
		w.sent = w.header.Clone()
	}
	return &http.Response{
		Status:        strconv.Itoa(w.code) + " " + http.StatusText(w.code),
		StatusCode:    w.code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.sent,
		Body:          io.NopCloser(bytes.NewReader(w.body.Bytes())),
		ContentLength: int64(w.body.Len()),
		Request:       r,
	}, nil
}

// responseBuffer is the http.ResponseWriter of an in-process call.
type responseBuffer struct {
	header http.Header
	sent   http.Header // the header as it was when the status was written
	code   int
	body   bytes.Buffer
}

func (w *responseBuffer) Header() http.Header { return w.header }

func (w *responseBuffer) WriteHeader(code int) {
	if w.code != 0 {
		return
	}
	w.code, w.sent = code, w.header.Clone()
}

func (w *responseBuffer) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}
