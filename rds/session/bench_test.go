package session_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/alexedwards/scs/mysqlstore"
	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/internal/testenv"
	"github.com/portalkit/portalkit/rds/session"
)

// benchClients is the number of concurrent clients, as goroutines running the benchmark body.
const benchClients = 64

// benchSessions is the number of live sessions the clients pick from.
const benchSessions = 1000

// storeAPI is what the benchmark drives: the scs Store method set both stores implement.
type storeAPI interface {
	Find(token string) ([]byte, bool, error)
	Commit(token string, b []byte, expiry time.Time) error
}

// ctxStore drives our store through its context methods, as scs and the middleware do.
type ctxStore struct{ s *session.Store }

func (c ctxStore) Find(token string) ([]byte, bool, error) {
	return c.s.FindCtx(context.Background(), token)
}

func (c ctxStore) Commit(token string, b []byte, expiry time.Time) error {
	return c.s.CommitCtx(context.Background(), token, b, expiry)
}

// benchDB opens a pool on a fresh database sized for benchClients, so neither store pays for
// reconnecting. interpolate switches the driver to client-side parameter interpolation.
func benchDB(b *testing.B, interpolate bool) *sql.DB {
	b.Helper()
	d := testenv.MySQL(b)
	cfg, err := mysql.ParseDSN(d.DSN)
	require.NoError(b, err)
	cfg.InterpolateParams = interpolate
	db, err := sql.Open("mysql", cfg.FormatDSN())
	require.NoError(b, err)
	db.SetMaxOpenConns(benchClients)
	db.SetMaxIdleConns(benchClients)
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkStores compares this package's store with scs's mysqlstore on the same MariaDB, with
// benchClients concurrent clients: Find, Commit, and a 90/10 mix. ops/s is the throughput; the
// bench/session.sh script turns several runs into medians and ratios.
func BenchmarkStores(b *testing.B) {
	impls := []struct {
		name string
		open func(b *testing.B, db *sql.DB) storeAPI
	}{
		{"portalkit", func(b *testing.B, db *sql.DB) storeAPI {
			s, err := session.New(db)
			require.NoError(b, err)
			b.Cleanup(func() { s.Close() })
			require.NoError(b, s.Migrate(context.Background()))
			return ctxStore{s}
		}},
		{"mysqlstore", func(b *testing.B, db *sql.DB) storeAPI {
			createMySQLStoreTable(b, db)
			return mysqlstore.NewWithCleanupInterval(db, 0)
		}},
	}
	workloads := []struct {
		name       string
		commitRate float64
	}{{"find", 0}, {"commit", 1}, {"mix90-10", 0.1}}
	tokens := make([]string, benchSessions)
	for i := range tokens {
		tokens[i] = fmt.Sprintf("%043d", i) // the length of a real token
	}
	payload := make([]byte, 256)
	exp := time.Now().Add(time.Hour)
	for _, dsn := range []struct {
		name        string
		interpolate bool
	}{{"prepared", false}, {"interpolated", true}} {
		// Each store gets its own database, set up and seeded once for all workloads.
		stores := make([]storeAPI, len(impls))
		for i, impl := range impls {
			stores[i] = impl.open(b, benchDB(b, dsn.interpolate))
			for _, tok := range tokens {
				require.NoError(b, stores[i].Commit(tok, payload, exp))
			}
		}
		for _, wl := range workloads {
			for i, impl := range impls {
				st := stores[i]
				b.Run(fmt.Sprintf("dsn=%s/op=%s/store=%s", dsn.name, wl.name, impl.name), func(b *testing.B) {
					b.SetParallelism((benchClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
						for pb.Next() {
							tok := tokens[r.IntN(len(tokens))]
							if r.Float64() < wl.commitRate {
								if err := st.Commit(tok, payload, exp); err != nil {
									b.Error(err)
									return
								}
							} else if _, found, err := st.Find(tok); err != nil || !found {
								b.Errorf("find: found=%v err=%v", found, err)
								return
							}
						}
					})
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
				})
			}
		}
	}
}
