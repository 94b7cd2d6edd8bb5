package gate

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/folders"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
)

// The archive against the server: every selectable folder, every UID and its
// RFC822.SIZE, and with Deep every message's bytes.

type serverMsg struct {
	uid  uint32
	size int64
}

// candidate is a message archived whole whose size matches the server's.
type candidate struct {
	uid uint32
	sha [32]byte
}

func (v *verifier) checkServer(ctx context.Context) error {
	c, err := imapconn.Dial(ctx, v.opts.Conn)
	if err != nil {
		return err
	}
	defer c.Close()
	list, err := folders.List(c, folders.Options{})
	if err != nil {
		return v.classify(ctx, "list folders", err)
	}
	compared := map[int64]bool{}
	for _, sf := range list {
		fr, err := v.checkFolder(ctx, c, sf)
		if err != nil {
			return v.classify(ctx, "verify "+sf.Name, err)
		}
		if fr.folderID != 0 {
			compared[fr.folderID] = true
		}
		v.res.Folders = append(v.res.Folders, fr)
		v.res.Verified += fr.Verified
	}
	// What the archive holds that the server no longer lists: older
	// generations, and folders deleted or renamed on the server.
	for _, id := range v.genOrder {
		if compared[id] {
			continue
		}
		g := v.gens[id]
		if g.f.SourceID != 0 {
			continue // a store's or POP mailbox's folder: checked against its source
		}
		fr := archivedOnly(g)
		if g.f.Current {
			v.note(Discrepancy{Kind: FolderNotOnServer, Folder: g.f.Name, Want: fmt.Sprint(g.messages),
				Detail: fmt.Sprintf("%s: archived (%d messages) but no longer on the server (deleted or renamed there)", g.f.Name, g.messages)})
		}
		v.res.Folders = append(v.res.Folders, fr)
	}
	return nil
}

func (v *verifier) classify(ctx context.Context, op string, err error) error {
	if err == nil || mailerr.As(err) != nil {
		return err
	}
	return imapconn.Classify(ctx, op, v.opts.Conn.Host, err)
}

func archivedOnly(g *genState) FolderResult {
	return FolderResult{Name: g.f.Name, Role: g.f.Role, InArchive: true, Current: g.f.Current,
		UIDValidity: g.f.UIDValidity, Archived: g.messages, ArchivedBytes: g.bytes, MboxPath: g.f.MboxPath,
		folderID: g.f.ID, mboxSize: g.size, mboxMTime: g.mtime}
}

func (v *verifier) currentGen(name string) *genState {
	for _, g := range v.gens {
		if g.f.Current && g.f.SourceID == 0 && g.f.Name == name {
			return g
		}
	}
	return nil
}

// checkFolder compares one server folder with the archive's current
// generation of the same name.
func (v *verifier) checkFolder(ctx context.Context, c *imapconn.Conn, sf folders.Folder) (FolderResult, error) {
	fr := FolderResult{Name: sf.Name, Role: sf.Role, OnServer: true}
	if sf.Err != nil {
		v.problem(Discrepancy{Kind: FolderUnreadable, Folder: sf.Name, Got: sf.Err.Error(),
			Detail: fmt.Sprintf("%s: the server lists this folder but it cannot be read: %v", sf.Name, sf.Err)})
		return fr, nil
	}
	sel, err := c.Select(sf.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		var imapErr *imap.Error
		if errors.As(err, &imapErr) {
			v.problem(Discrepancy{Kind: FolderUnreadable, Folder: sf.Name, Got: imapErr.Text,
				Detail: fmt.Sprintf("%s: the server lists this folder but would not open it: %v", sf.Name, err)})
			return fr, nil
		}
		return fr, fmt.Errorf("examine %s: %w", sf.Name, err)
	}
	fr.UIDValidity, fr.ServerUIDNext, fr.ServerMessages = sel.UIDValidity, uint32(sel.UIDNext), sel.NumMessages
	var server []serverMsg
	if sel.NumMessages > 0 {
		if server, err = fetchSizes(c); err != nil {
			return fr, fmt.Errorf("sizes of %s: %w", sf.Name, err)
		}
	}
	for _, m := range server {
		fr.ServerBytes += m.size
	}
	g := v.currentGen(sf.Name)
	if g == nil {
		v.problem(Discrepancy{Kind: FolderNotArchived, Folder: sf.Name, Got: fmt.Sprint(len(server)),
			Detail: fmt.Sprintf("%s: on the server (%d messages) but not in the archive (added or renamed on the server since the backup)", sf.Name, len(server))})
		return fr, nil
	}
	arch := archivedOnly(g)
	fr.InArchive, fr.Current, fr.Archived, fr.ArchivedBytes, fr.MboxPath = true, true, arch.Archived, arch.ArchivedBytes, arch.MboxPath
	fr.folderID, fr.mboxSize, fr.mboxMTime = arch.folderID, arch.mboxSize, arch.mboxMTime
	if fr.Role == "" {
		fr.Role = g.f.Role
	}
	if g.f.UIDValidity != sel.UIDValidity {
		v.problem(Discrepancy{Kind: UIDValidityChanged, Folder: sf.Name, Want: fmt.Sprint(g.f.UIDValidity), Got: fmt.Sprint(sel.UIDValidity),
			Detail: fmt.Sprintf("%s: UIDVALIDITY is %d on the server, the archive holds generation %d: the folder was rebuilt, its %d messages are not archived as they are now",
				sf.Name, sel.UIDValidity, g.f.UIDValidity, len(server))})
		return fr, nil
	}
	cands, err := v.compareUIDs(ctx, g, server)
	if err != nil {
		return fr, err
	}
	verified := make([]uint32, 0, len(cands))
	if v.opts.Deep {
		v.setFolder(sf.Name, int64(len(cands)), 1)
		if verified, err = v.deepCheck(ctx, c, sf.Name, cands); err != nil {
			return fr, err
		}
	} else {
		for _, cd := range cands {
			verified = append(verified, cd.uid)
		}
	}
	fr.Verified, fr.verifiedUIDs = int64(len(verified)), formatUIDs(verified)
	return fr, nil
}

