package route53

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsroute53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/portalkit/portalkit/internal/poll"
)

// WaitInSync waits until the change changeID (with or without the "/change/" prefix) is INSYNC:
// Route 53's name servers all answer with it. The first GetChange comes Options.PollInterval
// after the call, the later ones at most Options.MaxPollInterval apart, for up to
// Options.WaitTimeout; then it fails with a *wait.TimeoutError matching [ErrTimeout] that names
// the last status. Changes made by this package are waited for already, unless Options.NoWait.
func (c *Client) WaitInSync(ctx context.Context, changeID string, optFns ...func(*Options)) error {
	o, err := c.resolve(optFns)
	if err != nil {
		return err
	}
	return wrap(c.waitInSync(ctx, o, "", strings.TrimPrefix(changeID, "/change/")), "route53")
}

// waitInSync polls GetChange. The change was just accepted PENDING, so the first check reports
// that without a call and the first GetChange comes after PollInterval.
func (c *Client) waitInSync(ctx context.Context, o Options, zoneID, changeID string) error {
	polls := 0
	start := o.Clock.Now()
	check := func(ctx context.Context) (poll.Result, error) {
		if polls == 0 {
			polls++ // the accepted change, PENDING; no call
			return poll.Result{Status: poll.Pending, State: string(types.ChangeStatusPending)}, nil
		}
		out, err := c.api.GetChange(ctx, &awsroute53.GetChangeInput{Id: aws.String(changeID)}, c.callOptions(o)...)
		polls++
		if err != nil {
			return poll.Result{}, err
		}
		status := out.ChangeInfo.Status
		if status == types.ChangeStatusInsync {
			return poll.Result{Status: poll.Done, State: string(status)}, nil
		}
		return poll.Result{Status: poll.Pending, State: string(status)}, nil
	}
	popts := poll.Options{
		What:     "change " + changeID + " INSYNC",
		Package:  "route53",
		MinDelay: o.PollInterval, MaxDelay: o.MaxPollInterval, MaxWait: o.WaitTimeout,
		// The delay never exceeds MaxPollInterval; jitter only shortens it.
		ErrTimeout: ErrTimeout,
		Clock:      o.Clock,
	}
	if zoneID != "" {
		popts.What = "change " + changeID + " to hosted zone " + zoneID + " INSYNC"
	}
	if o.OnProgress != nil {
		popts.OnProgress = func(p poll.Progress) {
			if p.Attempt == 1 {
				return // the accepted change was reported when it was accepted
			}
			o.OnProgress(Progress{HostedZoneID: zoneID, ChangeID: changeID, Status: p.State, Elapsed: o.Clock.Now().Sub(start), Polls: polls - 1})
		}
	}
	_, err := poll.Wait(ctx, check, popts)
	return err
}

// explain adds Route 53's messages to an InvalidChangeBatch error, whose text the SDK leaves at
// "ChangeBatch errors occurred" when Route 53 sent several.
func explain(err error) error {
	var icb *types.InvalidChangeBatch
	if errors.As(err, &icb) && len(icb.Messages) > 0 {
		return fmt.Errorf("%w: %s", err, strings.Join(icb.Messages, "; "))
	}
	return err
}
