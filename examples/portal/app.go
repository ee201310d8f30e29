package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/portalkit/portalkit/rds/session"
)

// webApp is the portal application as each web server runs it: pages rendered from the files of
// the release it serves (on the instance's local disk), sessions in MySQL when sessions is not
// nil, so that any server can serve any user. release returns the version and directory of the
// release being served, "" before the first install.
func webApp(instanceID string, release func() (version, dir string), sessions *session.Manager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		_, dir := release()
		if dir == "" {
			http.Error(w, "no release installed", http.StatusServiceUnavailable)
			return
		}
		if _, err := os.Stat(filepath.Join(dir, "VERSION")); err != nil {
			http.Error(w, "release incomplete", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if sessions == nil {
			http.Error(w, "no session store", http.StatusServiceUnavailable)
			return
		}
		s := session.FromContext(r.Context())
		user := r.URL.Query().Get("user") // a real application checks a password first
		s.RenewToken()                    // a new token on login: no session fixation
		if err := s.SetUserID(user); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := s.Put("user", user); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		header(w, instanceID, release)
		fmt.Fprintf(w, "logged in as %s by %s", user, instanceID)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		_, dir := release()
		tpl, err := os.ReadFile(filepath.Join(dir, "templates", "home.tpl"))
		if err != nil {
			http.Error(w, "template missing", http.StatusInternalServerError)
			return
		}
		who := "anonymous visitor"
		if sessions != nil {
			user, ok, err := session.Get[string](session.FromContext(r.Context()), "user")
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			if ok {
				who = "hello " + user
			}
		}
		header(w, instanceID, release)
		fmt.Fprintf(w, "%s: %s, served by %s", strings.TrimSpace(string(tpl)), who, instanceID)
	})
	if sessions == nil {
		return mux
	}
	return sessions.Handler(mux)
}

func header(w http.ResponseWriter, instanceID string, release func() (string, string)) {
	v, _ := release()
	w.Header().Set("X-Release", v)
	w.Header().Set("X-Instance", instanceID)
}
