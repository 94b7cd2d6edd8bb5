package testimap

import "math"

// Plans for StartProxy, and the faults the fault loops walk through a run.

// Counting passes everything through and counts the client's commands: a
// clean run through it measures a whole run (Commands, Bytes), for a fault
// loop to spread its faults over.
func Counting(int) Fault { return Fault{RefuseCommand: math.MaxInt} }

// FirstConns gives the first conns connections fault and the others none
// (a reconnection meets the same answer when conns > 1).
func FirstConns(conns int, fault Fault) func(int) Fault {
	return func(c int) Fault {
		if c < conns {
			return fault
		}
		return Fault{}
	}
}

// PerConn gives the n-th connection (from 0) faults[n], and the later ones
// none.
func PerConn(faults ...Fault) func(int) Fault {
	return func(n int) Fault {
		if n < len(faults) {
			return faults[n]
		}
		return Fault{}
	}
}

// RefuseOrBye is the i-th of n faults spread over a whole run of commands
// commands and downTotal bytes from the server: even i answer NO to a
// command, odd i send BYE and hang up, each kind from the first command or
// byte to near the last.
func RefuseOrBye(i, n, commands int, downTotal int64) Fault {
	frac := float64(i/2) / float64(max((n+1)/2-1, 1))
	if i%2 == 0 {
		return Fault{RefuseCommand: 1 + int(frac*float64(commands-1))}
	}
	// Up to 80%: the answers vary in length from run to run (a server
	// sends EXISTS once for several APPENDs or for each, as timing has
	// it; seen for the same migration: 73,928 and 78,720 bytes). At 95%
	// a run once ended before the BYE's point.
	return Fault{ByeDownAfter: int64(20 * math.Pow(float64(downTotal)*0.8/20, frac))}
}
