package gate_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

// TestVerifyDespiteBadFolderNames: folder names go-imap cannot read (raw
// Shift_JIS, invalid modified UTF-7, a control character, a NUL, a list
// entry that cannot be read) do not stop verification: every readable
// folder is verified by its exact name on the wire, and the two that
// cannot be read are problems that keep the gate closed.
func TestVerifyDespiteBadFolderNames(t *testing.T) {
	acct := &demo.Account{User: "u", Password: "p"}
	for _, n := range []string{"INBOX", "SJIS", "BadUTF7", "Ctl", "Nul", "Good"} {
		msg := demo.Message{Raw: []byte("Subject: in " + n + "\r\n\r\nbody\r\n"), InternalDate: time.Unix(1_600_000_000, 0)}
		acct.Folders = append(acct.Folders, demo.Folder{Name: n, Messages: []demo.Message{msg, msg}})
	}
	srv := testimap.Start(t, acct)
	port := testimap.RenamingProxy(t, srv.Addr, map[string][]byte{
		"SJIS": []byte("\"\x83e\x83X\x83g\""), "BadUTF7": []byte(`"&Jjo!"`),
		"Ctl": []byte("\"a\x01b\""), "Nul": []byte("{5}\r\nab\x00cd"),
	}, [][]byte{[]byte("* LIST (\\Bad{ \x00) \"/\" \"Garbage\"\r\n")})
	e := &env{t: t, srv: srv, conn: config("127.0.0.1", port, "u", "p"),
		dir: filepath.Join(t.TempDir(), "archive"), clk: newClock()}
	e.backup()
	e.step()
	res, err := gate.Verify(context.Background(), e.verifyOpts(false))
	tally.BadInputs.Add(1)
	if err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	if res.Verified != 10 {
		t.Errorf("verified %d messages, want the 10 of the 5 readable folders", res.Verified)
	}
	unreadable := 0
	for _, p := range res.Problems {
		if p.Kind == gate.FolderUnreadable {
			unreadable++
		} else {
			t.Errorf("unexpected problem %+v", p)
		}
	}
	if unreadable != 2 {
		t.Errorf("%d unreadable folders reported, want 2 (the NUL name and the unreadable entry): %+v", unreadable, res.Problems)
	}
}
