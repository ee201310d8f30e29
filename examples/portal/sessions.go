package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-sql-driver/mysql"

	"github.com/portalkit/portalkit/rds/session"
)

// demoSessions runs two web servers that share sessions in MySQL behind a round-robin proxy (the
// load balancer's part), logs a user in, kills the server that logged them in, and shows the next
// request, served by the other one, is still logged in.
func demoSessions(ctx context.Context, out *printer, dsn string) error {
	if dsn == "" {
		out.line("skipped: no MySQL server; `make demo` starts one, or set PORTAL_MYSQL_DSN")
		return nil
	}
	db, err := openSessionDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	store, err := session.New(db, func(o *session.Options) { o.Table = "portal_demo_sessions" })
	if err != nil {
		return err
	}
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	manager, err := session.NewManager(store, func(o *session.ManagerOptions) {
		o.InsecureCookie = true // the demo speaks plain HTTP on loopback; behind the ALB it is HTTPS
	})
	if err != nil {
		return err
	}

	web := map[string]*httptest.Server{
		"web-1": httptest.NewServer(manager.Handler(app("web-1"))),
		"web-2": httptest.NewServer(manager.Handler(app("web-2"))),
	}
	for _, s := range web {
		defer s.Close()
	}
	lb := newRoundRobin(web["web-1"].URL, web["web-2"].URL)
	front := httptest.NewServer(lb)
	defer front.Close()

	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	browser := &http.Client{Jar: jar}
	login, err := get(ctx, browser, http.MethodPost, front.URL+"/login?user=alice")
	if err != nil {
		return err
	}
	out.line("POST /login -> %s", login)

	served := login[strings.LastIndex(login, " ")+1:]
	victim, ok := web[served]
	if !ok {
		return fmt.Errorf("unexpected login answer %q", login)
	}
	victim.Close()
	lb.down(victim.URL)
	out.line("%s dies; the load balancer sends traffic to the other server only", served)
	for i := 0; i < 2; i++ {
		page, err := get(ctx, browser, http.MethodGet, front.URL+"/")
		if err != nil {
			return err
		}
		out.line("GET / -> %s", page)
		if !strings.Contains(page, "alice") {
			return fmt.Errorf("the user was logged out: %q", page)
		}
	}
	_, err = store.DeleteUserCtx(ctx, "alice")
	return err
}

// app is a web server's application: /login logs a user in, / greets them.
func app(name string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		user := r.URL.Query().Get("user") // a real application checks a password first
		s.RenewToken()                    // new token on login: no session fixation
		if err := s.SetUserID(user); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := s.Put("user", user); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "logged in as %s by %s", user, name)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		user, ok, err := session.Get[string](session.FromContext(r.Context()), "user")
		switch {
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		case !ok:
			fmt.Fprintf(w, "anonymous visitor, served by %s", name)
		default:
			fmt.Fprintf(w, "hello %s, served by %s", user, name)
		}
	})
	return mux
}

func get(ctx context.Context, c *http.Client, method, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, b)
	}
	return string(b), err
}

// openSessionDB opens the demo's database, creating it if needed.
func openSessionDB(ctx context.Context, dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("PORTAL_MYSQL_DSN is not a valid MySQL DSN")
	}
	if cfg.DBName == "" {
		admin, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			return nil, err
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS portal_demo"); err != nil {
			return nil, err
		}
		cfg.DBName = "portal_demo"
	}
	cfg.RejectReadOnly = true
	return sql.Open("mysql", cfg.FormatDSN())
}

// roundRobin is a tiny load balancer: it spreads requests over the backends that are up.
type roundRobin struct {
	mu       sync.Mutex
	backends []string
	next     atomic.Uint64
}

func newRoundRobin(backends ...string) *roundRobin { return &roundRobin{backends: backends} }

func (rr *roundRobin) down(backend string) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	for i, b := range rr.backends {
		if b == backend {
			rr.backends = append(rr.backends[:i], rr.backends[i+1:]...)
			return
		}
	}
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rr.mu.Lock()
	target := rr.backends[int(rr.next.Add(1)-1)%len(rr.backends)]
	rr.mu.Unlock()
	u, err := url.Parse(target)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
}
