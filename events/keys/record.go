package keys

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A stored record is one of (all integers big-endian):
//
//	wrapped key: 0x01 (format) 0x01 (kind) | version uint32 | len(KEKID) uint8 | KEKID | ciphertext (rest)
//	tombstone:   0x01 (format) 0x02 (kind) | erased uint64
//
// erased is the stream sequence (KV revision) of the wrapped key the
// tombstone replaced, 0 if none: a Shred interrupted after writing the
// tombstone finishes erasing that message when run again. The format byte
// lets a later layout coexist with this one.
const (
	recordFormatV1 = 0x01

	recordKindWrapped   = 0x01
	recordKindTombstone = 0x02

	maxKEKIDLen = 255
)

func encodeTombstone(erased uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{recordFormatV1, recordKindTombstone}, erased)
}

func encodeWrapped(w Wrapped) []byte {
	b := make([]byte, 0, 2+4+1+len(w.KEKID)+len(w.Ciphertext))
	b = append(b, recordFormatV1, recordKindWrapped)
	b = binary.BigEndian.AppendUint32(b, w.Version)
	b = append(b, byte(len(w.KEKID)))
	b = append(b, w.KEKID...)
	return append(b, w.Ciphertext...)
}

var errBadRecord = errors.New("keys: malformed stored key record")

// record is a decoded stored value: a wrapped key, or a tombstone.
type record struct {
	w        Wrapped
	shredded bool
	erased   uint64 // tombstone only
}

func decodeRecord(b []byte) (record, error) {
	if len(b) < 2 {
		return record{}, fmt.Errorf("%w: %d bytes", errBadRecord, len(b))
	}
	if b[0] != recordFormatV1 {
		return record{}, fmt.Errorf("%w: unknown format %d", errBadRecord, b[0])
	}
	switch b[1] {
	case recordKindTombstone:
		if len(b) != 2+8 {
			return record{}, fmt.Errorf("%w: tombstone of %d bytes", errBadRecord, len(b))
		}
		return record{shredded: true, erased: binary.BigEndian.Uint64(b[2:])}, nil
	case recordKindWrapped:
		b = b[2:]
		if len(b) < 5 {
			return record{}, fmt.Errorf("%w: truncated", errBadRecord)
		}
		var w Wrapped
		w.Version = binary.BigEndian.Uint32(b)
		n := int(b[4])
		b = b[5:]
		if len(b) < n {
			return record{}, fmt.Errorf("%w: truncated KEK id", errBadRecord)
		}
		w.KEKID = string(b[:n])
		w.Ciphertext = append([]byte(nil), b[n:]...)
		if err := w.validate(); err != nil {
			return record{}, fmt.Errorf("%w: %w", errBadRecord, err)
		}
		return record{w: w}, nil
	default:
		return record{}, fmt.Errorf("%w: unknown kind %d", errBadRecord, b[1])
	}
}
