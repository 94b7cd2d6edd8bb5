package archive

// SetWALLimits sets the log's restart and fold-in sizes for a test.
func SetWALLimits(restart, max int64) (undo func()) {
	r, m := walRestartBytes, maxWALBytes
	walRestartBytes, maxWALBytes = restart, max
	return func() { walRestartBytes, maxWALBytes = r, m }
}
