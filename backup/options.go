package backup

import (
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/retry"
)

// Options for Run. Conn and ArchiveDir are required; the rest have defaults.
type Options struct {
	Conn       imapconn.Config
	ArchiveDir string
	Progress   progress.Sink

	// Batches commit when any limit is reached.
	BatchMessages int           // default 1000
	BatchBytes    int64         // default 64 MiB
	BatchInterval time.Duration // default 2 s

	// SpoolBytes: a message larger than this is spooled to the archive's
	// tmp/ folder instead of memory (default 8 MiB, half of InFlightBytes'
	// default). A spooled message is written to the file and read back
	// twice (the mbox file, SQLite): with 4 MiB, the bench's attachments
	// of 4-7 MB took 1.3 s of CPU in writes to spool files on loopback
	// (N = 20,000); with 8 MiB, 0.7 s, and the same peak RSS (88.5-90.2
	// MiB against 89.6-90.4, three rounds).
	SpoolBytes int64
	// InFlightBytes bounds the bytes of fetched messages waiting to be
	// written (default 16 MiB).
	InFlightBytes int64
	// SpoolAheadBytes bounds the disk that messages fetched ahead of the
	// writer may be spooled to when InFlightBytes is taken (default 1 GiB,
	// never more than a quarter of the free space): the connections go on
	// at the link's rate while the writer waits for the slowest one.
	SpoolAheadBytes int64
	// MaxMessageBytes refuses a message larger than this as failed (a server
	// announcing a 100 GB literal is not sending mail). Default 2 GiB.
	MaxMessageBytes int64
	// FetchChunk is the number of UIDs asked for in one UID FETCH.
	FetchChunk int // default 250
	// FetchChunkBytes bounds one UID FETCH by the server's sizes, so that
	// a folder of large messages spreads over the connections too
	// (default 8 MiB).
	FetchChunkBytes int64

	// Connections is how many connections fetch at once (default 4),
	// never more than the host's cap (Limits). When the server refuses one
	// or cuts one for its limit, the run goes on with those it has and
	// opens no more.
	Connections int
	// Limits is the providers' limits: the host's connection cap, daily
	// download budget and throttling answers. Nil: limits.Default().
	Limits *limits.Table
	// Ledger keeps the daily budget's count, shared by separate runs.
	// Nil: the archive's (a desk passes its queue's).
	Ledger limits.Ledger
	// WaitForBudget: when the host's daily download budget is used up,
	// wait until it renews and go on, rather than stop with a
	// *limits.ExhaustedError.
	WaitForBudget bool
	// ThrottleRetries bounds the waits in a row a throttling server asks
	// for without anything saved between them (default 20).
	ThrottleRetries int

	// Compress says whether to use COMPRESS=DEFLATE when the server offers
	// it: CompressAuto (the zero value) measures the link and compresses
	// only when it is slow (compress.go).
	Compress Compress
	// LinkRate replaces auto mode's measurement: given what the
	// connections read so far (summed), the rate per connection in bytes
	// a second and whether it is enough to decide. Tests pin it.
	LinkRate func(imapconn.LinkStats) (float64, bool)

	// Policy is how the run reconnects (Retries, Backoff) and its clock
	// (Sleep, Now); a zero Policy has retry's defaults.
	retry.Policy
	// StallTimeout is the run's no-progress deadline (default 3 min). A
	// connection on which the server sends nothing for half of it, or less
	// than 1 KiB over half of it spent waiting (a server dribbling a byte
	// now and then), is dropped and retried; and when nothing moved for
	// StallTimeout — no message saved or failed, no folder finished, not
	// 64 KiB of mail received — the run gives up with a *StallError rather
	// than retry on. A stall after login thus ends the run in about
	// StallTimeout, whatever Retries says.
	StallTimeout time.Duration

	// SpaceCheck refuses the run with a *SpaceError (Kind DiskFull) when
	// the archive's disk has less free than what its plan fetches needs
	// (SurveyResult.SpaceNeeded): checked once the first session planned
	// every folder, before any message is fetched, on the run's own
	// connection (no survey of its own). A refused run leaves no new
	// file or folder where the archive goes (an existing archive keeps
	// the refused run's record).
	SpaceCheck bool

	// Folders, when not empty, limits the run to these folder names.
	Folders []string

	// SameAccountAsBefore: the archive's account reached by another name
	// (a host alias, a login written differently). The run goes on and
	// records the new names. Without it, an archive holding messages of
	// another account is refused (archive.ErrOtherAccount).
	SameAccountAsBefore bool

	// Stores are the account's mail-app stores on this computer
	// (FindStores): after the server, Run imports each into the same
	// archive (Import), with the same progress. Summary.Stores says how.
	Stores []*mailstore.Store
	// StoreMessages is how many messages Stores hold, as FindStores
	// counted them (0: not counted): the progress's total includes them.
	StoreMessages int64
}

