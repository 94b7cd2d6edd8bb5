package mbox_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/mbox"
)

func TestReaderEmptyFile(t *testing.T) {
	r := mbox.NewReader(strings.NewReader(""))
	for range 2 {
		if e, err := r.Next(); e != nil || err != io.EOF {
			t.Fatalf("Next() = %v, %v, want nil, EOF", e, err)
		}
	}
}

func TestReaderNotMbox(t *testing.T) {
	tests := []struct {
		name, file, wantText string
	}{
		{"a message", "Subject: x\n\nFrom y\n", `"Subject: x\n\nFrom y\n"`},
		{"blank line first", "\nFrom x Mon Jan  1 00:00:00 2024\n", `"\nFrom x Mon Jan  1 00:00:00 2024"`},
		{"lower case", "from x\n", `"from x\n"`},
		{"no space", "From:x\n", `"From:x\n"`},
		{"byte order mark", "\ufeffFrom x\n", `"\ufeffFrom x\n"`},
		{"short", "Frm", `"Frm"`},
		{"binary", "\x00\xff\x01", `"\x00\xff\x01"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mbox.NewReader(strings.NewReader(tc.file))
			e, err := r.Next()
			if e != nil || !errors.Is(err, mbox.ErrNotMbox) {
				t.Fatalf("Next() = %v, %v, want nil, ErrNotMbox", e, err)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("Next() error %q does not show the start of the file %s", err, tc.wantText)
			}
			if _, err2 := r.Next(); err2 != err {
				t.Errorf("second Next() error = %v, want %v", err2, err)
			}
		})
	}
}

// TestReaderTruncated cuts a file at every byte: the entries before the cut
// come back exact, and the one cut comes back as the model says.
func TestReaderTruncated(t *testing.T) {
	msgs := [][]byte{
		[]byte("From: a\r\n\r\nFrom x\r\n"),
		[]byte("no final newline"),
		nil,
		[]byte(">From y\n\n"),
		[]byte("Fro"),
	}
	file, ws := writeAll(t, msgs, "a@b", start, mbox.BufferSize)
	for cut := 0; cut <= len(file); cut++ {
		for _, size := range []int{16, mbox.BufferSize} {
			got := checkModel(t, mbox.NewReaderSize(bytes.NewReader(file[:cut]), size), file[:cut])
			boundary := cut == 0
			for i, w := range ws {
				if end := w.offset + w.length; end <= int64(cut) {
					boundary = boundary || end == int64(cut)
					if g := got[i]; g.err != nil || g.entry.Truncated || !bytes.Equal(g.body, w.msg) {
						t.Fatalf("cut %d: whole entry %d: Body = %q, %v, Truncated %v, want %q", cut, i, g.body, g.err, g.entry.Truncated, w.msg)
					}
				}
			}
			if !boundary && file[cut-1] != '\n' && !got[len(got)-1].entry.Truncated {
				t.Fatalf("cut %d: last entry not Truncated", cut)
			}
		}
	}
}

func TestReaderTruncatedBodyOnNext(t *testing.T) {
	// Next skips an unread truncated body, and sets Truncated and Length.
	file := "From a Mon Jan  1 00:00:00 2024\nabc"
	r := mbox.NewReader(strings.NewReader(file))
	e, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next() error %v, want io.EOF", err)
	}
	if !e.Truncated || e.Length != int64(len(file)) {
		t.Errorf("Truncated, Length = %v, %d, want true, %d", e.Truncated, e.Length, len(file))
	}
}

// TestReaderOtherWriters reads mbox files as other programs write them.
func TestReaderOtherWriters(t *testing.T) {
	type want struct {
		sender string
		time   time.Time
		body   string
	}
	jan1 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		file string
		want []want
	}{
		{"mboxo with blank lines",
			"From a@b Mon Jan  1 00:00:00 2024\nSubject: 1\n\nbody\n\nFrom b@c Mon Jan  1 00:00:00 2024\nSubject: 2\n\n",
			[]want{{"a@b", jan1, "Subject: 1\n\nbody\n"}, {"b@c", jan1, "Subject: 2\n"}}},
		{"no blank line between messages",
			"From a@b Mon Jan  1 00:00:00 2024\nx\nFrom b@c Mon Jan  1 00:00:00 2024\ny\n",
			[]want{{"a@b", jan1, "x"}, {"b@c", jan1, "y"}}},
		{"empty message without blank line",
			"From a@b Mon Jan  1 00:00:00 2024\nFrom b@c Mon Jan  1 00:00:00 2024\n\n",
			[]want{{"a@b", jan1, ""}, {"b@c", jan1, ""}}},
		{"time zone and remote from",
			"From a@b Mon Jan  1 00:00:00 2024 +0900\n\nFrom b Mon Jan  1 00:00:00 2024 remote from x\n\n",
			[]want{{"a@b", jan1, ""}, {"b", jan1, ""}}},
		{"CRLF separator line",
			"From a@b Mon Jan  1 00:00:00 2024\r\nx\r\n\n",
			[]want{{"a@b", jan1, "x\r\n"}}},
		{"bad dates",
			"From a@b yesterday\n\nFrom b\n\nFrom \n\nFrom  Mon Jan  1 00:00:00 2024\n\n",
			[]want{{"a@b", time.Time{}, ""}, {"b", time.Time{}, ""}, {"", time.Time{}, ""}, {"", jan1, ""}}},
		{"marker without date",
			"From a mailark-no-final-newline\nx\n\n",
			[]want{{"a", time.Time{}, "x"}}},
		{"long separator line",
			"From " + strings.Repeat("s", 2000) + " " + strings.Repeat("z", 2000) + " Mon Jan  1 00:00:00 2024 mailark-no-final-newline\nx\n\n",
			[]want{{strings.Repeat("s", mbox.SeparatorHeadMax-5), jan1, "x"}}},
		{"long separator line no spaces",
			"From " + strings.Repeat("s", 3000) + "\nx\n\n",
			[]want{{strings.Repeat("s", mbox.SeparatorHeadMax-5), time.Time{}, "x\n"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range []int{16, mbox.BufferSize} {
				got, err := readAll(t, mbox.NewReaderSize(strings.NewReader(tc.file), size), len(tc.want)+1)
				if err != io.EOF {
					t.Fatalf("Next() error %v, want io.EOF", err)
				}
				if len(got) != len(tc.want) {
					t.Fatalf("%d entries, want %d", len(got), len(tc.want))
				}
				for i, w := range tc.want {
					g := got[i]
					if g.entry.Sender != w.sender || !g.entry.Time.Equal(w.time) || string(g.body) != w.body || g.err != nil {
						t.Errorf("entry %d = %q %v %q %v, want %q %v %q", i, g.entry.Sender, g.entry.Time, g.body, g.err, w.sender, w.time, w.body)
					}
				}
			}
		})
	}
}

func TestReaderSkipsBodies(t *testing.T) {
	msgs := [][]byte{
		[]byte(strings.Repeat("line\r\nFrom x\r\n", 10000)),
		[]byte("short\n"),
		[]byte(strings.Repeat("y", 200000)),
		[]byte("last\n"),
	}
	file, ws := writeAll(t, msgs, "a@b", start, mbox.BufferSize)
	for _, readFirst := range []int{0, 1, 5, 70000} {
		r := mbox.NewReader(bytes.NewReader(file))
		var entries []*mbox.Entry
		for {
			e, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(e.Body, make([]byte, min(readFirst, len(msgs[len(entries)])))); err != nil {
				t.Fatal(err)
			}
			entries = append(entries, e)
		}
		if len(entries) != len(ws) {
			t.Fatalf("read first %d bytes: %d entries, want %d", readFirst, len(entries), len(ws))
		}
		for i, e := range entries {
			if e.Offset != ws[i].offset || e.Length != ws[i].length {
				t.Errorf("read first %d bytes: entry %d: Offset, Length = %d, %d, want %d, %d", readFirst, i, e.Offset, e.Length, ws[i].offset, ws[i].length)
			}
		}
	}
}

func TestReaderStaleBody(t *testing.T) {
	file, _ := writeAll(t, [][]byte{[]byte("a\n"), []byte("b\n")}, "", start, mbox.BufferSize)
	r := mbox.NewReader(bytes.NewReader(file))
	e, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if n, err := e.Body.Read(make([]byte, 10)); n != 0 || err == nil {
		t.Errorf("old Body.Read() = %d, %v, want an error", n, err)
	}
}

func TestReaderSourceError(t *testing.T) {
	file, _ := writeAll(t, [][]byte{[]byte("a\n"), []byte(strings.Repeat("b", 100) + "\n")}, "", start, mbox.BufferSize)
	for cut := range len(file) {
		r := mbox.NewReaderSize(&errReader{data: file[:cut], err: errSource}, 16)
		var sawErr error
		for range 4 {
			e, err := r.Next()
			if err != nil {
				sawErr = err
				break
			}
			if _, err := io.ReadAll(e.Body); err != nil {
				sawErr = err
				if _, err := r.Next(); err != errSource {
					t.Fatalf("cut %d: Next() after Body error = %v, want %v", cut, err, errSource)
				}
				break
			}
		}
		if sawErr != errSource {
			t.Fatalf("cut %d: error %v, want %v", cut, sawErr, errSource)
		}
	}
}

// noProgress returns (0, nil) forever.
type noProgress struct{}

func (noProgress) Read([]byte) (int, error) { return 0, nil }

func TestReaderNoProgress(t *testing.T) {
	r := mbox.NewReader(io.MultiReader(strings.NewReader("From a Mon Jan  1 00:00:00 2024\nab"), noProgress{}))
	e, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(e.Body); err != io.ErrNoProgress {
		t.Errorf("Body error %v, want io.ErrNoProgress", err)
	}
}
