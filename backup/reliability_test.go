package backup_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

var cuts = testimap.SoakFlag("cuts", 50, "how many cut points TestCutAnywhere tries")

// tally counts, over the whole test binary, what the reliability tests did.
var tally testimap.Tally

func TestMain(m *testing.M) {
	// Every test that checks the archive byte-exact also checks that no
	// message buffer was given back while the message was still read.
	backup.PoisonReleasedBuffers()
	tally.Main(m, "reliability", "reliability.txt")
}

// TestCutAnywhere backs up the demo account from a real Dovecot over TLS
// through a proxy that breaks the first connection at a different point each
// time — during the greeting and TLS handshake, login, listing, planning and
// all through the transfer; closing, resetting, stalling or crawling — and
// checks every time that the run completed by itself and the archive holds
// every message of the server exactly once.
func TestCutAnywhere(t *testing.T) {
	d := testimap.StartDovecot(t)
	seedDemo(t, d, "user")
	state := serverState(t, dovecotClient(t, d, "user", "password"))
	const total = 10_500_000 // bytes from server to client in one full backup, about
	for i := 0; i < *cuts; i++ {
		at := int64(40 * math.Pow(total/40, float64(i)/float64(max(*cuts-1, 1))))
		var fault testimap.Fault
		switch i % 5 {
		case 0, 1:
			fault = testimap.Fault{CutDownAfter: at}
		case 2:
			fault = testimap.Fault{CutDownAfter: at, Reset: true}
		case 3:
			fault = testimap.Fault{CutUpAfter: max(at/100, 20)} // our side's bytes: commands
		case 4:
			fault = testimap.Fault{StallDownAfter: at}
		}
		if i == *cuts/2 {
			fault = testimap.Fault{CutDownAfter: at, Delay: time.Millisecond}
		}
		t.Run(fmt.Sprintf("%02d_%+v", i, fault), func(t *testing.T) {
			proxy := testimap.StartProxy(t, d.TLSAddr(), testimap.FirstConns(1, fault))
			dir := tempArchive(t)
			sum, err := backup.Run(context.Background(), backup.Options{ArchiveDir: dir,
				Policy: noWait,
				Conn: imapconn.Config{Host: "localhost", Port: proxy.Port, CAFile: d.CAFile, User: "user",
					Password: secret.New("password"), IdleTimeout: 2 * time.Second, DialTimeout: 5 * time.Second}})
			tally.Faults.Add(1)
			if err != nil || !sum.OK() {
				t.Fatalf("Run() = %v after %d retries", err, sum.Retries)
			}
			checkArchive(t, dir, state)
		})
	}
}
