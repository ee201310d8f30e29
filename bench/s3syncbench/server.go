package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// counter counts requests by kind; GET /__stats returns the counts as JSON and resets them.
type counter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *counter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/__stats" {
			c.mu.Lock()
			counts := c.counts
			c.counts = map[string]int{}
			c.mu.Unlock()
			_ = json.NewEncoder(w).Encode(counts)
			return
		}
		kind := r.Method
		if r.Method == http.MethodGet && r.URL.Query().Has("list-type") {
			kind = "LIST"
		}
		c.mu.Lock()
		c.counts[kind]++
		c.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func serve(addr string) error {
	faker := gofakes3.New(s3mem.New(), gofakes3.WithAutoBucket(true), gofakes3.WithLogger(gofakes3.DiscardLog()))
	c := &counter{counts: map[string]int{}}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	return http.Serve(ln, c.wrap(faker.Server()))
}

func stats(endpoint string) error {
	resp, err := http.Get(strings.TrimSuffix(endpoint, "/") + "/__stats")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	fmt.Print(string(b))
	return nil
}
