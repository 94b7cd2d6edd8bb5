package backup

import (
	"context"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/folders"
	"github.com/mailark/mailark/internal/imapconn"
)

// folderPlan is what one folder needs this run.
type folderPlan struct {
	server   folders.Folder
	folder   *archive.Folder
	uidNext  uint32
	messages uint32
	missing  []imap.UID         // ascending
	sizes    map[imap.UID]int64 // RFC822.SIZE of the missing ones
	bytes    int64
	newGen   bool
	gone     []uint32 // failed earlier, no longer on the server
	deferred int64    // messages left for another day by the daily budget (budget.go)
}

// drop removes uids from the plan (they failed in this run: the next
// session must not ask for them again).
func (fp *folderPlan) drop(failed map[uint32]bool) {
	if len(failed) == 0 {
		return
	}
	kept := fp.missing[:0]
	for _, uid := range fp.missing {
		if failed[uint32(uid)] {
			fp.bytes -= fp.sizes[uid]
			continue
		}
		kept = append(kept, uid)
	}
	fp.missing = kept
}

// upToDate reports, from LIST-STATUS alone, that nothing can be new: the
// generation is the same and UIDNEXT has not moved since a complete run.
func upToDate(sf folders.Folder, f *archive.Folder) bool {
	st := sf.Status
	return st != nil && f != nil && st.UIDValidity == f.UIDValidity && st.UIDNext != 0 &&
		uint32(st.UIDNext) == f.CompleteUIDNext && st.NumMessages != nil
}

// sizeOptions asks for what the plan needs of each message.
var sizeOptions = &imap.FetchOptions{UID: true, RFC822Size: true}

// plan examines the folder read-only and finds the UIDs not yet archived.
func plan(ctx context.Context, c *imapconn.Conn, a *archive.Archive, sf folders.Folder, fp *folderPlan) error {
	return finishPlan(ctx, c, a, sf, fp, sendPlan(c, sf, fp.folder == nil))
}

// planCmds is a folder's plan commands in flight: the EXAMINE and the
// command after it go out together, so that a folder costs one round trip
// when the archive holds nothing of it (fresh: UID FETCH 1:* of the sizes
// lists the messages too), two when it holds some (UID SEARCH, then the
// sizes of the missing ones alone).
type planCmds struct {
	fresh  bool
	sel    *imapclient.SelectCommand
	all    *imapclient.FetchCommand
	search *imapclient.SearchCommand
}

func sendPlan(c *imapconn.Conn, sf folders.Folder, fresh bool) *planCmds {
	p := &planCmds{fresh: fresh, sel: c.Select(sf.Mailbox, &imap.SelectOptions{ReadOnly: true})}
	if fresh {
		p.all = c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, sizeOptions)
	} else {
		p.search = c.UIDSearch(&imap.SearchCriteria{}, nil)
	}
	return p
}

// planWindow is how many folders' plan commands go out ahead of the one
// being read.
const planWindow = 16

// planAll plans the folders of todo on c in order, each by finish; the
// commands of up to planWindow folders go out ahead, so that planning
// costs a round trip or two in all rather than per folder. A folder that
// is not fresh asks one more command once its answers are read (the sizes
// of what is missing), which must run in that folder: nothing goes out
// behind it until it is planned. finish must read p (finishPlan); the
// first error it returns ends the plan.
func planAll(c *imapconn.Conn, todo []*folderPlan, finish func(fp *folderPlan, p *planCmds) error) error {
	sent := make([]*planCmds, len(todo))
	defer discardAll(sent)
	next := 0
	for i, fp := range todo {
		for next < len(todo) && next < i+planWindow && (next == i || fp.folder == nil && todo[next].folder == nil) {
			sent[next] = sendPlan(c, todo[next].server, todo[next].folder == nil)
			next++
		}
		p := sent[i]
		sent[i] = nil
		if err := finish(fp, p); err != nil {
			return err
		}
	}
	return nil
}

// discardAll takes what is left of the answers of every planCmds in sent.
func discardAll(sent []*planCmds) {
	for _, p := range sent {
		if p != nil {
			p.discard()
		}
	}
}

// discard takes what is left of the commands' answers.
func (p *planCmds) discard() {
	if p.sel != nil {
		p.sel.Wait()
	}
	if p.all != nil {
		p.all.Close()
	}
	if p.search != nil {
		p.search.Wait()
	}
}

