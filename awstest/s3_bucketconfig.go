package awstest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// The embedded S3 server (gofakes3) answers objects, multipart uploads and versioning but not the
// bucket configuration subresources a backup bucket is protected with. bucketConfig answers
// those over the same HTTP endpoint, in front of gofakes3, with S3's XML documents, codes and
// statuses:
//
//   - ?lifecycle: PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration,
//     DeleteBucketLifecycle (NoSuchLifecycleConfiguration when none);
//   - ?publicAccessBlock: PutPublicAccessBlock, GetPublicAccessBlock, DeletePublicAccessBlock
//     (NoSuchPublicAccessBlockConfiguration when none);
//   - ?object-lock: PutObjectLockConfiguration, GetObjectLockConfiguration
//     (ObjectLockConfigurationNotFoundError when none; the bare ObjectLockEnabled document for a
//     bucket with Object Lock and no default retention; InvalidBucketState when enabling it on an
//     existing bucket whose versioning is not Enabled), and CreateBucket with
//     x-amz-bucket-object-lock-enabled, which also turns versioning on, as S3 does;
//   - CreateBucket gives the new bucket S3's default Block Public Access (all four settings on,
//     as S3 does for buckets created since April 2023).
//
// Other bucket subresources it does not model (?policy, ?encryption, ?replication, ...) fail
// loudly with 501 NotImplemented instead of reaching gofakes3, which would misroute them.
type bucketConfig struct {
	next    http.Handler
	mu      sync.Mutex
	buckets map[string]*bucketSettings
}

type bucketSettings struct {
	lifecycle   []byte // the stored LifecycleConfiguration document
	publicBlock []byte // the stored PublicAccessBlockConfiguration document
	lockEnabled bool
	lockConfig  []byte // the stored ObjectLockConfiguration document
}

func newBucketConfig(next http.Handler) *bucketConfig {
	return &bucketConfig{next: next, buckets: map[string]*bucketSettings{}}
}

func init() {
	for _, op := range []string{
		"GetBucketLifecycleConfiguration", "PutBucketLifecycleConfiguration", "DeleteBucketLifecycle",
		"GetPublicAccessBlock", "PutPublicAccessBlock", "DeletePublicAccessBlock",
		"GetObjectLockConfiguration", "PutObjectLockConfiguration",
	} {
		s3Operations[op] = true
	}
}

// unmodeledBucketSubresources are bucket subresources neither gofakes3 nor bucketConfig answer.
var unmodeledBucketSubresources = []string{
	"policy", "encryption", "replication", "cors", "website", "logging", "notification", "tagging",
	"accelerate", "requestPayment", "ownershipControls", "intelligent-tiering", "inventory", "metrics",
	"analytics", "acl", "policyStatus",
}

func (b *bucketConfig) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, object, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	if bucket == "" || object != "" {
		b.next.ServeHTTP(w, r)
		return
	}
	switch {
	case q.Has("lifecycle"):
		b.document(w, r, bucket, "lifecycle")
	case q.Has("publicAccessBlock"):
		b.document(w, r, bucket, "publicAccessBlock")
	case q.Has("object-lock"):
		b.document(w, r, bucket, "object-lock")
	case r.Method == http.MethodPut && len(q) == 0:
		b.createBucket(w, r, bucket)
	case r.Method == http.MethodDelete && len(q) == 0:
		rec := httptest.NewRecorder()
		b.next.ServeHTTP(rec, r)
		if rec.Code/100 == 2 {
			b.mu.Lock()
			delete(b.buckets, bucket)
			b.mu.Unlock()
		}
		copyResponse(w, rec)
	default:
		for _, sub := range unmodeledBucketSubresources {
			if q.Has(sub) {
				s3ErrorResponse(w, http.StatusNotImplemented, "NotImplemented",
					fmt.Sprintf("awstest: the bucket subresource ?%s is not modelled by the embedded S3 server", sub))
				return
			}
		}
		b.next.ServeHTTP(w, r)
	}
}

