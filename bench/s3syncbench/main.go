// Command s3syncbench is the helper of bench/s3sync.sh: a loopback S3 server (gofakes3, in memory,
// run as its own process so its memory is not counted against the sync), the s3sync push and pull
// under test, and the baselines they are measured against (a bare ListObjectsV2 walk, a raw
// multipart upload and a raw ranged parallel download with the same part size and concurrency).
//
// Usage:
//
//	s3syncbench serve -addr 127.0.0.1:9000
//	(every command also takes -cpuprofile FILE)
//	s3syncbench stats -endpoint URL            (prints and resets the server's request counts)
//	s3syncbench gen -dir D -n N -size BYTES [-seed S]
//	s3syncbench push|pull -endpoint URL -bucket B -prefix P -dir D [-delete]
//	s3syncbench walk -endpoint URL -bucket B -prefix P
//	s3syncbench rawput -endpoint URL -bucket B -key K1,K2 -file F1,F2
//	s3syncbench rawget -endpoint URL -bucket B -key K1,K2 -file F1,F2
//	s3syncbench mkbucket -endpoint URL -bucket B
//	s3syncbench rm -endpoint URL -bucket B -prefix P      (deletes every object under P)
//	s3syncbench defaults [-field concurrency]             (prints s3sync's concurrency settings)
//
// Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any value works on the
// loopback server).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/portalkit/portalkit/s3sync"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: s3syncbench serve|stats|gen|push|pull|walk|rawput|rawget|mkbucket|rm|defaults [flags]")
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	var c common
	fs.StringVar(&c.endpoint, "endpoint", "http://127.0.0.1:9000", "S3 endpoint")
	fs.StringVar(&c.bucket, "bucket", "bench", "bucket")
	fs.StringVar(&c.prefix, "prefix", "", "key prefix")
	fs.StringVar(&c.key, "key", "", "object key")
	fs.StringVar(&c.dir, "dir", "", "local directory")
	fs.StringVar(&c.file, "file", "", "local file")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:9000", "listen address (serve)")
	fs.IntVar(&c.n, "n", 0, "number of files (gen)")
	fs.Int64Var(&c.size, "size", 0, "file size in bytes (gen)")
	fs.Int64Var(&c.seed, "seed", 1, "content seed (gen)")
	fs.BoolVar(&c.delete, "delete", false, "delete extraneous (push/pull)")
	fs.IntVar(&c.concurrency, "concurrency", 0, "requests in flight (0: s3sync default)")
	fs.StringVar(&c.field, "field", "", "print only this setting (defaults: concurrency)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the command to this file")
	_ = fs.Parse(args)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}

	ctx := context.Background()
	start := time.Now()
	var err error
	switch cmd {
	case "serve":
		err = serve(c.addr)
	case "stats":
		err = stats(c.endpoint)
	case "gen":
		err = gen(c.dir, c.n, c.size, c.seed)
	case "push", "pull":
		err = runSync(ctx, cmd, c)
	case "walk":
		err = walk(ctx, c)
	case "rawput":
		err = rawPut(ctx, c)
	case "rawget":
		err = rawGet(ctx, c)
	case "mkbucket":
		err = mkBucket(ctx, c)
	case "rm":
		err = rmPrefix(ctx, c)
	case "defaults":
		if c.field == "concurrency" {
			fmt.Println(s3sync.DefaultConcurrency)
			break
		}
		fmt.Printf("concurrency %d, %d multipart files at once, %d MiB parts from %d MiB\n", s3sync.DefaultConcurrency,
			s3sync.DefaultLargeFiles, s3sync.DefaultPartSize>>20, s3sync.DefaultMultipartThreshold>>20)
	default:
		err = fmt.Errorf("unknown command %q", cmd)
	}
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintf(os.Stderr, "s3syncbench %s: %v\n", cmd, err)
		os.Exit(1)
	}
	if os.Getenv("S3SYNCBENCH_VERBOSE") != "" {
		fmt.Fprintf(os.Stderr, "s3syncbench %s: %.3fs\n", cmd, time.Since(start).Seconds())
	}
}

type common struct {
	endpoint, bucket, prefix, key, dir, file, addr, field string
	n                                                     int
	size, seed                                            int64
	delete                                                bool
	concurrency                                           int
}
