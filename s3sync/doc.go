// Package s3sync synchronizes a local directory with an S3 prefix, fast and safely: releases pushed
// from a build host and pulled onto instances at boot, and log files shipped off instances.
//
// # Plan and apply
//
// [Syncer.PlanPush] and [Syncer.PlanPull] compare both sides and return a [Plan]: the uploads or
// downloads and the deletes, each with a reason. Planning changes nothing, so a plan is a dry run;
// [Syncer.Apply] carries it out. [Syncer.Push] and [Syncer.Pull] do both.
//
// Prefixes are exact: "releases/v1" means the keys below "releases/v1/", never "releases/v10/...".
//
// # Change detection
//
// [CompareSizeMtime] (the default) stores each file's mtime and mode in object metadata
// (x-amz-meta-mtime, rclone's format, and x-amz-meta-mode) and restores them on pull.
// ListObjectsV2 returns size and LastModified but no metadata, so the listing decides where it can
// and a HEAD is sent only where it cannot:
//
//   - push: an object written after the file last changed (LastModified not before the mtime) is
//     current; a file newer by a second or more is uploaded; a file modified within the second of
//     the upload needs a HEAD.
//   - pull: a file is current when its mtime is not after LastModified and its inode change time
//     (set by the pull's rename) is not before it and differs from the mtime (a write in place sets
//     both to the same instant); an object uploaded again after the pull, or a file edited after it,
//     fails that test and is compared through a HEAD. Where the platform gives no change time (not
//     Linux or macOS), same-size files are compared through a HEAD. So are objects uploaded in
//     parts (a multipart ETag, or at least [Options.MultipartThreshold] bytes): S3 dates them from
//     the start of the upload, so a pull during the upload fetched the previous version after
//     LastModified.
//
// A no-op re-sync therefore costs one ListObjectsV2 request per 1000 keys, plus, on pull, one HEAD
// per object uploaded in parts. The price: a same-size edit that keeps an older mtime (a restored
// backup, say) goes unseen, as with aws s3 sync; so does, on pull, a same-size object replaced in
// the same second as the pull wrote it, or while a single PutObject of it was in flight, or within
// the clock skew between the host and S3 (keep the clock synchronized, as EC2's Time Sync does).
// Where a prefix is overwritten while instances pull it, use versioned prefixes, or
// [Options.ExactMtime] or [CompareChecksum]. [Options.ExactMtime] compares the stored mtime of
// every same-size object instead (one HEAD each, as rclone does), and [CompareChecksum] compares
// SHA-256 digests (stored in x-amz-meta-sha256 on push; one HEAD and a local read per same-size
// file; downloads are verified against it). [CompareSizeOnly] never sends a HEAD and misses
// same-size edits. The ETag is never taken for an MD5: multipart and KMS-encrypted objects break
// that.
//
// # Safety
//
//   - Deletes (only with [Options.Delete]) run after every transfer succeeded, never after a failed
//     listing or transfer or a cancelled context; [Options.MaxDelete] refuses a plan that deletes
//     too much, and a plan that would empty the destination because the source has no file at all
//     (a mistyped prefix or directory) fails with [ErrEmptySource] unless
//     [Options.AllowEmptySource] is set; both before anything is changed. Object deletes go in
//     DeleteObjects batches of 1000. The one exception to "deletes last": with Delete, a pull first
//     removes the extraneous local entries that stand in a download's way (a file "x" where the
//     source now has "x/y", or files below a directory "x" where it now has a file "x"), so such a
//     change converges in one run; without Delete, the failure names the option.
//   - Downloads go to a temporary file in the destination directory, are checked for size (and
//     digest in checksum mode), optionally fsynced, given their mode and mtime, then renamed over the
//     final path. A failure or cancellation leaves the previous file, or none, never a partial one.
//   - An upload re-reads the file's size and mtime when it is sent; a file that changed meanwhile
//     is sent again, up to [MaxChangedAttempts] times. If it never holds still, the file fails with
//     [ErrFileChanged] and no object is left claiming to be it: a multipart upload is aborted (the
//     previous object stays), the object of a single PutObject is removed, so the next run uploads
//     the file again instead of taking a half-old, half-new object for current.
//   - One key rule serves both directions. A key that would leave the destination ("..", with
//     either separator, absolute, NUL) fails the pull plan with an [UnsafeKeyError] naming it,
//     before anything is written. A key that cannot leave but is no path ("a//b", "a/./b", a
//     backslash, a non-empty object whose key ends in "/" or equals the prefix) fails on its own
//     ([ErrInvalidName], listed in [Plan.Refused] and the [SyncError]) while the rest is pulled. A
//     push refuses the same way the local names a pull would refuse, and a prefix with empty, "."
//     or ".." segments or a backslash is refused up front (slashes at its ends are trimmed). Pulls
//     do not write through symlinked directories unless [Options.FollowSymlinks] is set.
//   - A missing local source is an error, never an empty tree, and a push never deletes the
//     objects at or below a symlink its walk skipped (any symlink by default; a broken or looping
//     one, including a link to its own directory, with [Options.FollowSymlinks]): the walk did not
//     look there.
//   - Names of the form ".s3sync-*.tmp" are the pull's temporary files: walks skip them, and keys
//     with such a base name are left alone in both directions, like excluded paths. A process
//     killed outright (SIGKILL, power loss) can leave one behind; the next pull into that
//     directory removes those unmodified for [StaleTempAge] (regular files of that name pattern
//     only, listed in [Plan.TempFiles] and logged).
//   - [Syncer.Apply] checks a plan's paths again, so an edited plan cannot leave the directory.
//   - Nothing is written to standard error: GETs ask the SDK not to log that a response (a ranged
//     GET, say) carries no checksum to validate; responses that carry one are still validated.
//
// Per-file failures are collected into one [SyncError]; errors.As gives the list. Paths with
// control characters are quoted in its message.
//
// # Speed
//
// The local walk (one directory at a time, sorted in S3 key order) and the listing (one page ahead)
// stream into a merge-join, so memory does not grow with the bucket. All requests, whole files and
// the parts of large ones, share one pool of [Options.Concurrency] slots. Files from
// [Options.MultipartThreshold] up move in parallel parts: multipart uploads read straight from the
// file, downloads fetch ranges written in place. [NewFromConfig] raises the HTTP transport's idle
// connections per host to the concurrency, so connections are reused rather than re-opened.
//
// # Log shipping
//
// A [Shipper] uploads closed log files (unmodified for a quiet period) from a directory to
// prefix/<host>/ on an interval after [Shipper.Start], or on demand with [Shipper.Flush] and
// [Shipper.FlushAll] (from a terminate lifecycle hook). Files already shipped are not sent again.
//
// # Servers
//
// The package takes a narrow [API] that *s3.Client satisfies. It works with AWS and with
// S3-compatible servers such as LocalStack (set [Options.UsePathStyle] with NewFromConfig, or
// s3.Options.UsePathStyle on your own client). General-purpose buckets only: directory buckets do
// not list in key order.
package s3sync
