package s3sync

import (
	"fmt"
	"strings"
	"time"
)

// Direction says which way a plan moves files.
type Direction int

const (
	// DirPush copies a local directory to an S3 prefix.
	DirPush Direction = iota + 1
	// DirPull copies an S3 prefix to a local directory.
	DirPull
)

// String returns "push" or "pull".
func (d Direction) String() string {
	switch d {
	case DirPush:
		return "push"
	case DirPull:
		return "pull"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// Action is what a plan does with one path.
type Action int

const (
	// ActionUpload puts a local file to S3.
	ActionUpload Action = iota + 1
	// ActionDownload gets an object into the local directory.
	ActionDownload
	// ActionDelete removes an extraneous object (push) or local file (pull).
	ActionDelete
)

// String returns the action's name.
func (a Action) String() string {
	switch a {
	case ActionUpload:
		return "upload"
	case ActionDownload:
		return "download"
	case ActionDelete:
		return "delete"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Reasons an item is in a plan.
const (
	ReasonNew          = "missing at destination"
	ReasonSize         = "size differs"
	ReasonNewer        = "source newer than destination"
	ReasonMtime        = "mtime differs"
	ReasonChecksum     = "checksum differs"
	ReasonNoChecksum   = "no stored checksum"
	ReasonChanged      = "changed since last sync"
	ReasonExtraneous   = "not in source"
	ReasonUnknownMtime = "no stored mtime"
)

// Item is one planned transfer or delete.
type Item struct {
	// Action is the upload, download or delete to carry out.
	Action Action
	// Path is the slash-separated path below the local directory.
	Path string
	// Key is the full object key.
	Key string
	// Size is the source size in bytes (the destination size for deletes).
	Size int64
	// Reason says why the item is in the plan (one of the Reason constants).
	Reason string

	local localFile
	etag  string // the listed ETag (downloads), to keep ranged GETs on one version
}

// Plan is the difference between a local directory and an S3 prefix, computed by
// Syncer.PlanPush or Syncer.PlanPull, and carried out by Syncer.Apply. A plan is a value: printing
// it is a dry run. It is not safe for concurrent use with Apply.
type Plan struct {
	// Direction is DirPush or DirPull.
	Direction Direction
	// Dir is the local directory, as given.
	Dir string
	// Bucket is the S3 bucket.
	Bucket string
	// Prefix is the normalized key prefix: empty, or ending in "/".
	Prefix string
	// Transfers are the uploads (push) or downloads (pull), in key order.
	Transfers []Item
	// Deletes are the extraneous entries to remove, in key order; empty unless Options.Delete.
	Deletes []Item
	// Refused are the source entries that cannot be carried over, each wrapping ErrInvalidName:
	// keys that are no valid path on pull ("a//b", "a/./b", a non-empty object whose key ends in
	// "/" or equals the prefix), local names a pull would refuse on push (a backslash). Apply
	// carries out the rest and reports them in its *SyncError (so it makes no delete).
	Refused []*FileError
	// TempFiles are the stale temporary files of an interrupted pull (".s3sync-*.tmp", unmodified
	// for StaleTempAge) found in the destination, slash-separated below Dir. Apply removes them
	// first, and logs each. Pull only.
	TempFiles []string
	// Unchanged counts the files found equal on both sides.
	Unchanged int
	// Requests counts the S3 requests made while planning (listing pages and HEADs).
	Requests int
	// Took is the time spent planning.
	Took time.Duration

	opts    Options
	sources int // files on the source side (after filters), refused ones included
}

// Empty reports whether the plan has nothing to do: no transfer, delete, refused entry or stale
// temporary file.
func (p *Plan) Empty() bool {
	return len(p.Transfers) == 0 && len(p.Deletes) == 0 && len(p.Refused) == 0 && len(p.TempFiles) == 0
}

// sourceEmpty reports whether the source side had no file at all.
func (p *Plan) sourceEmpty() bool { return p.sources == 0 }

// Bytes returns the total size of the planned transfers.
func (p *Plan) Bytes() int64 {
	var n int64
	for _, it := range p.Transfers {
		n += it.Size
	}
	return n
}

// String summarizes the plan and lists its items, one per line, for a dry run.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s s3://%s/%s: %d transfers (%d bytes), %d deletes, %d unchanged",
		p.Direction, p.Dir, p.Bucket, p.Prefix, len(p.Transfers), p.Bytes(), len(p.Deletes), p.Unchanged)
	if len(p.Refused) > 0 {
		fmt.Fprintf(&b, ", %d refused", len(p.Refused))
	}
	if len(p.TempFiles) > 0 {
		fmt.Fprintf(&b, ", %d stale temporary files", len(p.TempFiles))
	}
	b.WriteString("\n")
	for _, list := range [][]Item{p.Transfers, p.Deletes} {
		for _, it := range list {
			fmt.Fprintf(&b, "%s %s (%s)\n", it.Action, quoteName(it.Path), it.Reason)
		}
	}
	for _, fe := range p.Refused {
		fmt.Fprintf(&b, "refused %s\n", fe)
	}
	for _, t := range p.TempFiles {
		fmt.Fprintf(&b, "remove stale temporary file %s\n", quoteName(t))
	}
	return b.String()
}
