package migrate

import (
	"context"
	"fmt"
	"strings"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/progress"
)

// CopyMapping returns where Copy would put each folder, without copying or
// creating anything (the CLI's --show-mapping).
func CopyMapping(ctx context.Context, opts CopyOptions) ([]MappingEntry, error) {
	opts.applyDefaults()
	a, err := archive.Open(ctx, opts.ArchiveDir, archive.Options{ReadOnly: true, Now: opts.Now})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	if err := notTheOldAccount(ctx, a, opts.Conn); err != nil {
		return nil, err
	}
	stats, err := a.Stats(ctx)
	if err != nil {
		return nil, err
	}
	c, err := imapconn.Dial(ctx, opts.Conn)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return destPlan(ctx, c, stats, &opts)
}

// CopyCheck is the result of CheckDestination.
type CopyCheck struct {
	Host, User   string
	Deep         bool
	Folders      []CopyCheckFolder
	Messages     int64 // archived messages that should be in the new account
	Present      int64
	MissingCount int64
	Missing      []CopyMissing // the first maxCopyMissing
	// Source is how much of the old account the archive holds: every
	// archived message in the new account is the whole old account only
	// when Source.Complete.
	Source gate.Coverage
}

// OK reports whether every archived message is in the new account.
func (c CopyCheck) OK() bool { return c.MissingCount == 0 }

// CopyCheckFolder is one folder generation's result.
type CopyCheckFolder struct {
	MappingEntry
	Present, Missing int64
}

// CopyMissing is an archived message not found in the new account.
type CopyMissing struct {
	Folder string
	UID    uint32
	Size   int64
	Dest   string
	Detail string // "not in the new account", or how the copy differs
}

const maxCopyMissing = 1000

// CheckDestination checks that every archived message is in the new account
// (for `mailark verify --destination`): by the copy records (the recorded UID
// is there with the archived size; with Deep, its bytes hash the same), and
// for a message without a valid record by Message-ID (or internal date) and
// SHA-256, as Copy does. It changes nothing, on the server or in the archive.
func CheckDestination(ctx context.Context, opts CopyOptions) (CopyCheck, error) {
	opts.applyDefaults()
	res := CopyCheck{Host: opts.Conn.Host, User: opts.Conn.User, Deep: opts.Deep}
	a, err := archive.Open(ctx, opts.ArchiveDir, archive.Options{ReadOnly: true, Now: opts.Now})
	if err != nil {
		return res, err
	}
	defer a.Close()
	var sum CopySummary
	r, err := newCopyRun(ctx, a, &opts, &sum)
	if err != nil {
		return res, err
	}
	if res.Source, err = gate.CoverageOf(ctx, a); err != nil {
		return res, err
	}
	res.Messages = sum.Messages
	c, err := imapconn.Dial(ctx, opts.Conn)
	if err != nil {
		return res, err
	}
	defer c.Close()
	plan, err := destPlan(ctx, c, r.stats, &opts)
	if err != nil {
		return res, err
	}
	thr := progress.NewThrottle(opts.Progress, opts.Now)
	for _, e := range plan {
		fr, err := r.checkFolder(ctx, c, e, &res, func() {
			thr.Status(progress.Event{Step: "verify", Folder: e.Folder, Done: res.Present + res.MissingCount,
				Total: res.Messages}, false)
		})
		if err != nil {
			return res, err
		}
		res.Folders = append(res.Folders, fr)
	}
	thr.Status(progress.Event{Step: "verify", Done: res.Present + res.MissingCount, Total: res.Messages}, true)
	return res, nil
}

// checkFolder checks one folder generation: first the recorded messages,
// then the others against what the records do not account for.
func (r *copyRun) checkFolder(ctx context.Context, c *imapconn.Conn, e MappingEntry, res *CopyCheck, tick func()) (CopyCheckFolder, error) {
	fr := CopyCheckFolder{MappingEntry: e}
	missing := func(m pendingMsg, detail string) {
		fr.Missing++
		res.MissingCount++
		if len(res.Missing) < maxCopyMissing {
			res.Missing = append(res.Missing, CopyMissing{Folder: e.Folder, UID: m.uid, Size: m.size, Dest: e.Dest, Detail: detail})
		}
	}
	if !e.Exists {
		return fr, r.log.eachMessage(ctx, e.FolderID, func(m pendingMsg) error {
			missing(m, "the folder "+e.Dest+" is not in the new account")
			return nil
		})
	}
	uids, v, err := destFolderUIDs(ctx, c, e.Dest)
	if err != nil {
		return fr, err
	}
	recorded, err := r.log.recorded(ctx, e.FolderID, e.Dest, v)
	if err != nil {
		return fr, err
	}
	idx, err := buildIndex(ctx, c, uids)
	if err != nil {
		return fr, err
	}
	found := map[uint32]bool{}
	differs := map[uint32]string{}
	err = r.log.eachMessage(ctx, e.FolderID, func(m pendingMsg) error {
		dest := recorded[m.uid]
		size, there := idx.size[dest]
		if dest == 0 || !there || idx.claimed[dest] {
			return nil
		}
		if size != m.size || r.opts.Deep {
			same, err := sameBytes(ctx, c, r.a, dest, m)
			if err != nil || !same {
				differs[m.uid] = fmt.Sprintf("uid %d in %s differs from the archived message", dest, e.Dest)
				return err
			}
		}
		idx.claimed[dest], found[m.uid] = true, true
		return nil
	})
	if err != nil {
		return fr, err
	}
	err = r.log.eachMessage(ctx, e.FolderID, func(m pendingMsg) error {
		defer tick()
		if found[m.uid] {
			fr.Present++
			res.Present++
			return nil
		}
		if _, ok, err := idx.match(ctx, c, r.a, m); err != nil || ok {
			fr.Present++
			res.Present++
			return err
		}
		detail := differs[m.uid]
		if detail == "" {
			detail = "not in " + e.Dest
		}
		missing(m, detail)
		return nil
	})
	return fr, err
}

// sameBytes reports whether destination message uid holds m's bytes
// (exactly, or once bare LFs are CRLF on both sides).
func sameBytes(ctx context.Context, c *imapconn.Conn, a *archive.Archive, uid uint32, m pendingMsg) (bool, error) {
	exact, norm, err := fetchSums(ctx, c, uid)
	if err != nil || exact == m.sha256 {
		return err == nil, err
	}
	want, err := archiveNormSum(ctx, a, m.id)
	return strings.EqualFold(want, norm) && norm != "", err
}
