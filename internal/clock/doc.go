// Package clock is the time source behind every wait and retry in portalkit.
//
// Library code never calls time.Now or time.Sleep directly: it asks a [Clock], so tests can hand in
// a virtual clock (such as awstest's, or [Fake] here) under which a twenty-minute deploy runs in
// milliseconds.
package clock
