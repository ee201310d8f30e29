// Package bootstrap gets code onto an instance and keeps it there: it renders the user data that
// starts the release agent on a fresh instance from a base AMI, and it is that agent, which
// deploys releases from S3 (or git) to local disk at boot and on every in-place deploy.
//
// # User data
//
// [RenderUserData] turns a [UserData] spec into a cloud-init document: a shell script
// ([FormatShell]), a #cloud-config ([FormatCloudConfig]) or a MIME multipart with both
// ([FormatMultipart]). It writes the agent's [Config] as JSON, optionally installs the agent binary
// from S3 (checked against its SHA-256 before it is made executable), and runs it in launch mode.
//
// Every value is validated first (bucket names, keys, versions, paths, loopback health URL; no
// control characters, so no newlines) and then quoted: in the shell form each value is one
// single-quoted word; in the cloud-config form values reach a fixed script as positional
// arguments and are never parsed by a shell. Quotes, '$' and backticks in keys therefore arrive
// verbatim. The document is refused over [MaxUserDataSize] (16 KB, EC2's limit, counted after gzip
// when [UserData.Gzip] is set). User data is readable by anything on the instance, so it carries
// pointers only (bucket and keys, SSM parameter names for hooks to read with the instance role):
// a git URL with credentials or a value that looks like an access key or private key is refused.
//
// # Releases on disk
//
// Under the application root ([Config.AppDir], or InstanceStore/app when an instance store is
// mounted at [Config.InstanceStore]):
//
//	releases/<version>/   one directory per release
//	shared/               paths linked into every release (Config.SharedDirs, SharedFiles)
//	current -> releases/<version>
//	releases.json         the release log: each release in deploy order, pending, good or failed
//
// A release is fetched into a staging directory, verified, and only then renamed to
// releases/<version>. The switch is atomic: a new symlink is made under a temporary name next to
// current and renamed over it (rename(2)), so a reader always finds the old or the new release,
// never a missing or half-filled one. The agent refuses to replace a current that is a real
// directory. Files are synced to disk before the switch. One deploy at a time works on an
// application root: a second one fails with [ErrBusy] (an flock on .lock, released when the
// process ends, however it ends).
//
// # Sources
//
// A [Source] resolves a version to a [Manifest] and fetches it. [S3Source] (the default) reads the
// pointer object <prefix>/current for the version, the manifest <prefix>/<version>/manifest.json,
// and pulls <prefix>/<version>/files/ through package s3sync, or downloads one tar archive, checks
// its SHA-256 and only then unpacks it; every file is checked against the manifest, and a file
// the manifest does not list is refused ([ErrChecksum]). Archive entries that are absolute, contain
// "..", link outside the release or are not plain files, directories or contained links are
// refused ([ErrUnsafePath]); files are written through an os.Root. [GitSource] fetches a tag (or a
// commit id) with the system's git into a scratch repository, refuses it unless it is the expected
// commit ([ErrCommitMismatch]: a tag that moved), and unpacks the commit's tree with the same
// guard. The agent tries the sources in [Config.Sources] order, so a deploy falls back from S3 to
// git; a manifest from S3 that records the commit lets git serve the same release. [Publish]
// uploads a release and its manifest, then moves the pointer.
//
// # Hooks, health gate, rollback
//
// [Hook] commands run without a shell, in the release directory, with a timeout (the process group
// is killed at it), in this order:
//
//	before-install    in the new release, before shared paths are linked
//	after-install     after linking, before the switch
//	                  (the atomic switch of current)
//	application-start after the switch: restart the service
//	validate-service  check the new release
//	                  (the health gate: Config.HealthURL must answer 2xx, on loopback)
//
// Hooks get PORTALKIT_EVENT, PORTALKIT_VERSION, PORTALKIT_PREVIOUS_VERSION,
// PORTALKIT_RELEASE_DIR, PORTALKIT_APP_DIR, PORTALKIT_INSTANCE_ID, PORTALKIT_AVAILABILITY_ZONE,
// PORTALKIT_REGION and one variable per [Config.Parameters] entry (the SSM parameter name, not its
// value) on top of the agent's environment. A failure before the switch marks the release failed
// and leaves current alone. A failure after it marks the release failed, switches current back to
// the previous good release and runs that release's application-start hooks again. Cleanup keeps
// [Config.Keep] good releases; failed releases never count (the newest failed one is kept for
// inspection), and the current and previous good releases are never deleted.
//
// # Launch and deploy
//
// [Agent.Launch] is the first-boot run. It reads the instance id, zone, region and Auto Scaling
// target lifecycle state through IMDSv2 only ([NewIMDSClient] turns the SDK's IMDSv1 fallback
// off, so a missing token endpoint is an [ErrIdentity] error, never a downgrade), deploys while
// recording lifecycle heartbeats every [Options.HeartbeatInterval] (with internal/loop), and then
// completes the launching lifecycle action named by [Config.LifecycleHook]: CONTINUE on success,
// ABANDON on any failure or panic, retrying "No active Lifecycle Action found" for
// [Options.CompleteTimeout]. [Agent.Deploy] runs the same steps on a running instance without a
// lifecycle action, for in-place rolling deploys; [Agent.Rollback] goes back to the previous good
// release. Each step is logged (Options.Logger) and reported (Options.OnStep); hook output goes to
// Options.HookOutput, never to the logger, and no secret is logged.
//
// The examples/agent command is the agent binary built on this package.
package bootstrap
