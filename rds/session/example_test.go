package session_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-sql-driver/mysql"

	"github.com/portalkit/portalkit/rds/session"
)

// openDB opens the session database with the settings recommended for RDS Multi-AZ failover.
func openDB(dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	cfg.Timeout = 2 * time.Second      // dial: notice a dead primary quickly
	cfg.ReadTimeout = 5 * time.Second  // I/O: a half-open socket does not hang a request
	cfg.WriteTimeout = 5 * time.Second //
	cfg.RejectReadOnly = true          // drop connections to a demoted primary
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	db.SetConnMaxLifetime(3 * time.Minute) // follow the endpoint's DNS after a failover
	db.SetMaxIdleConns(16)
	return db, nil
}

// The middleware on its own: log in, read the user, log out everywhere.
func ExampleManager() {
	db, err := openDB(os.Getenv("SESSION_DB_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	store, err := session.New(db, func(o *session.Options) { o.Logger = slog.Default() })
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	m, err := session.NewManager(store, func(o *session.ManagerOptions) {
		o.IdleTimeout = 20 * time.Minute
		o.Lifetime = 12 * time.Hour
	})
	if err != nil {
		log.Fatal(err)
	}
	gc, err := session.NewCollector(store)
	if err != nil {
		log.Fatal(err)
	}
	if err := gc.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer gc.Stop()

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		user := r.FormValue("user") // after checking the password
		s := session.FromContext(r.Context())
		s.RenewToken() // a new token on every privilege change
		if err := s.SetUserID(user); err != nil {
			// An id longer than MaxUserIDLen bytes: record a shorter key for the user.
			http.Error(w, "cannot log in", http.StatusBadRequest)
			return
		}
		if err := s.Put("user", user); err != nil {
			http.Error(w, "cannot log in", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		user, ok, _ := session.Get[string](session.FromContext(r.Context()), "user")
		if !ok {
			user = "stranger"
		}
		fmt.Fprintf(w, "hello %s\n", user)
	})
	mux.HandleFunc("POST /logout-everywhere", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		if s.UserID() == "" {
			http.Error(w, "not logged in", http.StatusUnauthorized)
			return
		}
		if _, err := m.LogoutUser(r.Context(), s.UserID()); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		s.Destroy()
	})
	log.Fatal(http.ListenAndServe(":8080", m.Handler(mux)))
}

// The store behind an scs.SessionManager.
func ExampleStore_scs() {
	db, err := openDB(os.Getenv("SESSION_DB_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	store, err := session.New(db)
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Migrate(context.Background()); err != nil {
		log.Fatal(err)
	}
	sm := scs.New()
	sm.Store = store // scs calls FindCtx, CommitCtx and DeleteCtx with the request's context
	sm.Cookie.Secure = true
	sm.IdleTimeout = 20 * time.Minute

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "visits", sm.GetInt(r.Context(), "visits")+1)
		fmt.Fprintf(w, "visits: %d\n", sm.GetInt(r.Context(), "visits"))
	})
	log.Fatal(http.ListenAndServe(":8080", sm.LoadAndSave(mux)))
}

// A one-off clean-up, for example from a cron job, instead of a Collector.
func ExampleStore_DeleteExpired() {
	db, err := openDB(os.Getenv("SESSION_DB_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	store, err := session.New(db)
	if err != nil {
		log.Fatal(err)
	}
	n, err := store.DeleteExpired(context.Background(), func(o *session.CollectorOptions) { o.BatchSize = 5000 })
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("deleted", n, "expired sessions")
}
