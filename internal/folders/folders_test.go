package folders_test

import (
	"context"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/folders"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/testimap"
)

func TestRoleOf(t *testing.T) {
	tests := []struct {
		name, delim string
		attrs       []imap.MailboxAttr
		want        string
	}{
		{"INBOX", "/", nil, "inbox"},
		{"inbox", "/", nil, "inbox"},
		{"Sent", "/", nil, "sent"},
		{"Gesendet", "/", []imap.MailboxAttr{imap.MailboxAttrSent}, "sent"},
		{"送信済み", "/", nil, "sent"},
		{"INBOX.Trash", ".", nil, "trash"},
		{"[Gmail]/Spam", "/", nil, "junk"},
		{"Clients/Sent", "/", nil, ""},
		{"Projects", "/", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := folders.RoleOf(tt.name, tt.delim, tt.attrs); got != tt.want {
				t.Errorf("RoleOf(%q) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestList(t *testing.T) {
	srv := testimap.Start(t, nil)
	c, err := imapconn.Dial(context.Background(), srv.Conn())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, withStatus := range []bool{false, true} {
		list, err := folders.List(c, folders.Options{Status: withStatus})
		if err != nil {
			t.Fatalf("List() = %v", err)
		}
		if len(list) != 9 || list[0].Name != "INBOX" || list[1].Name != "Sent" {
			t.Fatalf("List() = %d folders starting %v; want 9, INBOX and Sent first", len(list), list[:min(2, len(list))])
		}
		for _, f := range list {
			if hasStatus := f.Status != nil && f.Status.NumMessages != nil; hasStatus != withStatus {
				t.Errorf("%s: status %v, asked %v", f.Name, f.Status, withStatus)
			}
		}
	}
}
