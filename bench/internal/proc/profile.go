package proc

import (
	"io"
	"os"
	"runtime/pprof"
	"runtime/trace"
)

// CPUProfile starts a CPU profile written to path and returns the function
// that stops it and closes the file. An empty path profiles nothing.
func CPUProfile(path string) (stop func(), err error) {
	return record(path, pprof.StartCPUProfile, pprof.StopCPUProfile)
}

// Trace starts an execution trace written to path (where the pipeline's
// stages wait) and returns the function that stops it and closes the file.
// An empty path traces nothing.
func Trace(path string) (stop func(), err error) {
	return record(path, trace.Start, trace.Stop)
}

func record(path string, start func(io.Writer) error, end func()) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		end()
		f.Close()
	}, nil
}