// createBucket passes CreateBucket on and, for x-amz-bucket-object-lock-enabled: true, records
// Object Lock and enables versioning.
func (b *bucketConfig) createBucket(w http.ResponseWriter, r *http.Request, bucket string) {
	lock := strings.EqualFold(r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled"), "true")
	rec := httptest.NewRecorder()
	b.next.ServeHTTP(rec, r)
	if rec.Code/100 == 2 && lock {
		body := `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>`
		req := httptest.NewRequest(http.MethodPut, "/"+bucket+"?versioning", strings.NewReader(body))
		vrec := httptest.NewRecorder()
		b.next.ServeHTTP(vrec, req)
		if vrec.Code/100 != 2 {
			s3ErrorResponse(w, http.StatusInternalServerError, "InternalError", "awstest: enabling versioning for Object Lock failed: "+vrec.Body.String())
			return
		}
		b.mu.Lock()
		b.settings(bucket).lockEnabled = true
		b.mu.Unlock()
	}
	if rec.Code/100 == 2 {
		// Since April 2023 S3 turns Block Public Access on for every new bucket.
		b.mu.Lock()
		b.settings(bucket).publicBlock = []byte(defaultPublicAccessBlock)
		b.mu.Unlock()
	}
	copyResponse(w, rec)
}

// defaultPublicAccessBlock is the configuration S3 gives a new bucket.
const defaultPublicAccessBlock = `<?xml version="1.0" encoding="UTF-8"?>
<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`

func (b *bucketConfig) settings(bucket string) *bucketSettings {
	s := b.buckets[bucket]
	if s == nil {
		s = &bucketSettings{}
		b.buckets[bucket] = s
	}
	return s
}

// bucketExists asks gofakes3 (HEAD bucket).
func (b *bucketConfig) bucketExists(bucket string) bool {
	rec := httptest.NewRecorder()
	b.next.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/"+bucket, nil))
	return rec.Code == http.StatusOK
}

// lockEnabledOnly is GetObjectLockConfiguration's answer for a bucket with Object Lock enabled
// and no default retention.
const lockEnabledOnly = `<?xml version="1.0" encoding="UTF-8"?>
<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>`

// versioningEnabled asks gofakes3 (GET ?versioning) whether the bucket's versioning is Enabled.
func (b *bucketConfig) versioningEnabled(bucket string) bool {
	rec := httptest.NewRecorder()
	b.next.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+bucket+"?versioning", nil))
	var doc struct {
		Status string `xml:"Status"`
	}
	return rec.Code == http.StatusOK && xml.Unmarshal(rec.Body.Bytes(), &doc) == nil && doc.Status == "Enabled"
}

