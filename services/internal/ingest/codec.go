package ingest

import (
	"errors"
	"regexp"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// JSONCodec is the API's JSON codec: protojson, with decoding errors that
// keep their position but never quote the input, which can hold personal
// data. Pass it to handlers with connect.WithCodec.
type JSONCodec struct{}

var _ connect.Codec = JSONCodec{}

// Name is the codec's Connect name.
func (JSONCodec) Name() string { return "json" }

// Marshal encodes a response.
func (JSONCodec) Marshal(m any) ([]byte, error) {
	msg, ok := m.(proto.Message)
	if !ok {
		return nil, errors.New("json codec: not a proto message")
	}
	return protojson.Marshal(msg)
}

// Unmarshal decodes a request; unknown fields are refused.
func (JSONCodec) Unmarshal(data []byte, m any) error {
	msg, ok := m.(proto.Message)
	if !ok {
		return errors.New("json codec: not a proto message")
	}
	if err := protojson.Unmarshal(data, msg); err != nil {
		return errors.New(RedactDecodeError(err, string(msg.ProtoReflect().Descriptor().FullName())))
	}
	return nil
}

var decodePos = regexp.MustCompile(`\(line (\d+):(\d+)\)`)

// RedactDecodeError describes a protojson error by position only: the
// error's own text can quote the offending value.
func RedactDecodeError(err error, want string) string {
	if m := decodePos.FindStringSubmatch(err.Error()); m != nil {
		return "not a valid " + want + " in JSON (problem at line " + m[1] + ", column " + m[2] + ")"
	}
	return "not a valid " + want + " in JSON"
}
