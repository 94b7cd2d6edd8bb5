package backup_test

import (
	"context"
	"testing"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

// A message's buffer goes back for the next message only once nothing
// reads it (the parser, the mbox file, SQLite). Buffers given back are
// poisoned in the tests (TestMain), and with an in-flight budget of a few
// messages over four connections buffers go round many times: a message
// read after its buffer was given back would be archived wrong.
func TestMessageBuffersAreGivenBackOnlyWhenWritten(t *testing.T) {
	srv := testimap.Start(t, nil)
	state := serverState(t, srv.Client(t))
	dir := tempArchive(t)
	opts := options(srv, dir)
	opts.Connections = 4
	opts.SpoolBytes = 256 << 10
	opts.InFlightBytes = 512 << 10
	opts.BatchMessages = 7 // batches commit while others fill
	sum, err := backup.Run(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %v", err, sum.Failures)
	}
	if n := checkArchive(t, dir, state); n != demo.OldProvider().MessageCount() {
		t.Errorf("checked %d messages, want %d", n, demo.OldProvider().MessageCount())
	}
}