func (b *bucketConfig) document(w http.ResponseWriter, r *http.Request, bucket, sub string) {
	if !b.bucketExists(bucket) {
		s3ErrorResponse(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	// S3 lets Object Lock be enabled on an existing bucket whose versioning is enabled.
	versioned := sub == "object-lock" && r.Method == http.MethodPut && b.versioningEnabled(bucket)
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.settings(bucket)
	var slot *[]byte
	var missingCode, missingMsg string
	switch sub {
	case "lifecycle":
		slot, missingCode, missingMsg = &s.lifecycle, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist"
	case "publicAccessBlock":
		slot, missingCode, missingMsg = &s.publicBlock, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found"
	default:
		slot, missingCode, missingMsg = &s.lockConfig, "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket"
	}
	switch r.Method {
	case http.MethodGet:
		if sub == "object-lock" && *slot == nil && s.lockEnabled {
			// Enabled without a default retention rule: S3 answers the bare configuration.
			w.Header().Set("Content-Type", "application/xml")
			_, _ = w.Write([]byte(lockEnabledOnly))
			return
		}
		if *slot == nil {
			s3ErrorResponse(w, http.StatusNotFound, missingCode, missingMsg)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write(*slot)
	case http.MethodPut:
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			s3ErrorResponse(w, http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
			return
		}
		var status int
		var code, msg string
		switch sub {
		case "lifecycle":
			status, code, msg = validateLifecycle(body)
		case "publicAccessBlock":
			status, code, msg = validatePublicAccessBlock(body)
		default:
			status, code, msg = validateObjectLock(body, s.lockEnabled || versioned)
		}
		if code != "" {
			s3ErrorResponse(w, status, code, msg)
			return
		}
		if sub == "object-lock" {
			s.lockEnabled = true // for good: Object Lock cannot be turned off
		}
		*slot = body
		w.WriteHeader(http.StatusOK)
	case http.MethodDelete:
		if sub == "object-lock" {
			s3ErrorResponse(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
			return
		}
		*slot = nil
		w.WriteHeader(http.StatusNoContent)
	default:
		s3ErrorResponse(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	}
}

type lifecycleDoc struct {
	XMLName xml.Name `xml:"LifecycleConfiguration"`
	Rules   []struct {
		ID         string    `xml:"ID"`
		Status     string    `xml:"Status"`
		Filter     *struct{} `xml:"Filter"`
		Prefix     *string   `xml:"Prefix"`
		Expiration *struct {
			Days                      *int    `xml:"Days"`
			Date                      *string `xml:"Date"`
			ExpiredObjectDeleteMarker *bool   `xml:"ExpiredObjectDeleteMarker"`
		} `xml:"Expiration"`
		NoncurrentVersionExpiration *struct {
			NoncurrentDays *int `xml:"NoncurrentDays"`
		} `xml:"NoncurrentVersionExpiration"`
		AbortIncompleteMultipartUpload *struct {
			DaysAfterInitiation *int `xml:"DaysAfterInitiation"`
		} `xml:"AbortIncompleteMultipartUpload"`
		Transition           []struct{} `xml:"Transition"`
		NoncurrentTransition []struct{} `xml:"NoncurrentVersionTransition"`
	} `xml:"Rule"`
}

func validateLifecycle(body []byte) (int, string, string) {
	var doc lifecycleDoc
	if err := xml.Unmarshal(body, &doc); err != nil || len(doc.Rules) == 0 {
		return http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"
	}
	if len(doc.Rules) > 1000 {
		return http.StatusBadRequest, "InvalidRequest", "The number of lifecycle rules must not exceed the allowed limit of 1000 rules"
	}
	ids := map[string]bool{}
	for _, r := range doc.Rules {
		if r.Status != "Enabled" && r.Status != "Disabled" {
			return http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"
		}
		if len(r.ID) > 255 {
			return http.StatusBadRequest, "InvalidArgument", "ID length should not exceed allowed limit of 255"
		}
		if r.ID != "" && ids[r.ID] {
			return http.StatusBadRequest, "InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule"
		}
		ids[r.ID] = true
		if r.Filter == nil && r.Prefix == nil {
			return http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"
		}
		if r.Expiration == nil && r.NoncurrentVersionExpiration == nil && r.AbortIncompleteMultipartUpload == nil && len(r.Transition) == 0 && len(r.NoncurrentTransition) == 0 {
			return http.StatusBadRequest, "InvalidRequest", "At least one action needs to be specified in a rule"
		}
		if e := r.Expiration; e != nil && e.Days != nil && *e.Days <= 0 {
			return http.StatusBadRequest, "InvalidArgument", "'Days' for Expiration action must be a positive integer"
		}
		if n := r.NoncurrentVersionExpiration; n != nil && (n.NoncurrentDays == nil || *n.NoncurrentDays <= 0) {
			return http.StatusBadRequest, "InvalidArgument", "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"
		}
		if a := r.AbortIncompleteMultipartUpload; a != nil && (a.DaysAfterInitiation == nil || *a.DaysAfterInitiation <= 0) {
			return http.StatusBadRequest, "InvalidArgument", "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"
		}
	}
	return 0, "", ""
}

func validatePublicAccessBlock(body []byte) (int, string, string) {
	var doc struct {
		XMLName xml.Name `xml:"PublicAccessBlockConfiguration"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"
	}
	return 0, "", ""
}

func validateObjectLock(body []byte, enabled bool) (int, string, string) {
	var doc struct {
		XMLName           xml.Name `xml:"ObjectLockConfiguration"`
		ObjectLockEnabled string   `xml:"ObjectLockEnabled"`
		Rule              *struct {
			DefaultRetention struct {
				Mode  string `xml:"Mode"`
				Days  *int   `xml:"Days"`
				Years *int   `xml:"Years"`
			} `xml:"DefaultRetention"`
		} `xml:"Rule"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil || doc.ObjectLockEnabled != "Enabled" {
		return http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"
	}
	if !enabled {
		return http.StatusConflict, "InvalidBucketState", "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration"
	}
	if r := doc.Rule; r != nil {
		d := r.DefaultRetention
		if d.Mode != "GOVERNANCE" && d.Mode != "COMPLIANCE" {
			return http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"
		}
		if (d.Days == nil) == (d.Years == nil) {
			return http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"
		}
		if (d.Days != nil && *d.Days <= 0) || (d.Years != nil && *d.Years <= 0) {
			return http.StatusBadRequest, "InvalidArgument", "Default retention period must be a positive integer value"
		}
	}
	return 0, "", ""
}

// s3ErrorResponse writes S3's error document.
func s3ErrorResponse(w http.ResponseWriter, status int, code, msg string) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>")
	_ = xml.EscapeText(&b, []byte(code))
	b.WriteString("</Code><Message>")
	_ = xml.EscapeText(&b, []byte(msg))
	b.WriteString("</Message><RequestId>awstest</RequestId></Error>")
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
