package gate

// SetRangesPerCommand lets tests split deletions into small commands.
func SetRangesPerCommand(n int) (restore func()) {
	old := rangesPerCommand
	rangesPerCommand = n
	return func() { rangesPerCommand = old }
}
