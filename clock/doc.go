// Package clock is the time source behind every wait, retry and background loop in portalkit.
//
// Library code never calls time.Now or time.Sleep directly: it asks a [Clock], so tests can hand in
// a virtual clock under which a twenty-minute deploy runs in milliseconds. Every package's Options
// has a Clock field of this type; nil means [Real]. Two virtual clocks satisfy it: awstest's
// (pass cloud.Clock(), so waits and the simulated cloud share one timeline) and [Fake] here, for
// tests that need no cloud.
package clock
