package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/bench/internal/proc"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/secret"
)

// runBackup is the child mode "backup": backup.Run in this process, as the
// CLI calls it, with a CPU profile (and a heap profile at the end) for
// finding where Mailark's time goes. It prints the summary counts.
func runBackup(args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	port := fs.Int("port", 0, "IMAPS port on 127.0.0.1")
	caFile := fs.String("ca", "", "PEM of the server certificate")
	user := fs.String("user", "", "user name")
	passFile := fs.String("passfile", "", "file holding the password")
	dir := fs.String("archive", "", "archive folder")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile here")
	memProfile := fs.String("memprofile", "", "write a heap profile here at the end")
	traceFile := fs.String("trace", "", "write an execution trace here (where the pipeline's stages wait)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pass, err := os.ReadFile(*passFile)
	if err != nil {
		return err
	}
	stopProfile, err := proc.CPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	stopTrace, err := proc.Trace(*traceFile)
	if err != nil {
		return err
	}
	defer stopTrace()
	stopSampling := sampleMemory()
	sum, err := backup.Run(context.Background(), backup.Options{
		Conn: imapconn.Config{Host: "127.0.0.1", Port: *port, Security: imapconn.TLS, CAFile: *caFile,
			User: *user, Password: secret.New(strings.TrimRight(string(pass), "\n"))},
		ArchiveDir: *dir,
	})
	if *memProfile != "" {
		if f, ferr := os.Create(*memProfile); ferr == nil {
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	stopSampling()
	fmt.Printf("%d new message(s)\n", sum.New)
	if err != nil {
		return err
	}
	if !sum.OK() {
		return fmt.Errorf("%d message(s) not saved", len(sum.Failures))
	}
	return nil
}

// sampleMemory samples, every 50 ms until the returned function is called,
// the process's resident size and what the Go runtime holds of it, and then
// prints the peaks: the rest is memory the runtime does not manage (SQLite's
// heap, in modernc's C library).
func sampleMemory() (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	var peakRSS, peakGo, peakLive, peakOther uint64
	go func() {
		defer close(finished)
		t := time.NewTicker(50 * time.Millisecond)
		n := 0
		defer t.Stop()
		for {
			metrics.Read(samples)
			rss := uint64(proc.RSS()) << 10
			goTotal, live := samples[0].Value.Uint64(), samples[1].Value.Uint64()
			peakRSS, peakGo, peakLive = max(peakRSS, rss), max(peakGo, goTotal), max(peakLive, live)
			if rss > goTotal {
				peakOther = max(peakOther, rss-goTotal)
			}
			if n++; n%40 == 0 { // every 2 s, in the child's log: does anything grow?
				fmt.Fprintf(os.Stderr, "memory: RSS %.1f MiB, Go runtime %.1f MiB, heap objects %.1f MiB\n", mib(rss), mib(goTotal), mib(live))
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		fmt.Printf("memory peaks: RSS %.1f MiB; Go runtime %.1f MiB (heap objects %.1f MiB); RSS beyond the Go runtime %.1f MiB\n",
			mib(peakRSS), mib(peakGo), mib(peakLive), mib(peakOther))
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }
