package backup_test

import (
	"context"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

// shiftingSession reports a new UIDVALIDITY for folder from the second
// EXAMINE of a session on: the folder was rebuilt between planning and
// fetching.
type shiftingSession struct {
	imapserver.SessionIMAP4rev2
	folder  string
	selects int
}

func (s *shiftingSession) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	data, err := s.SessionIMAP4rev2.Select(mailbox, options)
	if err == nil && mailbox == s.folder {
		if s.selects++; s.selects >= 2 {
			data.UIDValidity++
		}
	}
	return data, err
}

// TestUIDValidityChangeBetweenPlanAndFetch: planning saw one UIDVALIDITY,
// the EXAMINE for fetching another. The folder must be planned again and
// its messages stored under the new generation, none under the old.
func TestUIDValidityChangeBetweenPlanAndFetch(t *testing.T) {
	srv := testimap.Start(t, nil)
	port := srv.ServeWrapped(t, func(sess imapserver.SessionIMAP4rev2) imapserver.Session {
		return &shiftingSession{SessionIMAP4rev2: sess, folder: "INBOX"}
	})
	tally.BadInputs.Add(1)
	o := options(srv, tempArchive(t))
	o.Conn.Port = port
	ctx := context.Background()
	sum, err := backup.Run(ctx, o)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %+v", err, sum.Failures)
	}
	planned := srv.UIDValidity("INBOX")
	a := archivetest.Open(t, o.ArchiveDir)
	defer a.Close()
	stats, err := a.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := int64(len(demo.OldProvider().Folder("INBOX").Messages))
	for _, s := range stats {
		if s.Folder.Name != "INBOX" {
			continue
		}
		switch {
		case s.Folder.UIDValidity == planned && s.Messages != 0:
			t.Errorf("%d messages stored under UIDVALIDITY %d, which the fetch did not see", s.Messages, planned)
		case s.Folder.UIDValidity == planned+1 && (!s.Folder.Current || s.Messages != want):
			t.Errorf("generation %d: current %v, %d messages; want current with %d", planned+1, s.Folder.Current, s.Messages, want)
		}
	}
	if f, _ := a.Folder(ctx, "INBOX"); f == nil || f.UIDValidity != planned+1 {
		t.Errorf("current INBOX = %+v, want UIDVALIDITY %d", f, planned+1)
	}
}
