package session

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/internal/testenv"
)

// lossyProxy relays MySQL connections to a server. Armed, it lets the next prepared-statement
// execution reach the server, then cuts that connection before the answer gets back: the write took
// effect, and the client sees a broken connection and retries, as after a failover or a network
// fault at the worst moment.
type lossyProxy struct {
	ln     net.Listener
	target string
	armed  atomic.Bool
	cuts   atomic.Int32
	wg     sync.WaitGroup
}

func newLossyProxy(t *testing.T, target string) *lossyProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &lossyProxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

func (p *lossyProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		var cut atomic.Bool
		p.wg.Add(2)
		go func() { // server to client, dropped once the connection is cut
			defer p.wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := server.Read(buf)
				if cut.Load() {
					client.Close()
					server.Close()
					return
				}
				if n > 0 {
					if _, werr := client.Write(buf[:n]); werr != nil {
						server.Close()
						return
					}
				}
				if err != nil {
					client.Close()
					return
				}
			}
		}()
		go func() { // client to server, packet by packet
			defer p.wg.Done()
			defer server.Close()
			hdr := make([]byte, 4)
			for {
				if _, err := io.ReadFull(client, hdr); err != nil {
					return
				}
				payload := make([]byte, int(hdr[0])|int(hdr[1])<<8|int(hdr[2])<<16)
				if _, err := io.ReadFull(client, payload); err != nil {
					return
				}
				// A command starts a sequence (hdr[3] == 0); 0x17 is COM_STMT_EXECUTE.
				if hdr[3] == 0 && len(payload) > 0 && payload[0] == 0x17 && p.armed.CompareAndSwap(true, false) {
					cut.Store(true)
					p.cuts.Add(1)
				}
				if _, err := server.Write(append(hdr, payload...)); err != nil {
					return
				}
			}
		}()
	}
}

// TestWritesSurviveLostReplies: when the answer to a write is lost after the write took effect,
// the retry must report what happened, not an error and not "session ended": a new token's insert
// meets its own row (duplicate key), an update finds nothing left to change, and a renewal finds
// the row already moved to the new token.
func TestWritesSurviveLostReplies(t *testing.T) {
	d := testenv.MySQL(t)
	cfg, err := mysql.ParseDSN(d.DSN)
	require.NoError(t, err)
	proxy := newLossyProxy(t, cfg.Addr)
	cfg.Addr = proxy.ln.Addr().String()
	db, err := sql.Open("mysql", cfg.FormatDSN())
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	var logs bytes.Buffer
	var mu sync.Mutex
	s, err := New(db, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	require.NoError(t, s.Migrate(ctx))
	exp := time.Now().Add(time.Hour)
	find := func(tok string) string {
		t.Helper()
		b, found, err := s.FindCtx(ctx, tok)
		require.NoError(t, err)
		if !found {
			return "<none>"
		}
		return string(b)
	}
	tok, renewed := newToken(), newToken()

	proxy.armed.Store(true)
	require.NoError(t, s.insert(ctx, tok, []byte("v1"), exp, "alice"), "insert")
	assert.Equal(t, "v1", find(tok))

	proxy.armed.Store(true)
	found, err := s.update(ctx, tok, []byte("v2"), exp, "alice")
	require.NoError(t, err, "update")
	assert.True(t, found, "update")
	assert.Equal(t, "v2", find(tok))

	proxy.armed.Store(true)
	found, err = s.rekey(ctx, tok, renewed, []byte("v3"), exp, "alice")
	require.NoError(t, err, "renew")
	assert.True(t, found, "renew")
	assert.Equal(t, "<none>", find(tok))
	assert.Equal(t, "v3", find(renewed))

	assert.EqualValues(t, 3, proxy.cuts.Load(), "every write lost its first answer")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 3, bytes.Count(logs.Bytes(), []byte("retrying")), "each write was retried once")
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
