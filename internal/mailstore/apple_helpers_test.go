package mailstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailark/mailark/internal/testmail"
)

// Test helpers shared by the mail-app readers' tests (Apple Mail, Becky!,
// Outlook Express, Windows Live Mail).

// corpus is the project's broken-mail and charset corpus.
func corpus() []testmail.Fixture {
	return append(testmail.Charsets(), testmail.Broken()...)
}

// writeFile writes b at path, making its folders.
func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// treeState is every file's content hash, mode and mtime under a root.
func treeState(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		v := fmt.Sprintf("%v %d", fi.Mode(), fi.ModTime().UnixNano())
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			v += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		out[p] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkUnchanged fails when the tree differs from before.
func checkUnchanged(t testing.TB, root string, before map[string]string) {
	t.Helper()
	after := treeState(t, root)
	for p, v := range before {
		if after[p] != v {
			t.Errorf("%s changed by reading: %q → %q", p, v, after[p])
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s appeared while reading", p)
		}
	}
}

// readMsg is one message as a reader gave it.
type readMsg struct {
	folder string
	m      *Message
	body   []byte
	err    error
}

// readAll reads every message of every folder of the store.
func readAll(t testing.TB, f Format, s *Store) []readMsg {
	t.Helper()
	r, err := f.Open(s)
	if err != nil {
		t.Fatalf("Open(%s): %v", s.Path, err)
	}
	defer r.Close()
	ctx := context.Background()
	folders, err := r.Folders(ctx)
	if err != nil {
		t.Fatalf("Folders: %v", err)
	}
	var out []readMsg
	for _, fo := range folders {
		err := r.Messages(ctx, fo, func(m *Message) error {
			rm := readMsg{folder: fo.Name, m: m}
			rc, err := m.Open()
			if err == nil {
				rm.body, err = io.ReadAll(rc)
				rc.Close()
			}
			rm.err = err
			out = append(out, rm)
			return nil
		})
		if err != nil {
			t.Fatalf("Messages(%s): %v", fo.Name, err)
		}
	}
	return out
}

// byBody finds the message read with exactly these bytes.
func byBody(msgs []readMsg, b []byte) *readMsg {
	for i := range msgs {
		if msgs[i].err == nil && bytes.Equal(msgs[i].body, b) {
			return &msgs[i]
		}
	}
	return nil
}