// fetchSizes returns every message's UID and RFC822.SIZE, by UID. Only small
// items come back, so nothing large is held.
func fetchSizes(c *imapconn.Conn) ([]serverMsg, error) {
	cmd := c.Fetch(imap.UIDSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, RFC822Size: true})
	var out []serverMsg
	err := eachFetched(c, cmd, func(f *fetched) {
		if f.uid != 0 && f.sized { // not an unsolicited FETCH of flags
			out = append(out, serverMsg{uid: f.uid, size: f.size})
		}
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b serverMsg) int { return int(int64(a.uid) - int64(b.uid)) })
	return slices.CompactFunc(out, func(a, b serverMsg) bool { return a.uid == b.uid }), nil
}

// compareUIDs walks the server's UIDs and the archived rows side by side,
// both ascending, and returns the messages that can be verified.
func (v *verifier) compareUIDs(ctx context.Context, g *genState, server []serverMsg) ([]candidate, error) {
	name := g.f.Name
	cands := make([]candidate, 0, len(server))
	i := 0
	missing := func(m serverMsg) {
		v.problem(Discrepancy{Kind: MessageMissing, Folder: name, UID: m.uid, Got: fmt.Sprint(m.size),
			Detail: fmt.Sprintf("%s uid %d: on the server (%d bytes) but not in the archive", name, m.uid, m.size)})
	}
	err := v.a.EachStoredRow(ctx, g.f.ID, archive.ByUID, func(r archive.StoredRow) error {
		uid, size, sum := r.UID, r.Size, r.SHA256
		for i < len(server) && server[i].uid < uid {
			missing(server[i])
			i++
		}
		if i == len(server) || server[i].uid != uid {
			v.note(Discrepancy{Kind: MessageNotOnServer, Folder: name, UID: uid, Want: fmt.Sprint(size),
				Detail: fmt.Sprintf("%s uid %d: archived, no longer on the server", name, uid)})
			return nil
		}
		m := server[i]
		i++
		switch {
		case m.size != size:
			v.problem(Discrepancy{Kind: SizeDiffers, Folder: name, UID: uid, Want: fmt.Sprint(size), Got: fmt.Sprint(m.size),
				Detail: fmt.Sprintf("%s uid %d: RFC822.SIZE on the server is %d, the archive stored %d bytes", name, uid, m.size, size)})
		case g.bad[uid]:
			// Already reported by the archive's own check.
		default:
			cd := candidate{uid: uid}
			if b, err := hex.DecodeString(sum); err == nil && len(b) == 32 {
				copy(cd.sha[:], b)
			}
			cands = append(cands, cd)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for ; i < len(server); i++ {
		missing(server[i])
	}
	return cands, nil
}

// deepCheck fetches each candidate's bytes again, hashing them as they
// stream in, and returns the UIDs whose hash matches the archive's.
func (v *verifier) deepCheck(ctx context.Context, c *imapconn.Conn, name string, cands []candidate) ([]uint32, error) {
	verified := make([]uint32, 0, len(cands))
	for start := 0; start < len(cands); start += v.opts.FetchChunk {
		chunk := cands[start:min(start+v.opts.FetchChunk, len(cands))]
		var set imap.UIDSet
		for _, cd := range chunk {
			set.AddNum(imap.UID(cd.uid))
		}
		got := make(map[uint32][32]byte, len(chunk))
		cmd := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
		err := eachFetched(c, cmd, func(f *fetched) {
			if f.hashed {
				v.tick(1, f.bodyBytes)
				if f.uid != 0 {
					got[f.uid] = f.sum
				}
			}
		})
		if err != nil {
			return nil, err
		}
		for _, cd := range chunk {
			s, ok := got[cd.uid]
			switch {
			case !ok:
				v.note(Discrepancy{Kind: MessageNotOnServer, Folder: name, UID: cd.uid,
					Detail: fmt.Sprintf("%s uid %d: gone from the server during the verification", name, cd.uid)})
			case s != cd.sha:
				v.problem(Discrepancy{Kind: ServerContentDiffers, Folder: name, UID: cd.uid, Want: hexSum(cd.sha), Got: hexSum(s),
					Detail: fmt.Sprintf("%s uid %d: the server's bytes hash to %s, the archive's to %s", name, cd.uid, hexSum(s), hexSum(cd.sha))})
			default:
				verified = append(verified, cd.uid)
			}
		}
	}
	return verified, nil
}
