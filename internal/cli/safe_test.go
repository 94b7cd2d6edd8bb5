package cli

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestSafe(t *testing.T) {
	tests := []struct{ in, field, text string }{
		{"plain 取引先", "plain 取引先", "plain 取引先"},
		{"a\x1b[2Jb", `a\x1b[2Jb`, `a\x1b[2Jb`},
		{"bell\x07 del\x7f", `bell\x07 del\x7f`, `bell\x07 del\x7f`},
		{"c1\u009b31m", `c1\u009b31m`, `c1\u009b31m`},
		{"rtl\u202eexe.txt \u2066x\u2069", `rtl\u202eexe.txt \u2066x\u2069`, `rtl\u202eexe.txt \u2066x\u2069`},
		{"two\nlines\tand\r", `two\nlines\tand\r`, "two\nlines\tand\\r"},
		{"bad \xff\xfe utf-8", `bad \xff\xfe utf-8`, `bad \xff\xfe utf-8`},
	}
	for _, tt := range tests {
		if got := safe(tt.in); got != tt.field {
			t.Errorf("safe(%q) = %q, want %q", tt.in, got, tt.field)
		}
		if got := safeText(tt.in); got != tt.text {
			t.Errorf("safeText(%q) = %q, want %q", tt.in, got, tt.text)
		}
	}
}

func TestSafeWriterHoldsASplitRune(t *testing.T) {
	var out bytes.Buffer
	w := newSafeWriter(&out)
	in := []byte("名前\u009b\x1b!")
	for i := range in { // one byte at a time: every rune split
		w.Write(in[i : i+1])
	}
	w.Flush()
	if got, want := out.String(), `名前\u009b\x1b!`; got != want {
		t.Errorf("written %q, want %q", got, want)
	}
	out.Reset()
	w.Write([]byte("cut \xe5\x90"))
	w.Flush()
	if got, want := out.String(), `cut \xe5\x90`; got != want {
		t.Errorf("written %q, want %q", got, want)
	}
}

func TestSafeJSON(t *testing.T) {
	in := map[string]string{"name": "a\u009b\u202e\x1b\x7fb"}
	b, _ := json.Marshal(in)
	got := safeJSON(b)
	var back map[string]string
	if err := json.Unmarshal(got, &back); err != nil || back["name"] != in["name"] {
		t.Fatalf("safeJSON changed the meaning: %s -> %v %q", got, err, back)
	}
	if bytes.ContainsAny(got, "\u009b\u202e\x1b\x7f") {
		t.Errorf("safeJSON left a control: %q", got)
	}
}
