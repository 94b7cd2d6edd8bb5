package migrate_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
	"github.com/mailark/mailark/migrate"
)

var (
	migrateKills = testimap.SoakFlag("migrate-kills", 20, "how many times TestKilledMigrationResumes kills the migration process")
	migrateSeed  = flag.Uint64("migrate-seed", 0, "seed of TestKilledMigrationResumes's kill points (0: a new one, logged)")
)

// TestMigrateKillChild is the child process of TestKilledMigrationResumes:
// it runs a migration and prints one line per progress event, until it is
// killed.
func TestMigrateKillChild(t *testing.T) {
	testimap.SkipUnlessChild(t)
	env := testimap.ChildKillEnv()
	conns, _ := strconv.Atoi(os.Getenv("MAILARK_KILL_CONNS"))
	batch, _ := strconv.Atoi(os.Getenv("MAILARK_KILL_BATCH"))
	conn := imapconn.Config{Host: "127.0.0.1", Port: env.Port, Security: imapconn.TLS, CAFile: env.CAFile,
		User: env.User, Password: secret.New(env.Password), DialTimeout: 10 * time.Second}
	opts := copyOpts(env.Archive, conn)
	opts.Connections, opts.RecordBatch = conns, batch
	opts.Progress = testimap.PrintEvent
	fmt.Println("started")
	sum, err := migrate.Copy(context.Background(), opts)
	fmt.Printf("finished %v ok=%v already=%d copied=%d found=%d of %d\n", err, sum.OK(), sum.Already, sum.Copied, sum.Found, sum.Messages)
}

// TestKilledMigrationResumes kills the migration process with SIGKILL at
// random points — while it starts, looks for what an earlier run left
// unrecorded, appends with APPENDs in flight on one to three connections,
// and commits its records — and runs it again each time. After each kill
// the new account holds no message twice and every copy record points to
// the archived message; in the end, after a run that completes, the new
// account holds every archived message exactly once, byte for byte, with
// its flags and date. A run that completes before its kill is checked the
// same way, and the next run starts on a fresh account.
func TestKilledMigrationResumes(t *testing.T) {
	testimap.SkipIfShort(t)
	kills := *migrateKills
	d, dir, users := relDovecot(t, kills+2)
	want := relExpected(t, dir)
	// A slightly slow link: answers lag behind APPENDs, so that kills land
	// with commands in flight.
	proxy := testimap.StartProxy(t, d.TLSAddr(), func(int) testimap.Fault { return testimap.Fault{Delay: 200 * time.Microsecond} })
	seed := *migrateSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("kill points from -migrate-seed=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	user := 0
	killed, started, completed := 0, 0, 0
	for killed < kills && started < 4*kills {
		started++
		conns, batch := 1+rng.IntN(3), []int{0, 16, 1}[rng.IntN(3)]
		// Kill after this many progress events (about one per message
		// settled); 0: as soon as the process says it started.
		killAt := rng.IntN(100)
		env := testimap.KillEnv{Port: proxy.Port, User: users[user], Password: copyPass, Archive: dir, CAFile: d.CAFile}
		c := testimap.KillChild(t, "TestMigrateKillChild", append(env.Environ(),
			"MAILARK_KILL_CONNS="+strconv.Itoa(conns), "MAILARK_KILL_BATCH="+strconv.Itoa(batch)), killAt)
		if c.Hung {
			t.Fatalf("run %d (%d connections, batch %d) hung", started, conns, batch)
		}
		if c.Finished != "" {
			// This account is complete: check it, and go on with another,
			// so that every kill interrupts real work.
			if !strings.HasPrefix(c.Finished, "finished <nil> ok=true") {
				t.Fatalf("run %d: %s", started, c.Finished)
			}
			t.Logf("run %d (%d connections, batch %d) completed: %s", started, conns, batch, c.Finished)
			relCheck(t, copyConn(d, users[user]), want)
			completed++
			user++
			continue
		}
		killed++
		tally.Kills.Add(1)
		relCheckPartial(t, d, dir, users[user], want)
		if t.Failed() {
			t.Fatalf("after kill %d (run %d: %d connections, batch %d, killed after %d events)", killed, started, conns, batch, c.Events)
		}
	}
	if killed < kills {
		t.Fatalf("only %d kills landed in %d runs", killed, started)
	}
	// Run again until a run completes, as a user would.
	opts := copyOpts(dir, relConn(d, proxy.Port, users[user]))
	sum, err := migrate.Copy(context.Background(), opts)
	for runs := 1; (err != nil || !sum.OK()) && runs < 3; runs++ {
		t.Logf("resumed Copy() = %v; running it again", err)
		sum, err = migrate.Copy(context.Background(), opts)
	}
	if err != nil || !sum.OK() {
		t.Fatalf("resumed Copy() = %v: %+v", err, sum)
	}
	if sum.Already+sum.Copied+sum.Found != sum.Messages {
		t.Errorf("resumed Copy(): already %d + copied %d + found %d != %d messages", sum.Already, sum.Copied, sum.Found, sum.Messages)
	}
	t.Logf("%d kills in %d runs, %d runs completed before their kill; the last run: already %d, copied %d, found %d",
		killed, started, completed, sum.Already, sum.Copied, sum.Found)
	relCheck(t, copyConn(d, users[user]), want)
}

// relCheckPartial checks an account a killed run was copying into: it holds
// no message more often than the archive, nothing the archive lacks, and
// each copy record for it names a message it holds, with the archived
// bytes, and no other record names the same one.
func relCheckPartial(t testing.TB, d *testimap.Dovecot, dir, user string, want map[string]map[string]int) {
	t.Helper()
	got := relFetch(t, copyConn(d, user))
	_, _, dups, wrong := relCompare(want, got)
	tally.Dups.Add(int64(dups)) // the test stops here when there are any
	if dups != 0 || len(wrong) != 0 {
		t.Errorf("%s: %d messages duplicated, %d not archived: %v", user, dups, len(wrong), wrong[:min(len(wrong), 5)])
	}
	ctx := context.Background()
	// Opened for writing, as the next run will: that recovers from the kill.
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		t.Fatalf("archive after kill: %v", err)
	}
	defer a.Close()
	log, err := a.CopyLog(ctx, copyConn(d, user).Host, user)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := log.Records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[[2]int64]string{} // folder id, uid → sha256
	gens, err := a.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gens {
		if err := a.EachMessage(ctx, g.ID, func(m *archive.MessageInfo) error {
			sums[[2]int64{g.ID, int64(m.UID)}] = m.SHA256
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	named := map[string]bool{}
	for _, r := range recs {
		folder, v, destUID, uid := r.DestFolder, r.DestUIDValidity, r.DestUID, r.UID
		sha := sums[[2]int64{r.FolderID, int64(r.UID)}]
		f, ok := got[folder]
		e, there := f.byUID[destUID]
		key := fmt.Sprintf("%s/%d/%d", folder, v, destUID)
		switch {
		case !ok || f.uidValidity != v:
			t.Errorf("record of uid %d: %s UIDVALIDITY %d, the account has %d", uid, folder, v, f.uidValidity)
		case !there:
			t.Errorf("record of uid %d: %s uid %d is not in the account", uid, folder, destUID)
		case !strings.HasPrefix(e, sha+" "):
			t.Errorf("record of uid %d: %s uid %d holds another message", uid, folder, destUID)
		case named[key]:
			t.Errorf("record of uid %d: %s uid %d is named by another record too", uid, folder, destUID)
		}
		named[key] = true
	}
}
