// Package rds runs the portal's database server: a MySQL DB instance on Amazon RDS, Multi-AZ so
// that losing the primary's Availability Zone costs a failover of a minute or two. It is the
// parent of package rds/session, which keeps HTTP sessions in that database.
//
// # Ensure
//
// [Client.Ensure] converges a DB subnet group and a DB instance to a [Spec], in the manner of
// Terraform's aws_db_instance: it describes first, creates what is missing, adopts what exists
// and reports drift ([Instance].Drift; Options.FailOnDrift makes it an error) without modifying
// anything, so a second run makes no create or modify call. The defaults are the safe ones:
// Multi-AZ, storage encrypted, automated backups kept for a week (0 is refused), deletion
// protection, tags copied to snapshots, no public access. The subnet group must cover at least
// two Availability Zones; one zone fails with [ErrSingleAZ] naming it. The master password is
// either managed by RDS in Secrets Manager (Spec.ManageMasterPassword) or given as a [Password],
// which is checked against RDS for MySQL's rules up front and never printed: fmt, slog and JSON
// render it as [Redacted], and no error or log line of the package contains it.
//
// # Waiting
//
// [Client.WaitAvailable] (and Ensure, unless Options.NoWait) polls the instance until it is
// available, reporting each status transition (creating, backing-up, modifying, rebooting, ...)
// to Options.OnProgress. A terminal failure status ([FailureStatuses]: failed,
// incompatible-parameters, incompatible-network, storage-full, ...) returns at once with a
// [*FailedError] matching [ErrFailed] that names it; running out of time returns a
// [*TimeoutError] matching [ErrTimeout] that names the last status. The default budget,
// [DefaultAvailableTimeout], fits a Multi-AZ creation, which takes tens of minutes.
//
// # Connecting
//
// [MySQLConfig], [DSN] and [OpenDB] build go-sql-driver/mysql settings for an [Endpoint] that
// follow a failover: dial, read and write timeouts so a vanished primary is noticed in seconds,
// rejectReadOnly so a connection to a demoted primary is dropped, TLS verified against the
// endpoint's name (load AWS's RDS CA bundle with [TLSConfig]), and a pool whose connections live
// shorter than a DNS answer may be cached ([DefaultConnMaxLifetime] below [DefaultDNSTTL]), so
// that within a minute of a failover every connection reaches the new primary. [IAMAuth]
// replaces the password with IAM authentication tokens (aws-sdk-go-v2 feature/rds/auth), built
// for each new connection and sent over TLS only. Package rds/session's store takes the *sql.DB
// that OpenDB returns.
//
// # Failover drill
//
// [Client.Failover] is "Reboot with failover": it refuses a Single-AZ instance
// ([ErrNotMultiAZ]), reboots with ForceFailover, waits until the instance is available again,
// confirms that the primary moved to the former secondary zone, and reports how long it took.
// With Options.Probe (a SQL ping through the endpoint, say) sampled every ProbeInterval, the
// [FailoverReport] also shows the window in which the database was unreachable.
//
// # Snapshots
//
// [Client.CreateSnapshot] (the instance must be available: [ErrNotAvailable] otherwise),
// [Client.WaitSnapshot], [Client.CopySnapshot] (to another region through a Client for that
// region, with a KMS key of that region for encrypted snapshots), [Client.ListSnapshots],
// [Client.PruneSnapshots] (keeps at least N, never the newest available snapshot, deletes
// nothing when the listing failed) and [Client.DeleteSnapshot].
//
// # Time, retries and logging
//
// Waits and retries use Options.Clock (the wall clock by default; tests pass awstest's virtual
// clock, so a twenty-minute creation tests in milliseconds). Throttling is retried for
// Options.RetryTimeout on top of the SDK's own retries. Options.Logger receives progress, drift
// and retries, never a password or token.
package rds
