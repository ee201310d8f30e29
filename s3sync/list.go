package s3sync

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// remoteObject is an object from the listing, with its key relative to the prefix.
type remoteObject struct {
	key, rel     string
	size         int64
	lastModified time.Time
	etag         string
}

// listPage is one ListObjectsV2 page, or the error that ended the listing.
type listPage struct {
	objects []remoteObject
	err     error
	last    bool // the listing is complete: a channel closed without it was cut short
}

// listObjects streams the objects under prefix, in key order, page by page. It reads up to three
// pages ahead of the consumer, so listing overlaps with the local walk and the comparison, while
// memory stays bounded. The channel is closed after the page marked last or after an error page;
// when ctx ends it early, it is closed with neither, and the consumer must not take the listing
// as complete.
func listObjects(ctx context.Context, api API, bucket, prefix string) <-chan listPage {
	ch := make(chan listPage, 2)
	go func() {
		defer close(ch)
		// Keys may hold characters XML 1.0 cannot carry (most control characters): S3 then sends
		// an unparsable page unless asked to URL-encode keys, as aws s3 sync always does. A page
		// says whether it did (EncodingType in the response); servers that ignore the request
		// send keys as they are.
		in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), EncodingType: types.EncodingTypeUrl}
		p := s3.NewListObjectsV2Paginator(api, in)
		for {
			out, err := p.NextPage(ctx)
			var page listPage
			if err != nil {
				page.err = fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
			} else {
				page.objects = make([]remoteObject, 0, len(out.Contents))
				for _, o := range out.Contents {
					key := aws.ToString(o.Key)
					if out.EncodingType == types.EncodingTypeUrl {
						// Form encoding: "+" is a space, a literal "+" comes as %2B.
						k, err := url.QueryUnescape(key)
						if err != nil {
							page.err = fmt.Errorf("list s3://%s/%s: key %q: %w", bucket, prefix, key, err)
							break
						}
						key = k
					}
					if len(key) < len(prefix) || key[:len(prefix)] != prefix {
						page.err = fmt.Errorf("list s3://%s/%s: key %q outside the prefix", bucket, prefix, key)
						break
					}
					page.objects = append(page.objects, remoteObject{
						key: key, rel: key[len(prefix):], size: aws.ToInt64(o.Size),
						lastModified: aws.ToTime(o.LastModified), etag: aws.ToString(o.ETag),
					})
				}
			}
			page.last = page.err == nil && !p.HasMorePages()
			if page.last && aws.ToBool(out.IsTruncated) {
				// The paginator stops when a truncated page carries no continuation token (or
				// repeats the last one): the listing is partial, and a pull with Delete would
				// remove every local file past the cut.
				page.err, page.last = fmt.Errorf("list s3://%s/%s: truncated page without a usable continuation token", bucket, prefix), false
			}
			select {
			case ch <- page:
			case <-ctx.Done():
				return
			}
			if page.err != nil || page.last {
				return
			}
		}
	}()
	return ch
}
