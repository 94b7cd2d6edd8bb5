package desk

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
)

//go:embed web
var web embed.FS

var boardPage = template.Must(template.ParseFS(web, "web/board.html"))

// Board is the board's JSON: what the page shows, also for support tools.
type Board struct {
	Lang      string            `json:"lang"`
	Labels    map[string]string `json:"labels"`
	Totals    Totals            `json:"totals"`
	Accounts  []boardRow        `json:"accounts"`
	Attention []boardRow        `json:"attention"`
}

// Totals counts accounts by state.
type Totals struct {
	Accounts  int `json:"accounts"`
	Done      int `json:"done"`
	Working   int `json:"working"`
	Queued    int `json:"queued"`
	Attention int `json:"attention"`
}

// BoardData reads the board's data from the queue, in lang.
func (d *Desk) BoardData(ctx context.Context, lang string) (Board, error) {
	if lang != "ja" {
		lang = "en"
	}
	list, err := d.Accounts(ctx)
	if err != nil {
		return Board{}, err
	}
	b := Board{Lang: lang, Labels: words[lang], Accounts: boardRows(list, lang), Attention: []boardRow{}}
	b.Totals.Accounts = len(list)
	for _, r := range b.Accounts {
		switch {
		case r.State == StateDone:
			b.Totals.Done++
		case r.NeedsPerson:
			b.Totals.Attention++
			b.Attention = append(b.Attention, r)
		case r.State == StateWorking:
			b.Totals.Working++
		default:
			b.Totals.Queued++
		}
	}
	return b, nil
}

// BoardHandler serves the board: the page, its JSON, and each customer's
// report (and nothing else of the desk folder: no archive, no settings).
func (d *Desk) BoardHandler() http.Handler {
	mux := http.NewServeMux()
	lang := func(r *http.Request) string {
		if l := r.URL.Query().Get("lang"); l == "ja" || l == "en" {
			return l
		}
		if al := r.Header.Get("Accept-Language"); al != "" {
			if strings.HasPrefix(strings.ToLower(al), "ja") {
				return "ja"
			}
			return "en"
		}
		return d.Config.Lang
	}
	headers := func(w http.ResponseWriter, ctype string) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		l := lang(r)
		headers(w, "text/html; charset=utf-8")
		_ = boardPage.Execute(w, map[string]any{"Lang": l, "L": words[l]})
	})
	for _, f := range []string{"board.js", "board.css"} {
		ctype := "text/css; charset=utf-8"
		if strings.HasSuffix(f, ".js") {
			ctype = "text/javascript; charset=utf-8"
		}
		mux.HandleFunc("GET /"+f, func(w http.ResponseWriter, r *http.Request) {
			b, _ := web.ReadFile("web/" + f)
			headers(w, ctype)
			w.Write(b)
		})
	}
	mux.HandleFunc("GET /board.json", func(w http.ResponseWriter, r *http.Request) {
		b, err := d.BoardData(r.Context(), lang(r))
		if err != nil {
			http.Error(w, "the desk's queue cannot be read", http.StatusServiceUnavailable)
			return
		}
		headers(w, "application/json")
		_ = json.NewEncoder(w).Encode(b)
	})
	mux.HandleFunc("GET /customers/{customer}/{file}", func(w http.ResponseWriter, r *http.Request) {
		c, f := r.PathValue("customer"), r.PathValue("file")
		if CheckCustomer(c) != nil || (f != ReportHTML && f != ReportJSON) {
			http.NotFound(w, r)
			return
		}
		p := filepath.Join(d.CustomerDir(c), f)
		if _, err := os.Stat(p); err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		http.ServeFile(w, r, p)
	})
	return mux
}

// ServeBoard serves the board on listen (a loopback address: the board
// names customers and their accounts) until ctx ends. ready, when not nil,
// gets the address once the board listens.
func (d *Desk) ServeBoard(ctx context.Context, listen string, ready func(addr string)) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return mailerr.New(mailerr.BadInput, "board", listen, errors.New("the board address must be 127.0.0.1:PORT"))
	}
	if !imapconn.IsLoopback(host) {
		return mailerr.New(mailerr.BadInput, "board", listen,
			errors.New("the board names customers and their accounts: it listens on this machine only (127.0.0.1:PORT); put a proxy with logins in front to share it"))
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return mailerr.New(mailerr.BadInput, "board", listen, err)
	}
	srv := &http.Server{Handler: d.BoardHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if ready != nil {
		ready(ln.Addr().String())
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
