// Package awserr classifies errors returned by AWS SDK clients: their code, whether they mean
// throttling, and whether they mean "not found".
//
// Every helper looks through wrapping with errors.As, so an error wrapped by portalkit, by the SDK's
// retryer or by the caller classifies the same as the raw API error. A transport failure is never
// classified as "not found".
package awserr
