package desk_test

import (
	"context"
	"testing"
	"time"
)

// TestClaims: one holder at a time per account (until its claim lapses),
// and at most N holders per server host across the desk.
func TestClaims(t *testing.T) {
	ctx := context.Background()
	_, d := testDesk(t, "")
	if ok, err := d.ClaimAccount(ctx, "a", "pc1#1", time.Minute); !ok || err != nil {
		t.Fatalf("first claim = %v, %v", ok, err)
	}
	if ok, _ := d.ClaimAccount(ctx, "a", "pc2#2", time.Minute); ok {
		t.Error("a second worker claimed an account already claimed")
	}
	if ok, _ := d.ClaimAccount(ctx, "a", "pc1#1", time.Minute); !ok {
		t.Error("the holder could not renew its claim")
	}
	if ok, _ := d.ClaimAccount(ctx, "b", "pc3#3", -time.Second); !ok {
		t.Fatal("claim of another account refused")
	}
	if ok, _ := d.ClaimAccount(ctx, "b", "pc2#2", time.Minute); !ok {
		t.Error("a lapsed claim (a dead worker's) was not taken over")
	}
	// testDesk's default: 2 connections per host.
	for i, want := range []bool{true, true, false} {
		if ok, _ := d.ClaimHost(ctx, "IMAP.example", "h"+string(rune('0'+i)), time.Minute); ok != want {
			t.Errorf("host claim %d = %v, want %v", i+1, ok, want)
		}
	}
}
