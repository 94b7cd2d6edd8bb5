package secret_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/secret"
)

func TestPasswordNeverPrints(t *testing.T) {
	const pw = "hunter2-秘密"
	p := secret.New(pw)
	type holder struct {
		User     string
		Password secret.Password
	}
	h := holder{"u", p}
	var outs []string
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		outs = append(outs, fmt.Sprintf(f, p), fmt.Sprintf(f, h), fmt.Sprintf(f, &h))
	}
	j, _ := json.Marshal(h)
	outs = append(outs, string(j))
	var log bytes.Buffer
	slog.New(slog.NewJSONHandler(&log, nil)).Info("login", "password", p, "holder", h)
	slog.New(slog.NewTextHandler(&log, nil)).Info("login", "password", p)
	outs = append(outs, log.String())
	for _, o := range outs {
		if strings.Contains(o, pw) || strings.Contains(o, fmt.Sprintf("%x", pw)) {
			t.Errorf("password printed: %s", o)
		}
	}
	if p.Reveal() != pw || p.Empty() || !secret.New("").Empty() {
		t.Errorf("Reveal/Empty wrong")
	}
}
