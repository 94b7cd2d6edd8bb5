package backup_test

import (
	"context"
	"sync/atomic"
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
	onlyNewGeneration(t, srv, o.ArchiveDir, "INBOX")
}

// onlyNewGeneration checks that the archive in dir holds folder's
// messages under the UIDVALIDITY one above the server's (what the fetch
// saw), none under the server's own (what the plan saw).
func onlyNewGeneration(t *testing.T, srv *testimap.Server, dir, folder string) {
	t.Helper()
	ctx := context.Background()
	planned := srv.UIDValidity(folder)
	a := archivetest.Open(t, dir)
	defer a.Close()
	stats, err := a.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := int64(len(demo.OldProvider().Folder(folder).Messages))
	for _, s := range stats {
		if s.Folder.Name != folder {
			continue
		}
		switch {
		case s.Folder.UIDValidity == planned && s.Messages != 0:
			t.Errorf("%d messages stored under UIDVALIDITY %d, which the fetch did not see", s.Messages, planned)
		case s.Folder.UIDValidity == planned+1 && (!s.Folder.Current || s.Messages != want):
			t.Errorf("generation %d: current %v, %d messages; want current with %d", planned+1, s.Folder.Current, s.Messages, want)
		}
	}
	if f, _ := a.Folder(ctx, folder); f == nil || f.UIDValidity != planned+1 {
		t.Errorf("current %s = %+v, want UIDVALIDITY %d", folder, f, planned+1)
	}
}

// shiftAfterPlan reports a new UIDVALIDITY for folder at every EXAMINE
// after the first one on any connection (the plan's): the folder was
// rebuilt between planning and fetching.
type shiftAfterPlan struct {
	imapserver.SessionIMAP4rev2
	folder  string
	selects *atomic.Int32
}

func (s *shiftAfterPlan) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	data, err := s.SessionIMAP4rev2.Select(mailbox, options)
	if err == nil && mailbox == s.folder && s.selects.Add(1) >= 2 {
		data.UIDValidity++
	}
	return data, err
}

// TestUIDValidityChangeSeenAhead: the EXAMINE of the next folder goes out
// behind the UID FETCH in flight, with that folder's own UID FETCH right
// after it. When it finds another UIDVALIDITY than the plan, none of what
// that UID FETCH brings may be stored as the planned generation: the next
// session plans the folder again and stores it under the new one.
func TestUIDValidityChangeSeenAhead(t *testing.T) {
	srv := testimap.Start(t, nil)
	var selects atomic.Int32
	port := srv.ServeWrapped(t, func(sess imapserver.SessionIMAP4rev2) imapserver.Session {
		return &shiftAfterPlan{SessionIMAP4rev2: sess, folder: "Sent", selects: &selects}
	})
	o := options(srv, tempArchive(t))
	o.Conn.Port, o.Connections, o.FetchChunk = port, 1, 50 // INBOX first, in units: Sent's EXAMINE goes out ahead
	ctx := context.Background()
	sum, err := backup.Run(ctx, o)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %+v", err, sum.Failures)
	}
	onlyNewGeneration(t, srv, o.ArchiveDir, "Sent")
}