func (o *Options) applyDefaults() {
	if o.Progress == nil {
		o.Progress = progress.Discard
	}
	if o.BatchMessages <= 0 {
		o.BatchMessages = 1000
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 64 << 20
	}
	if o.BatchInterval <= 0 {
		o.BatchInterval = 2 * time.Second
	}
	if o.SpoolBytes <= 0 {
		o.SpoolBytes = 8 << 20
	}
	if o.InFlightBytes <= 0 {
		o.InFlightBytes = 16 << 20
	}
	if o.SpoolAheadBytes <= 0 {
		o.SpoolAheadBytes = 1 << 30
	}
	if o.InFlightBytes < bufferBytes(o.SpoolBytes) { // the largest message held in memory fits
		o.InFlightBytes = bufferBytes(o.SpoolBytes)
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 2 << 30
	}
	if o.FetchChunk <= 0 {
		o.FetchChunk = 250
	}
	if o.FetchChunkBytes <= 0 {
		o.FetchChunkBytes = 8 << 20
	}
	if o.Connections <= 0 {
		o.Connections = 4
	}
	if o.Limits == nil {
		o.Limits = limits.Default()
	}
	if o.ThrottleRetries <= 0 {
		o.ThrottleRetries = 20
	}
	o.Policy.ApplyDefaults()
	if o.StallTimeout <= 0 {
		o.StallTimeout = 3 * time.Minute
	}
}

// FolderSummary is what a run did for one folder.
type FolderSummary struct {
	Name           string
	Role           string
	ServerMessages uint32 // messages on the server
	Archived       int64  // messages in the archive for this folder generation after the run
	New            int64  // archived by this run
	NewBytes       int64
	Failed         int  // messages that failed in this run
	NewGeneration  bool // UIDVALIDITY changed: a fresh copy was started, the old one kept
}

// Summary is the result of a run.
type Summary struct {
	RunID      int64
	ArchiveDir string
	Folders    []FolderSummary
	New        int64 // messages archived by this run (from the server and from Stores)
	NewBytes   int64
	Total      int64 // messages in the archive's current folders after the run
	// Failures lists every message still not archived because the server
	// could not deliver it (this run's and earlier runs' unresolved ones).
	Failures []archive.Failure
	// FolderErrors lists folders that could not be read at all.
	FolderErrors []FolderError
	Retries      int
	// Throttled counts the waits a server asked for ("slow down").
	Throttled int `json:",omitempty"`
	// Deferred and DeferredBytes are the messages the provider's daily
	// download budget left for another day (the run then ends with a
	// *limits.ExhaustedError; running again after it renews fetches them).
	Deferred      int64         `json:",omitempty"`
	DeferredBytes int64         `json:",omitempty"`
	Elapsed       time.Duration // until every message was durable
	// Indexed is how many messages this run added to the full-text index
	// (an earlier run's left unindexed too); Unindexed how many are still
	// not in it, so that search does not find them yet (the run was
	// stopped; the next run indexes them). IndexElapsed is from the start
	// until the index was done.
	Indexed      int64
	Unindexed    int64
	IndexElapsed time.Duration
	// Notes are what a person should know about how this run matched
	// messages (a POP3 server without UIDL, for example), one sentence each.
	Notes []string `json:",omitempty"`
	// Stores is what the import of each of Options.Stores did.
	Stores []*ImportSummary `json:",omitempty"`
	// Compression is what the run did about COMPRESS=DEFLATE, and why.
	Compression CompressionSummary
	// LinkRate is what each connection delivered, in bytes of mail a
	// second, while Mailark waited for the server (time in which it was
	// behind does not count); 0 when too little came to tell.
	LinkRate float64 `json:",omitempty"`
	// SpooledAheadBytes is how much mail, fetched ahead of the writer
	// while it waited for the link, went to spool files (linkrate.go).
	SpooledAheadBytes int64 `json:",omitempty"`
}

// FolderError is a folder the server would not let us read.
type FolderError struct {
	Name, Reason string
	Err          error `json:"-"` // what Reason says, for errors.Is
}

// OK reports whether every message was saved.
func (s Summary) OK() bool {
	for _, st := range s.Stores {
		if !st.Whole() {
			return false
		}
	}
	return len(s.Failures) == 0 && len(s.FolderErrors) == 0
}

// connections is how many connections a run starts with.
func (o *Options) connections() int {
	return o.Limits.For(o.Conn.Host).Connections(o.Connections)
}
