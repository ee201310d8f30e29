package elb

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrSingleAZ is matched by the error of an Ensure whose load balancer would span fewer than
	// two Availability Zones.
	ErrSingleAZ = errors.New("elb: a load balancer needs subnets in at least two Availability Zones")
	// ErrSingleZone is matched by the error of a zone spread check, under ZoneError, when the
	// in-service targets span fewer than two Availability Zones.
	ErrSingleZone = errors.New("elb: in-service targets span fewer than two Availability Zones")
	// ErrUnhealthy is matched by a wait's error when a target failed its health checks (or left
	// the group) instead of becoming healthy. The error is a [*TargetError] with the details.
	ErrUnhealthy = errors.New("elb: target unhealthy")
	// ErrTimeout is matched by a wait's error when its time ran out. The error is a
	// [*github.com/portalkit/portalkit/wait.TimeoutError], which matches wait.ErrTimeout too,
	// reads "elb: timed out after ... waiting for ...: last state ..." and gives the last state
	// observed to errors.As.
	ErrTimeout = errors.New("elb: timed out")
	// ErrInvalidOptions is matched by the error of [New], [NewClassic], a method or [Roll] whose
	// [Options] (after per-call overrides) are invalid; the message names every invalid field.
	ErrInvalidOptions = errors.New("elb: invalid options")
	// ErrCertificateNotFound is matched when no issued ACM certificate covers the requested names.
	ErrCertificateNotFound = errors.New("elb: no issued certificate covers the domain")
	// ErrDrift is matched by the error of an Ensure under FailOnDrift when an existing resource
	// differs from the spec.
	ErrDrift = errors.New("elb: existing resources differ from the spec")
	// ErrInvalidSpec is matched by the error of an Ensure or a roll whose input is invalid; the
	// message names every problem.
	ErrInvalidSpec = errors.New("elb: invalid spec")
)

// TargetError reports the targets that made a wait fail: each one's state, reason code and
// description as the load balancer gave them.
type TargetError struct {
	// Group is the target group ARN or the Classic load balancer name.
	Group string
	// Targets are the failing targets.
	Targets []TargetState
}

// Error names each failing target with its state and reason.
func (e *TargetError) Error() string {
	parts := make([]string, len(e.Targets))
	for i, t := range e.Targets {
		parts[i] = fmt.Sprintf("%s %s (%s: %s)", t.Target, t.State, t.Reason, t.Description)
	}
	return fmt.Sprintf("elb: targets of %s failed: %s", e.Group, strings.Join(parts, "; "))
}

// Is makes errors.Is(err, ErrUnhealthy) true.
func (e *TargetError) Is(target error) bool { return target == ErrUnhealthy }

// specError lists every problem of a spec. It matches ErrInvalidSpec, and ErrSingleAZ when one
// of the problems is a load balancer in fewer than two Availability Zones.
type specError struct {
	problems []string
	singleAZ bool
}

func (e *specError) Error() string {
	return "elb: invalid spec: " + strings.Join(e.problems, "; ")
}

func (e *specError) Is(target error) bool {
	return target == ErrInvalidSpec || (e.singleAZ && target == ErrSingleAZ)
}

func invalidSpec(problems []string) error { return &specError{problems: problems} }
