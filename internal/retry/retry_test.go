package retry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/retry"
)

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, w := range want {
		if got := retry.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestSleepEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := retry.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep() = %v, want context.Canceled", err)
	}
}

func TestPolicyDefaults(t *testing.T) {
	var p retry.Policy
	p.ApplyDefaults()
	if p.Retries != 8 || p.Backoff == nil || p.Sleep == nil || p.Now == nil {
		t.Fatalf("ApplyDefaults() left %+v", p)
	}
	if got := p.Backoff(2); got != 2*time.Second {
		t.Errorf("default Backoff(2) = %v, want 2s", got)
	}
	set := retry.Policy{Retries: 3, Backoff: func(int) time.Duration { return time.Millisecond }}
	set.ApplyDefaults()
	if set.Retries != 3 || set.Backoff(5) != time.Millisecond {
		t.Errorf("ApplyDefaults() replaced what was set: Retries %d, Backoff(5) %v", set.Retries, set.Backoff(5))
	}
}
