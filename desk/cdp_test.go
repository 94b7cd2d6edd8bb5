package desk_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/net/websocket"

	"github.com/mailark/mailark/internal/testimap"
)

// browser is a headless Chromium driven over the DevTools protocol: the
// board is tested in a real browser, with its JavaScript running.
type browser struct {
	t    testing.TB
	ws   *websocket.Conn
	mu   sync.Mutex
	next int
}

func startChromium(t testing.TB) *browser {
	t.Helper()
	bin := testimap.Chromium(t)
	if bin == "" {
		return nil
	}
	profile, err := os.MkdirTemp("", "mailark-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-port=0",
		"--remote-debugging-address=127.0.0.1", "--remote-allow-origins=*", "--user-data-dir="+profile, "--window-size=1400,900", "about:blank")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	t.Cleanup(func() {
		// Chromium's helpers are in its process group.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = os.RemoveAll(profile)
	})
	sc := bufio.NewScanner(stderr)
	var wsURL string
	for sc.Scan() {
		if _, u, ok := strings.Cut(sc.Text(), "DevTools listening on "); ok {
			wsURL = strings.TrimSpace(u)
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	if wsURL == "" {
		t.Fatal("chromium did not say where DevTools listens")
	}
	hostport := strings.SplitN(strings.TrimPrefix(wsURL, "ws://"), "/", 2)[0]
	resp, err := http.Get("http://" + hostport + "/json/list")
	if err != nil {
		t.Fatal(err)
	}
	var targets []struct{ Type, WebSocketDebuggerURL string }
	err = json.NewDecoder(resp.Body).Decode(&targets)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range targets {
		if tg.Type == "page" {
			ws, err := websocket.Dial(tg.WebSocketDebuggerURL, "", "http://127.0.0.1/")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ws.Close() })
			return &browser{t: t, ws: ws}
		}
	}
	t.Fatal("chromium has no page")
	return nil
}

// call sends one DevTools command and returns its result.
func (b *browser) call(method string, params any) json.RawMessage {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next++
	id := b.next
	if err := websocket.JSON.Send(b.ws, map[string]any{"id": id, "method": method, "params": params}); err != nil {
		b.t.Fatalf("%s: %v", method, err)
	}
	for {
		var msg struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct{ Message string }
		}
		if err := websocket.JSON.Receive(b.ws, &msg); err != nil {
			b.t.Fatalf("%s: %v", method, err)
		}
		if msg.ID != id {
			continue // an event
		}
		if msg.Error != nil {
			b.t.Fatalf("%s: %s", method, msg.Error.Message)
		}
		return msg.Result
	}
}

func (b *browser) navigate(url string) { b.call("Page.navigate", map[string]any{"url": url}) }

// eval runs a JavaScript expression in the page and returns its value as
// JSON text.
func (b *browser) eval(expr string) string {
	b.t.Helper()
	res := b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true})
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
	}
	_ = json.Unmarshal(res, &r)
	return string(r.Result.Value)
}

// waitFor evaluates expr until it is true (the page polls once a second),
// or fails when ctx ends.
func (b *browser) waitFor(ctx context.Context, what, expr string) {
	b.t.Helper()
	for ctx.Err() == nil {
		if b.eval(expr) == "true" {
			return
		}
		b.call("Runtime.evaluate", map[string]any{"expression": `new Promise(r => setTimeout(r, 100))`, "awaitPromise": true})
	}
	b.t.Fatalf("the board never showed %s (%s)", what, b.eval(`document.body.innerText`))
}

// screenshot saves the page as PNG into $MAILARK_REPORT_DIR/screenshots
// (CI's artifacts) or the test's temp folder, and returns the path.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	res := b.call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true})
	var r struct{ Data string }
	_ = json.Unmarshal(res, &r)
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		b.t.Fatal(err)
	}
	dir := b.t.TempDir()
	if rd := os.Getenv("MAILARK_REPORT_DIR"); rd != "" {
		dir = rd + "/screenshots"
		_ = os.MkdirAll(dir, 0o755)
	}
	p := fmt.Sprintf("%s/%s.png", dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return p
}
