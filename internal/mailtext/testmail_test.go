package mailtext_test

import (
	"bytes"
	"testing"

	"github.com/mailark/mailark/internal/mailtext"
	"github.com/mailark/mailark/internal/testmail"
)

// headerFields returns the raw values of the named fields of a message, in
// order, still folded: what addr_fields holds.
func headerFields(raw []byte) map[string][][]byte {
	header := raw
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		header = raw[:i+2]
	} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		header = raw[:i+1]
	}
	out := map[string][][]byte{}
	var name string
	for _, line := range bytes.SplitAfter(header, []byte("\n")) {
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') && name != "" {
			vs := out[name]
			vs[len(vs)-1] = append(vs[len(vs)-1], line...)
			continue
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			name = ""
			continue
		}
		name = string(bytes.ToLower(bytes.TrimSpace(k)))
		out[name] = append(out[name], append([]byte(nil), bytes.TrimLeft(v, " \t")...))
	}
	return out
}

// Where the address book reads more than the shared fixtures expect, on
// purpose: a readable name is better than the encoded word.
var testmailDeviations = map[string]map[string][]testmail.Addr{
	// Base64 with stray characters is decoded leniently ("!!!" skipped).
	"broken-base64": {"From": {{Name: "山田", Email: "hanako@example.jp"}}},
	// An unknown charset is guessed like raw bytes; here it is ASCII.
	"unknown-charset": {"From": {{Name: "Hanako", Email: "hanako@example.jp"}}},
}

// TestTestmailCharsets reads the shared charset fixtures (internal/testmail)
// and checks every address field against what they expect.
func TestTestmailCharsets(t *testing.T) {
	for _, f := range testmail.Charsets() {
		t.Run(f.Name, func(t *testing.T) {
			fields := headerFields(f.Raw)
			for field, want := range f.Want {
				if dev, ok := testmailDeviations[f.Name][field]; ok {
					want = dev
				}
				var got []mailtext.Address
				for _, v := range fields[lower(field)] {
					as, err := mailtext.ParseAddressList(v)
					if err != nil {
						t.Logf("%s: ParseAddressList(%q) error = %v", field, v, err)
					}
					got = append(got, as...)
				}
				if len(got) != len(want) {
					t.Errorf("%s = %+v, want %+v", field, got, want)
					continue
				}
				for i, w := range want {
					_, wantKey, _ := mailtext.NormalizeEmail(w.Email)
					if got[i].Name != w.Name || got[i].Key != wantKey {
						t.Errorf("%s[%d] = %q <%s>, want %q <%s>", field, i, got[i].Name, got[i].Email, w.Name, w.Email)
					}
				}
			}
		})
	}
}

// TestTestmailBroken runs the broken messages through extraction: no panic,
// and every address-shaped token of their address fields is in the book.
func TestTestmailBroken(t *testing.T) {
	for _, f := range append(testmail.Broken(), testmail.Charsets()...) {
		t.Run(f.Name, func(t *testing.T) {
			fields := headerFields(f.Raw)
			for _, name := range []string{"from", "to", "cc", "reply-to", "sender", "bcc"} {
				for _, v := range fields[name] {
					got, _ := mailtext.ParseAddressList(v)
					keys := map[string]bool{}
					for _, a := range got {
						keys[a.Key] = true
					}
					for _, tok := range rawTokens(v) {
						if _, k, _ := mailtext.NormalizeEmail(tok); !keys[k] {
							t.Errorf("%s: %q lost from %q", name, tok, v)
						}
					}
				}
			}
		})
	}
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }
