package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/mailark/mailark/backup"
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	pass, err := os.ReadFile(*passFile)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
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
	fmt.Printf("%d new message(s)\n", sum.New)
	if err != nil {
		return err
	}
	if !sum.OK() {
		return fmt.Errorf("%d message(s) not saved", len(sum.Failures))
	}
	return nil
}
