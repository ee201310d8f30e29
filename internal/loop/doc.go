// Package loop runs one function on an interval in a background goroutine, with explicit Start
// and Stop: the mechanics behind s3sync's log Shipper, rds/session's GC Collector, bootstrap's
// lifecycle heartbeats and any other periodic job.
package loop
