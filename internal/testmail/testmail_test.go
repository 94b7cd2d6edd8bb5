package testmail_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	_ "github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"

	"github.com/mailark/mailark/internal/testmail"
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

func TestNames(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range append(testmail.Charsets(), testmail.Broken()...) {
		if !nameRE.MatchString(f.Name) {
			t.Errorf("fixture name %q, want lower-case letters, digits, . _ -", f.Name)
		}
		if seen[f.Name] {
			t.Errorf("fixture name %q used twice", f.Name)
		}
		seen[f.Name] = true
	}
}

// goMessage decodes f's Want fields and Subject with go-message alone.
func goMessage(f testmail.Fixture) (map[string][]testmail.Addr, string, error) {
	r, err := mail.CreateReader(bytes.NewReader(f.Raw))
	if err != nil {
		return nil, "", err
	}
	got := map[string][]testmail.Addr{}
	var errs []error
	for key := range f.Want {
		list, err := r.Header.AddressList(key)
		errs = append(errs, err)
		got[key] = []testmail.Addr{}
		for _, a := range list {
			got[key] = append(got[key], testmail.Addr{Name: a.Name, Email: a.Address})
		}
	}
	subject, err := r.Header.Subject()
	return got, subject, errors.Join(append(errs, err)...)
}

func TestCharsets(t *testing.T) {
	for _, f := range testmail.Charsets() {
		t.Run(f.Name, func(t *testing.T) {
			if bytes.Contains(bytes.ReplaceAll(f.Raw, []byte("\r\n"), nil), []byte("\n")) {
				t.Error("Raw has bare LF")
			}
			if len(f.Want["From"]) != 1 {
				t.Errorf("Want[From] = %v, want one address", f.Want["From"])
			}
			if f.Hard && f.Note == "" {
				t.Error("Hard fixture without a Note")
			}
			got, subject, err := goMessage(f)
			same := err == nil && subject == f.Subject && fmt.Sprint(got) == fmt.Sprint(f.Want)
			switch {
			case !f.Hard && !same:
				t.Errorf("go-message gives %q, Subject %q, err %v; want %q, Subject %q", got, subject, err, f.Want, f.Subject)
			case f.Hard && same:
				t.Errorf("go-message now decodes this fixture: clear Hard")
			}
		})
	}
}

