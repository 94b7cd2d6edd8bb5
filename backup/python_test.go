package backup_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"regexp"
	"testing"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/testimap"
)

// pythonList prints, for an mbox file, the base64 of every message as
// Python's mailbox module reads it.
const pythonList = `
import base64, json, mailbox, sys
box = mailbox.mbox(sys.argv[1], create=False)
print(json.dumps([base64.b64encode(box.get_bytes(k)).decode() for k in sorted(box.keys())]))
`

var quotedFrom = regexp.MustCompile(`(?m)^>(>*From )`)

// TestPythonReadsTheArchive backs up the demo account and reads every mbox
// file with Python's mailbox module: it must find every message, and each
// must be the archived bytes once the mboxrd quoting (which Python leaves
// alone) is undone.
func TestPythonReadsTheArchive(t *testing.T) {
	py := testimap.Python(t)
	srv := testimap.Start(t, nil)
	dir := tempArchive(t)
	ctx := context.Background()
	if _, err := backup.Run(ctx, options(srv, dir)); err != nil {
		t.Fatal(err)
	}
	a := archivetest.Open(t, dir)
	defer a.Close()
	folders, _ := a.Folders(ctx)
	total := 0
	for _, f := range folders {
		var want []string
		a.EachMessage(ctx, f.ID, func(m *archive.MessageInfo) error { want = append(want, m.SHA256); return nil })
		out, err := exec.Command(py, "-c", pythonList, a.Path(f.MboxPath)).Output()
		if err != nil {
			t.Fatalf("python on %s: %v", f.MboxPath, err)
		}
		var got [][]byte
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: Python finds %d messages, the archive has %d", f.Name, len(got), len(want))
			continue
		}
		for i, b := range got {
			b = quotedFrom.ReplaceAll(b, []byte("$1"))
			sum := sha256.Sum256(b)
			if hex.EncodeToString(sum[:]) != want[i] {
				t.Errorf("%s message %d: Python's bytes differ from the archive's (%d bytes, starts %q)", f.Name, i, len(b), bytes.SplitN(b, []byte("\n"), 2)[0])
			}
		}
		total += len(got)
	}
	if total == 0 {
		t.Fatal("no messages read")
	}
}