// finishPlan reads p's answers into fp. A folder that is not fresh asks
// one more command (the sizes of what is missing): no other folder's
// commands may be in flight behind p then (planAll).
func finishPlan(ctx context.Context, c *imapconn.Conn, a *archive.Archive, sf folders.Folder, fp *folderPlan, p *planCmds) error {
	defer p.discard()
	fresh, all, search, selCmd := p.fresh, p.all, p.search, p.sel
	sel, err := selCmd.Wait()
	p.sel = nil
	if err != nil {
		return fmt.Errorf("examine %s: %w", sf.Name, err)
	}
	fp.uidNext = uint32(sel.UIDNext)
	fp.messages = sel.NumMessages
	if sel.UIDValidity == 0 {
		return fmt.Errorf("examine %s: the server gave no UIDVALIDITY", sf.Name)
	}
	fp.newGen = fp.folder != nil && fp.folder.UIDValidity != sel.UIDValidity
	if fp.folder == nil || fp.newGen {
		f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: sf.Name, Delimiter: sf.Delim,
			Attrs: sf.AttrString(), Role: sf.Role, UIDValidity: sel.UIDValidity})
		if err != nil {
			return err
		}
		fp.folder = f
	}
	// Whatever the archive holds of this generation, asked after
	// EnsureFolder: it may give back a generation seen before (a server
	// that went back to an earlier UIDVALIDITY).
	archived, err := a.ArchivedUIDs(ctx, fp.folder.ID)
	if err != nil {
		return err
	}
	fp.missing = nil
	fp.sizes = map[imap.UID]int64{}
	fp.bytes = 0
	var onServer []imap.UID
	var sizes map[imap.UID]int64
	empty := sel.NumMessages == 0
	// An empty folder lists nothing, whatever the listing answered (a
	// server may refuse UID FETCH 1:* or UID SEARCH where there is no
	// message: that is not the folder's failure).
	if fresh {
		sizes, err = collectSizes(all)
		p.all = nil
		if empty {
			sizes, err = map[imap.UID]int64{}, nil
		}
		if err != nil {
			return fmt.Errorf("list messages of %s: %w", sf.Name, err)
		}
		for uid := range sizes {
			onServer = append(onServer, uid)
		}
	} else {
		res, err := search.Wait()
		p.search = nil
		if err != nil && !empty {
			return fmt.Errorf("list messages of %s: %w", sf.Name, err)
		}
		if !empty {
			onServer = res.AllUIDs()
		}
	}
	slices.Sort(onServer)
	if fp.gone, err = a.GoneFailures(ctx, fp.folder.ID, func(uid uint32) bool {
		_, found := slices.BinarySearch(onServer, imap.UID(uid))
		return found
	}); err != nil {
		return err
	}
	i := 0
	for _, uid := range onServer {
		for i < len(archived) && archived[i] < uint32(uid) {
			i++
		}
		if i < len(archived) && archived[i] == uint32(uid) {
			continue
		}
		fp.missing = append(fp.missing, uid)
	}
	if len(fp.missing) == 0 {
		return nil
	}
	if sizes == nil {
		// Sizes of what is missing, for progress and the ETA.
		var set imap.UIDSet
		for _, uid := range fp.missing {
			set.AddNum(uid)
		}
		if sizes, err = collectSizes(c.Fetch(set, sizeOptions)); err != nil {
			return fmt.Errorf("sizes of %s: %w", sf.Name, err)
		}
	}
	for _, uid := range fp.missing {
		fp.sizes[uid] = sizes[uid]
		fp.bytes += sizes[uid]
	}
	return nil
}

// collectSizes reads a UID FETCH of sizes: each message's RFC822.SIZE by
// UID.
func collectSizes(cmd *imapclient.FetchCommand) (map[imap.UID]int64, error) {
	sizes := map[imap.UID]int64{}
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		buf, err := msg.Collect()
		if err != nil {
			break
		}
		if buf.UID != 0 {
			sizes[buf.UID] = buf.RFC822Size
		}
	}
	return sizes, cmd.Close()
}

// replan plans fp's folder again on c, whose EXAMINE found another
// UIDVALIDITY than the plan's: the plan's UIDs name other messages, so the
// folder is planned again as a new generation, and no message of one
// generation is stored as the other's.
func (r *runner) replan(ctx context.Context, c *imapconn.Conn, fp *folderPlan) error {
	name := fp.server.Name
	was := fp.folder.UIDValidity
	missing, bytes := len(fp.missing), fp.bytes
	if err := plan(ctx, c, r.a, fp.server, fp); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.failed, name) // UIDs of the old generation
	if len(fp.gone) > 0 {
		if err := r.a.ResolveGone(ctx, fp.folder.ID, fp.gone); err != nil {
			return err
		}
	}
	fs := r.folders[name]
	fs.NewGeneration = true
	fs.ServerMessages = fp.messages
	r.total += int64(len(fp.missing) - missing)
	r.totalBytes += fp.bytes - bytes
	r.noticeLocked(fmt.Sprintf("%s changed its UIDVALIDITY from %d to %d during the backup: starting a fresh copy, the old one is kept", name, was, fp.folder.UIDValidity), nil)
	return nil
}