func TestBroken(t *testing.T) {
	fixtures := map[string][]byte{}
	for _, f := range testmail.Broken() {
		if f.Note == "" {
			t.Errorf("%s: no Note", f.Name)
		}
		fixtures[f.Name] = f.Raw
	}
	id := regexp.MustCompile(`(?m)^Message-ID: (\S+)`)
	longest := func(b []byte) int {
		n := 0
		for _, l := range bytes.Split(b, []byte("\n")) {
			n = max(n, len(l))
		}
		return n
	}
	checks := []struct {
		name string
		ok   func(b []byte) bool
	}{
		{"no-message-id", func(b []byte) bool { return !bytes.Contains(bytes.ToLower(b), []byte("\nmessage-id:")) }},
		{"duplicate-message-id-1", func(b []byte) bool {
			other := fixtures["duplicate-message-id-2"]
			return !bytes.Equal(b, other) && string(id.Find(b)) == string(id.Find(other)) && id.Find(b) != nil
		}},
		{"bare-lf", func(b []byte) bool { return !bytes.Contains(b, []byte("\r")) && bytes.Count(b, []byte("\n")) > 5 }},
		{"mixed-line-ends", func(b []byte) bool {
			return bytes.Contains(b, []byte("\r\n")) && bytes.Contains(bytes.ReplaceAll(b, []byte("\r\n"), nil), []byte("\n"))
		}},
		{"bare-cr", func(b []byte) bool { return bytes.Contains(bytes.ReplaceAll(b, []byte("\r\n"), nil), []byte("\r")) }},
		{"nul-bytes", func(b []byte) bool { return bytes.Count(b, []byte{0}) >= 3 }},
		{"8bit-junk-headers", func(b []byte) bool { return bytes.Contains(b, []byte{0xff}) && bytes.Contains(b, []byte{0x80}) }},
		{"long-header-line", func(b []byte) bool { return longest(b) > 2000 }},
		{"from-line-in-body", func(b []byte) bool { return bytes.Contains(b, []byte("\r\n\r\nFrom ")) }},
		{"quoted-from-lines", func(b []byte) bool {
			return bytes.Contains(b, []byte("\r\n>From ")) && bytes.Contains(b, []byte("\r\n>>From "))
		}},
		{"starts-with-from-line", func(b []byte) bool { return bytes.HasPrefix(b, []byte("From ")) }},
		{"nested-rfc822", func(b []byte) bool { return bytes.Count(b, []byte("message/rfc822")) == 2 }},
		{"empty", func(b []byte) bool { return len(b) == 0 }},
		{"no-final-newline", func(b []byte) bool { return len(b) > 0 && !bytes.HasSuffix(b, []byte("\n")) }},
		{"headers-only", func(b []byte) bool {
			return !bytes.Contains(b, []byte("\r\n\r\n")) && bytes.HasSuffix(b, []byte("\r\n"))
		}},
		{"empty-body", func(b []byte) bool {
			return bytes.HasSuffix(b, []byte("\r\n\r\n")) && bytes.Count(b, []byte("\r\n\r\n")) == 1
		}},
		{"trailing-blank-lines", func(b []byte) bool { return bytes.HasSuffix(b, []byte("\r\n\r\n\r\n\r\n")) }},
		{"unterminated-multipart", func(b []byte) bool { return !bytes.Contains(b, []byte("--b1--")) }},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			b, ok := fixtures[c.name]
			if !ok {
				t.Fatalf("Broken() has no %q", c.name)
			}
			if !c.ok(b) {
				t.Errorf("%s does not have what its name says: %q", c.name, truncate(b))
			}
		})
	}
}

func TestLargeExact(t *testing.T) {
	for size := testmail.LargeMinBytes; size < testmail.LargeMinBytes+400; size++ {
		if n := len(testmail.Large(size)); n != size {
			t.Errorf("len(Large(%d)) = %d", size, n)
		}
	}
	if n := len(testmail.Large(10)); n != testmail.LargeMinBytes {
		t.Errorf("len(Large(10)) = %d, want LargeMinBytes", n)
	}
}

func BenchmarkLarge32MB(b *testing.B) {
	for b.Loop() {
		testmail.Large(32 << 20)
	}
}

func truncate(b []byte) []byte { return b[:min(len(b), 200)] }

func TestLarge(t *testing.T) {
	for _, size := range []int{testmail.LargeMinBytes, 4096, 100_000, 1 << 20, 10 << 20} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			raw := testmail.Large(size)
			if len(raw) != size {
				t.Errorf("len(Large(%d)) = %d, want exactly that", size, len(raw))
			}
			if size <= 1<<20 && !bytes.Equal(raw, testmail.Large(size)) {
				t.Error("Large() differs between calls")
			}
			if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
				t.Error("bare LF")
			}
			r, err := mail.CreateReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("CreateReader() = %v", err)
			}
			var parts []string
			var attached int
			for {
				p, err := r.NextPart()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("NextPart() = %v", err)
				}
				n, err := io.Copy(io.Discard, p.Body)
				if err != nil {
					t.Fatalf("reading a part: %v", err)
				}
				switch h := p.Header.(type) {
				case *mail.AttachmentHeader:
					name, _ := h.Filename()
					parts = append(parts, "attachment "+name)
					attached = int(n)
				case *mail.InlineHeader:
					parts = append(parts, "inline")
				}
			}
			if want := []string{"inline", "attachment drawings.bin"}; !slices.Equal(parts, want) {
				t.Errorf("parts = %q, want %q", parts, want)
			}
			if min := (size - 1024) * 57 / 78; attached < min || attached == 0 {
				t.Errorf("attachment is %d bytes, want at least %d", attached, min)
			}
			if !strings.HasSuffix(string(raw[len(raw)-40:]), "--\r\n") {
				t.Error("no closing boundary")
			}
		})
	}
}
