package desk

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // the one-PC queue

	"github.com/mailark/mailark/internal/mailerr"
)

// ConfigFile is the desk's settings inside the desk folder.
const ConfigFile = "desk.json"

// QueueFile is the SQLite queue of a one-PC desk.
const QueueFile = "queue.sqlite"

// Config is what desk init writes into DIR/desk.json.
type Config struct {
	// Queue is "sqlite" (DIR/queue.sqlite) or a postgres:// URL.
	Queue string `json:"queue"`
	// Lang of the reports and of the board by default: "en" or "ja".
	Lang string `json:"lang"`
	// HostConnections limits connections per server host across every
	// worker of the desk; DefaultConnections applies to other hosts.
	HostConnections    map[string]int `json:"host_connections,omitempty"`
	DefaultConnections int            `json:"default_connections"`
	// MaxAttempts of one step before the account needs a person.
	MaxAttempts int `json:"max_attempts"`
	// RetryBaseSeconds is the first wait before a failed step is tried
	// again; each further try waits twice as long, at most an hour.
	RetryBaseSeconds int `json:"retry_base_seconds"`
	// RescueAfterSeconds: a step that has been running this long on a
	// worker that stopped answering is given to another worker.
	RescueAfterSeconds int `json:"rescue_after_seconds"`
	// LeaseSeconds: how long an account stays claimed by a worker that
	// stopped renewing its claim (a killed worker).
	LeaseSeconds int `json:"lease_seconds"`
	// Archives is where the customers' archives live: "shared" (each in
	// DIR/customers/<customer>/archive) or "per-worker" (each on the PC
	// of the worker that first backed it up, under that worker's
	// --archive-root; the board records which PC and where).
	Archives string `json:"archives"`
}

// Where the archives live (Config.Archives).
const (
	ArchivesShared    = "shared"
	ArchivesPerWorker = "per-worker"
)

// PerWorker reports whether the archives live on the workers' PCs.
func (c Config) PerWorker() bool { return c.Archives == ArchivesPerWorker }

func (c *Config) applyDefaults() {
	if c.Queue == "" {
		c.Queue = "sqlite"
	}
	if c.Lang != "ja" {
		c.Lang = "en"
	}
	if c.DefaultConnections <= 0 {
		c.DefaultConnections = 2
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.RetryBaseSeconds <= 0 {
		c.RetryBaseSeconds = 30
	}
	if c.RescueAfterSeconds <= 0 {
		c.RescueAfterSeconds = 15 * 60
	}
	if c.LeaseSeconds <= 0 {
		c.LeaseSeconds = 60
	}
	if c.Archives == "" {
		c.Archives = ArchivesShared
	}
}

// ConnectionsFor is the connection limit for host.
func (c *Config) ConnectionsFor(host string) int {
	if n, ok := c.HostConnections[strings.ToLower(host)]; ok && n > 0 {
		return n
	}
	return c.DefaultConnections
}

// Desk is an open desk folder: its settings and its queue database.
type Desk struct {
	Dir    string
	Config Config

	db      *sql.DB
	pg      *pgxpool.Pool // nil for SQLite
	dialect dialect
}

// IsPostgres reports whether the queue lives in PostgreSQL.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.Queue, "postgres://") || strings.HasPrefix(c.Queue, "postgresql://")
}

