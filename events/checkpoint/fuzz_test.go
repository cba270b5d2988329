package checkpoint_test

import (
	"errors"
	"testing"

	"github.com/docketledger/docket/events/checkpoint"
)

func FuzzParseCheckpoint(f *testing.F) {
	for _, seed := range []string{
		"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n9223372036854775807\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\next\n",
		"o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
		"",
		"\n\n\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		c, err := checkpoint.Parse(text)
		if err != nil {
			if !errors.Is(err, checkpoint.ErrMalformed) {
				t.Fatalf("Parse error %v does not wrap ErrMalformed", err)
			}
			return
		}
		again, err := checkpoint.Parse([]byte(c.Text()))
		if err != nil {
			t.Fatalf("Parse(%q) accepted, but Parse(Text()) = %v", text, err)
		}
		if again != c {
			t.Fatalf("Parse(Text()) = %+v, want %+v", again, c)
		}
	})
}
