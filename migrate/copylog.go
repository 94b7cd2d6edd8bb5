package migrate

import (
	"context"
	"time"

	"github.com/mailark/mailark/internal/archive"
)

// The copy log: what was copied to which account, kept in the archive so a
// rerun knows what is done. The archive owns the tables (archive.CopyLog);
// this file turns its rows into the copy's own types.

// copyLog reads and writes the copy records of one destination account.
type copyLog struct {
	l   *archive.CopyLog
	now func() time.Time
}

// copyRecord is one message known to be in the destination.
type copyRecord struct {
	folderID        int64
	uid             uint32
	destFolder      string
	destUIDValidity uint32
	destUID         uint32 // 0: unknown (no UIDPLUS)
	how             string // "appended" or "found"
}

func openCopyLog(ctx context.Context, a *archive.Archive, host, user string, now func() time.Time) (*copyLog, error) {
	l, err := a.CopyLog(ctx, host, user)
	if err != nil {
		return nil, err
	}
	return &copyLog{l: l, now: now}, nil
}

// save writes records and failures in one transaction. A record replaces an
// earlier one for the same message and account (the folder was remapped, or
// recreated on the destination), and clears its failure.
func (l *copyLog) save(ctx context.Context, recs []copyRecord, fails []CopyRefusal) error {
	rs := make([]archive.CopyRecord, len(recs))
	for i, r := range recs {
		rs[i] = archive.CopyRecord{FolderID: r.folderID, UID: r.uid, DestFolder: r.destFolder,
			DestUIDValidity: r.destUIDValidity, DestUID: r.destUID, How: r.how}
	}
	fs := make([]archive.CopyFailure, len(fails))
	for i, f := range fails {
		fs[i] = archive.CopyFailure{FolderID: f.folderID, UID: f.UID, DestFolder: f.Dest, Reason: f.Reason}
	}
	return l.l.Save(ctx, rs, fs, l.now())
}

// pendingMsg is an archived message not yet recorded in the destination.
type pendingMsg struct {
	id           int64
	uid          uint32
	size         int64
	sha256       string
	flags        string
	internalDate string
	dateHeader   string // RFC 3339, "" when missing
	messageID    string
	data         []byte // the bytes, when read ahead
}

func pending(m archive.CopyMessage) pendingMsg {
	return pendingMsg{id: m.ID, uid: m.UID, size: m.Size, sha256: m.SHA256, flags: m.Flags,
		internalDate: m.InternalDate, dateHeader: m.Date, messageID: m.MessageID}
}

// eachPending calls fn for every message of the folder generation without a
// record in dest (with UIDVALIDITY v), by ascending UID, a page at a time:
// no cursor stays open while fn runs.
func (l *copyLog) eachPending(ctx context.Context, folderID int64, dest string, v uint32, fn func(pendingMsg) error) error {
	return l.l.EachPending(ctx, folderID, dest, v, func(m archive.CopyMessage) error { return fn(pending(m)) })
}

// eachMessage is eachPending without the copy log: every message.
func (l *copyLog) eachMessage(ctx context.Context, folderID int64, fn func(pendingMsg) error) error {
	return l.l.EachMessage(ctx, folderID, func(m archive.CopyMessage) error { return fn(pending(m)) })
}

// countPending counts the messages and bytes eachPending would visit.
func (l *copyLog) countPending(ctx context.Context, folderID int64, dest string, v uint32) (n, size int64, err error) {
	return l.l.CountPending(ctx, folderID, dest, v)
}

// destUIDs returns the destination UIDs recorded in dest folder (with
// UIDVALIDITY v), by any archive folder, ascending.
func (l *copyLog) destUIDs(ctx context.Context, dest string, v uint32) ([]uint32, error) {
	return l.l.DestUIDs(ctx, dest, v)
}

// recorded returns, for the folder generation, archive UID → destination UID
// of the messages recorded in dest (with UIDVALIDITY v).
func (l *copyLog) recorded(ctx context.Context, folderID int64, dest string, v uint32) (map[uint32]uint32, error) {
	return l.l.Recorded(ctx, folderID, dest, v)
}

// countUnrecorded counts the messages of a folder generation that no record
// puts anywhere in the destination account.
func (l *copyLog) countUnrecorded(ctx context.Context, folderID int64) (n, size int64, err error) {
	return l.l.CountUnrecorded(ctx, folderID)
}