// Init makes DIR a desk: the folder (private), desk.json, and the queue's
// tables (River's and the desk's). Running it again on a desk with the
// same queue only brings the tables up to date.
func Init(ctx context.Context, dir string, cfg Config) (*Desk, error) {
	cfg.applyDefaults()
	if cfg.Queue != "sqlite" && !cfg.IsPostgres() {
		return nil, mailerr.New(mailerr.BadInput, "init desk", dir,
			fmt.Errorf("queue %q: give a postgres:// URL, or nothing for a SQLite queue in the desk folder", redactURL(cfg.Queue)))
	}
	if cfg.Archives != ArchivesShared && cfg.Archives != ArchivesPerWorker {
		return nil, mailerr.New(mailerr.BadInput, "init desk", dir,
			fmt.Errorf("archives %q: give shared (every archive in the desk folder) or per-worker (each on the PC that backs it up)", cfg.Archives))
	}
	if cfg.IsPostgres() && urlHasPassword(cfg.Queue) {
		return nil, mailerr.New(mailerr.BadInput, "init desk", redactURL(cfg.Queue), errPasswordInURL)
	}
	if err := os.MkdirAll(filepath.Join(dir, "customers"), 0o700); err != nil {
		return nil, mailerr.New(mailerr.Permission, "create desk", dir, err)
	}
	p := filepath.Join(dir, ConfigFile)
	if old, err := readConfig(dir); err == nil {
		if old.Queue != cfg.Queue {
			return nil, mailerr.New(mailerr.BadInput, "init desk", dir,
				fmt.Errorf("%s is already a desk with another queue", dir))
		}
		if old.Archives != cfg.Archives {
			return nil, mailerr.New(mailerr.BadInput, "init desk", dir,
				fmt.Errorf("%s is already a desk whose archives are %s; its archives stay where they are", dir, old.Archives))
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	} else {
		b, _ := json.MarshalIndent(cfg, "", "  ")
		if err := os.WriteFile(p, append(b, '\n'), 0o600); err != nil {
			return nil, mailerr.New(mailerr.Permission, "write desk settings", p, err)
		}
	}
	d, err := Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	if err := d.migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func readConfig(dir string) (Config, error) {
	var cfg Config
	p := filepath.Join(dir, ConfigFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return cfg, err
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return cfg, mailerr.New(mailerr.BadInput, "read desk settings", p, err)
	}
	cfg.applyDefaults()
	return cfg, nil
}

// Open opens the desk in dir (made by Init).
func Open(ctx context.Context, dir string) (*Desk, error) {
	cfg, err := readConfig(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, mailerr.New(mailerr.BadInput, "open desk", dir,
			fmt.Errorf("%s is not a desk folder (no %s): make it a desk first", dir, ConfigFile))
	}
	if err != nil {
		return nil, err
	}
	d := &Desk{Dir: dir, Config: cfg}
	if cfg.IsPostgres() {
		if urlHasPassword(cfg.Queue) {
			return nil, mailerr.New(mailerr.BadInput, "open queue", filepath.Join(dir, ConfigFile),
				fmt.Errorf("%w; then take the password out of the queue URL in %s", errPasswordInURL, filepath.Join(dir, ConfigFile)))
		}
		// pgx reads the password, when the server asks for one, from
		// PGPASSFILE or ~/.pgpass (or PGPASSWORD), never from desk.json.
		d.dialect = postgres
		pc, err := pgxpool.ParseConfig(cfg.Queue)
		if err != nil {
			return nil, mailerr.New(mailerr.BadInput, "open queue", redactURL(cfg.Queue), err)
		}
		if d.pg, err = pgxpool.NewWithConfig(ctx, pc); err != nil {
			return nil, mailerr.New(mailerr.ConnRefused, "open queue", redactURL(cfg.Queue), err)
		}
		if err := d.pg.Ping(ctx); err != nil {
			d.pg.Close()
			return nil, mailerr.New(mailerr.ConnRefused, "open queue", redactURL(cfg.Queue), err)
		}
		d.db = stdlib.OpenDBFromPool(d.pg)
		return d, nil
	}
	d.dialect = sqlite
	p := filepath.Join(dir, QueueFile)
	// One connection: SQLite writes one at a time, and River's SQLite
	// driver asks for a pool of one. busy_timeout lets the board and
	// other processes share the file.
	d.db, err = sql.Open("sqlite", "file:"+p+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, mailerr.New(mailerr.ArchiveBroken, "open queue", p, err)
	}
	d.db.SetMaxOpenConns(1)
	if err := d.db.PingContext(ctx); err != nil {
		d.db.Close()
		return nil, mailerr.New(mailerr.ArchiveBroken, "open queue", p, err)
	}
	_ = os.Chmod(p, 0o600)
	return d, nil
}

// Close closes the queue database.
func (d *Desk) Close() error {
	err := d.db.Close()
	if d.pg != nil {
		d.pg.Close()
	}
	return err
}

// CustomerDir is where a customer's archive, reports and contacts go.
func (d *Desk) CustomerDir(customer string) string {
	return filepath.Join(d.Dir, "customers", customer)
}

// ArchiveDir is the customer's archive in the desk folder (a desk with
// shared archives); with per-worker archives, ArchiveOf says where.
func (d *Desk) ArchiveDir(customer string) string {
	return filepath.Join(d.CustomerDir(customer), "archive")
}

// errPasswordInURL: desk.json, shared by the desk's PCs, would hold the
// queue's password in clear.
var errPasswordInURL = errors.New("the queue URL holds a password, which the desk folder would keep in clear: " +
	"give the URL without it and put the password in ~/.pgpass on each PC of the desk " +
	"(a line HOST:PORT:DATABASE:USER:PASSWORD, chmod 600) or in the file that PGPASSFILE names")

// urlHasPassword reports whether a PostgreSQL URL carries a password, in
// its user part or as a password parameter.
func urlHasPassword(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		// Not a URL net/url reads: look for user:password@ by hand.
		return redactURL(raw) != raw
	}
	if _, ok := u.User.Password(); ok {
		return true
	}
	return u.Query().Has("password")
}

// redactURL leaves the password out of a database URL, for messages.
func redactURL(u string) string {
	if p, err := url.Parse(u); err == nil {
		if q := p.Query(); q.Has("password") {
			q.Set("password", "***")
			p.RawQuery = q.Encode()
		}
		if _, ok := p.User.Password(); ok {
			p.User = url.UserPassword(p.User.Username(), "***")
		}
		return strings.Replace(p.String(), "%2A%2A%2A", "***", -1)
	}
	if at := strings.LastIndex(u, "@"); at > 0 {
		if scheme := strings.Index(u, "://"); scheme > 0 && scheme < at {
			userinfo := u[scheme+3 : at]
			if user, _, ok := strings.Cut(userinfo, ":"); ok {
				return u[:scheme+3] + user + ":***" + u[at:]
			}
		}
	}
	return u
}

func nowMillis() int64 { return time.Now().UnixMilli() }
