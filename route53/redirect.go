package route53

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// RedirectHandler returns an http.Handler that sends the apex domains to their www host: a
// request for one of apexes (the Host header, any port, any case) gets 301 Moved Permanently to
// https://www.<apex><path>?<query>, path and query kept. It is the apex -> www redirect for a
// server (or a load balancer without a redirect rule) that receives the apex's traffic.
//
// Only the configured hosts are redirected, so the handler is no open redirect: the Location's
// host is always www.<apex>, whatever the path holds ("//evil.com", backslashes, encoded
// slashes); a request for any other host gets 404 Not Found, and one without a valid Host header
// 400 Bad Request. The handler answers every request itself; put it where only apex traffic
// arrives, or in front of the site's handler with a host check.
//
// It fails with an error matching [ErrInvalidSpec] when apexes is empty or holds something other
// than domain names (or a name starting with "www.", which would redirect to www.www.).
func RedirectHandler(apexes ...string) (http.Handler, error) {
	h := &redirect{hosts: map[string]string{}}
	var problems []string
	for _, a := range apexes {
		name := strings.TrimSuffix(fqdn(a), ".")
		switch {
		case !validName(name+".") || strings.HasPrefix(name, "*."):
			problems = append(problems, fmt.Sprintf("%q is not a domain name", a))
		case strings.HasPrefix(name, "www."):
			problems = append(problems, fmt.Sprintf("%q starts with www.", a))
		default:
			h.hosts[name] = "www." + name
		}
	}
	if len(apexes) == 0 {
		problems = append(problems, "no apex domain")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: redirect: %s", ErrInvalidSpec, strings.Join(problems, "; "))
	}
	return h, nil
}

type redirect struct {
	hosts map[string]string // apex -> www host
}

func (h *redirect) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := strings.ToLower(r.Host)
	if hp, _, err := net.SplitHostPort(host); err == nil {
		host = hp
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" || strings.ContainsAny(host, "/\\@ ") {
		http.Error(w, "400 bad request: no valid Host", http.StatusBadRequest)
		return
	}
	target, ok := h.hosts[host]
	if !ok {
		http.NotFound(w, r)
		return
	}
	http.Redirect(w, r, "https://"+target+safePath(r), http.StatusMovedPermanently)
}

// safePath returns the request's path and query for a Location on a fixed host: one leading
// slash, so no "//host" can be read as a network path, and backslashes escaped, so no browser
// reads them as slashes.
func safePath(r *http.Request) string {
	p := r.URL.EscapedPath()
	p = "/" + strings.TrimLeft(p, "/\\")
	p = strings.ReplaceAll(p, `\`, "%5C")
	if r.URL.RawQuery != "" {
		p += "?" + r.URL.RawQuery
	}
	return p
}

// RedirectBucketWebsite returns the S3 website configuration that redirects every request for
// apex to https://www.<apex>: the apex -> www redirect without a server, as a bucket named
// exactly like the apex with website hosting, to which the apex's alias record points (S3 website
// endpoints answer HTTP only, so HTTPS on the apex needs CloudFront in front).
func RedirectBucketWebsite(apex string) (*s3.PutBucketWebsiteInput, error) {
	name := strings.TrimSuffix(fqdn(apex), ".")
	if !validName(name+".") || strings.HasPrefix(name, "www.") || strings.HasPrefix(name, "*.") {
		return nil, fmt.Errorf("%w: redirect bucket: %q is not an apex domain name", ErrInvalidSpec, apex)
	}
	return &s3.PutBucketWebsiteInput{
		Bucket: aws.String(name),
		WebsiteConfiguration: &s3types.WebsiteConfiguration{
			RedirectAllRequestsTo: &s3types.RedirectAllRequestsTo{HostName: aws.String("www." + name), Protocol: s3types.ProtocolHttps},
		},
	}, nil
}

// ConfigureRedirectBucket applies [RedirectBucketWebsite] for apex with PutBucketWebsite. The
// bucket, named like the apex, must exist and allow public website reads.
func ConfigureRedirectBucket(ctx context.Context, api WebsiteAPI, apex string) error {
	in, err := RedirectBucketWebsite(apex)
	if err != nil {
		return err
	}
	if _, err := api.PutBucketWebsite(ctx, in); err != nil {
		return fmt.Errorf("route53: configuring redirect bucket %s: %w", aws.ToString(in.Bucket), err)
	}
	return nil
}
