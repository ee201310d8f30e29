// Package poll is the one wait loop of portalkit.
//
// Every "wait until" in the library (targets healthy, records INSYNC, database available, instance
// refresh done) is a [Check] run by [Wait]. A check observes the world once and says whether the wait
// is still [Pending], [Done] or [Failed], together with the state it saw. Wait then:
//
//   - sleeps between checks with a delay that starts at MinDelay, doubles up to MaxDelay, is shortened
//     by random jitter so that many waiters do not poll in lockstep, and falls back to MinDelay when the
//     observed state changes (things are moving, so look again soon);
//   - stops at the earlier of ctx's deadline and MaxWait, returning a [*TimeoutError] that names what
//     was waited for and the last state seen;
//   - returns a [*FailedError] as soon as a check reports a failure state, without waiting for the
//     deadline;
//   - tolerates throttling and the transient errors the caller declares, and returns any other error
//     at once;
//   - reports every change of the observed state to a progress callback.
//
// Time comes from a [clock.Clock], so tests with a virtual clock run instantly.
//
// The SDK's generated waiters are not used because several have no failure state (they wait for the
// full deadline after a target has already failed its health checks) and none reports progress.
package poll
