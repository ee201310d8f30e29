package cert_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/cert"
)

var shopNames = []string{"example.com", "www.example.com"}

func TestRefusedBundlesMakeNoCall(t *testing.T) {
	e := newEnv(t)
	p := e.pki
	good := p.bundle(t, 365, shopNames...)
	mismatched := good
	mismatched.PrivateKey = p.bundle(t, 365, shopNames...).PrivateKey
	misordered := good
	misordered.Chain = append(p.root.pem(), p.inter.pem()...)
	expired := p.inter.issue(t, leafSpec{names: shopNames, notBefore: p.now.AddDate(-1, 0, 0), notAfter: p.now.Add(-time.Minute)})
	expired.Chain = p.inter.pem()
	cases := map[string]cert.Bundle{
		"mismatched key": mismatched, "misordered chain": misordered, "expired": expired,
		"expiring within the margin": p.bundle(t, 10, shopNames...), "names not covering www": p.bundle(t, 365, "example.com"),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			e.cloud.ResetCalls()
			_, err := e.c.ImportACM(context.Background(), "shop", b, shopNames)
			assert.ErrorIs(t, err, cert.ErrInvalidCertificate)
			_, err = e.c.UploadIAM(context.Background(), "shop", b, shopNames)
			assert.ErrorIs(t, err, cert.ErrInvalidCertificate)
			assert.Empty(t, e.cloud.Calls(), "a refused bundle made calls")
			assert.NotContains(t, e.logs.String(), "PRIVATE KEY")
		})
	}
}

func TestImportThenRenewKeepsTheARNAndTheListenerServesTheNewCertificate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first := e.pki.bundle(t, 90, shopNames...)
	res, err := e.c.ImportACM(ctx, "shop", first, shopNames, func(o *cert.Options) { o.Tags = map[string]string{"env": "prod"} })
	require.NoError(t, err)
	assert.Equal(t, cert.Imported, res.Action)
	_, listenerARN := e.httpsListener(t, res.ARN)

	tags, err := e.acm.ListTagsForCertificate(ctx, &acm.ListTagsForCertificateInput{CertificateArn: aws.String(res.ARN)})
	require.NoError(t, err)
	assert.ElementsMatch(t, []acmtypes.Tag{{Key: aws.String(cert.DefaultNameTag), Value: aws.String("shop")}, {Key: aws.String("env"), Value: aws.String("prod")}}, tags.Tags)

	// The same bundle again: found, nothing imported.
	e.cloud.ResetCalls()
	again, err := e.c.ImportACM(ctx, "shop", first, shopNames)
	require.NoError(t, err)
	assert.Equal(t, cert.Unchanged, again.Action)
	assert.Equal(t, res.ARN, again.ARN)
	assert.Zero(t, e.calls(awstest.ServiceACM, "ImportCertificate"))

	// Sixty days later the renewal arrives: re-imported into the same ARN.
	e.cloud.Clock().Advance(60 * 24 * time.Hour)
	e.pki.now = e.cloud.Clock().Now()
	renewed := e.pki.bundle(t, 395, shopNames...)
	e.cloud.ResetCalls()
	res2, err := e.c.ImportACM(ctx, "shop", renewed, shopNames)
	require.NoError(t, err)
	assert.Equal(t, cert.Reimported, res2.Action)
	assert.Equal(t, res.ARN, res2.ARN, "a renewal keeps the ARN")
	assert.Equal(t, 1, e.calls(awstest.ServiceACM, "ImportCertificate"))
	assert.Zero(t, e.calls(awstest.ServiceELBv2, "ModifyListener"), "no listener edit is needed")

	// The listener, read back, serves the renewed certificate.
	ls, err := e.elbv2.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{ListenerArns: []string{listenerARN}})
	require.NoError(t, err)
	servedARN := aws.ToString(ls.Listeners[0].Certificates[0].CertificateArn)
	assert.Equal(t, res.ARN, servedARN)
	d, err := e.acm.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(servedARN)})
	require.NoError(t, err)
	assert.Equal(t, res2.Info.Serial, aws.ToString(d.Certificate.Serial))
	assert.Equal(t, res2.Info.NotAfter, aws.ToTime(d.Certificate.NotAfter))
	assert.Equal(t, acmtypes.CertificateTypeImported, d.Certificate.Type)
	body, err := e.acm.GetCertificate(ctx, &acm.GetCertificateInput{CertificateArn: aws.String(servedARN)})
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSpace(string(renewed.Certificate)), strings.TrimSpace(aws.ToString(body.Certificate)))

	// The old certificate picked by mistake is refused rather than downgrading the listener.
	_, err = e.c.ImportACM(ctx, "shop", first, shopNames, func(o *cert.Options) { o.ExpiryMargin = time.Hour })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refusing to replace")
	res3, err := e.c.ImportACM(ctx, "shop", first, shopNames, func(o *cert.Options) { o.ExpiryMargin, o.AllowOlder = time.Hour, true })
	require.NoError(t, err)
	assert.Equal(t, cert.Reimported, res3.Action)
}

func TestImportAdoptsTheSameCertificateImportedByHand(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.pki.bundle(t, 200, shopNames...)
	byHand, err := e.acm.ImportCertificate(ctx, &acm.ImportCertificateInput{Certificate: b.Certificate, PrivateKey: b.PrivateKey, CertificateChain: b.Chain})
	require.NoError(t, err)
	e.cloud.ResetCalls()
	res, err := e.c.ImportACM(ctx, "shop", b, shopNames)
	require.NoError(t, err)
	assert.Equal(t, cert.Adopted, res.Action)
	assert.Equal(t, aws.ToString(byHand.CertificateArn), res.ARN)
	assert.Zero(t, e.calls(awstest.ServiceACM, "ImportCertificate"), "imported twice")
	again, err := e.c.ImportACM(ctx, "shop", b, shopNames)
	require.NoError(t, err)
	assert.Equal(t, cert.Unchanged, again.Action)
}

func TestRenewalWithAnotherKeyTypeIsRefusedBeforeAnyChange(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	res, err := e.c.ImportACM(ctx, "shop", e.pki.bundle(t, 90, shopNames...), shopNames)
	require.NoError(t, err)
	rsaBundle := e.pki.inter.issue(t, leafSpec{names: shopNames, notBefore: e.pki.now.Add(-time.Hour), notAfter: e.pki.now.AddDate(1, 0, 0), keyKind: "rsa2048"})
	rsaBundle.Chain = append(e.pki.inter.pem(), e.pki.root.pem()...)
	e.cloud.ResetCalls()
	_, err = e.c.ImportACM(ctx, "shop", rsaBundle, shopNames)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "its key is EC_prime256v1 and the new certificate's is RSA_2048")
	assert.Zero(t, e.calls(awstest.ServiceACM, "ImportCertificate"))
	d, err := e.acm.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(res.ARN)})
	require.NoError(t, err)
	assert.Equal(t, res.Info.Serial, aws.ToString(d.Certificate.Serial), "the certificate changed")
}

func TestSetListenerCertificateAndSNI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a, err := e.c.ImportACM(ctx, "shop", e.pki.bundle(t, 90, shopNames...), shopNames)
	require.NoError(t, err)
	b, err := e.c.ImportACM(ctx, "shop-new", e.pki.bundle(t, 300, "example.com", "www.example.com", "api.example.com"), shopNames)
	require.NoError(t, err)
	other, err := e.c.ImportACM(ctx, "blog", e.pki.bundle(t, 300, "blog.example.org"), []string{"blog.example.org"})
	require.NoError(t, err)
	_, listenerARN := e.httpsListener(t, a.ARN)

	changed, err := e.c.SetListenerCertificate(ctx, listenerARN, b.ARN)
	require.NoError(t, err)
	assert.True(t, changed)
	e.cloud.ResetCalls()
	changed, err = e.c.SetListenerCertificate(ctx, listenerARN, b.ARN)
	require.NoError(t, err)
	assert.False(t, changed)
	assert.Zero(t, e.calls(awstest.ServiceELBv2, "ModifyListener"))

	added, err := e.c.AddSNICertificates(ctx, listenerARN, []string{other.ARN, b.ARN})
	require.NoError(t, err)
	assert.Equal(t, []string{other.ARN}, added, "the default is already served")
	added, err = e.c.AddSNICertificates(ctx, listenerARN, []string{other.ARN})
	require.NoError(t, err)
	assert.Empty(t, added)
	certs, err := e.elbv2.DescribeListenerCertificates(ctx, &elasticloadbalancingv2.DescribeListenerCertificatesInput{ListenerArn: aws.String(listenerARN)})
	require.NoError(t, err)
	require.Len(t, certs.Certificates, 2)
	assert.Equal(t, b.ARN, aws.ToString(certs.Certificates[0].CertificateArn))
	assert.True(t, aws.ToBool(certs.Certificates[0].IsDefault))

	_, err = e.c.SetListenerCertificate(ctx, listenerARN+"x", b.ARN)
	assert.ErrorIs(t, err, cert.ErrNotFound)
}

func TestClassicListenerWithIAMServerCertificate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b1 := e.pki.bundle(t, 90, shopNames...)
	first, err := e.c.UploadIAM(ctx, "shop", b1, shopNames, func(o *cert.Options) { o.Tags = map[string]string{"env": "prod"} })
	require.NoError(t, err)
	assert.Equal(t, cert.Imported, first.Action)
	tags, err := e.iam.ListServerCertificateTags(ctx, &iam.ListServerCertificateTagsInput{ServerCertificateName: aws.String(first.Name)})
	require.NoError(t, err)
	require.Len(t, tags.Tags, 1, "Options.Tags reach the IAM server certificate")
	assert.Equal(t, "env", aws.ToString(tags.Tags[0].Key))
	assert.Equal(t, "prod", aws.ToString(tags.Tags[0].Value))
	assert.True(t, strings.HasPrefix(first.Name, "shop-"+first.Info.NotAfter.Format("20060102")+"-"), first.Name)
	assert.Contains(t, first.ARN, ":server-certificate/portalkit/"+first.Name)
	e.classicHTTPS(t, "shop-classic", first.ARN)

	// The same upload again finds itself.
	again, err := e.c.UploadIAM(ctx, "shop", e.pki.bundle(t, 90, shopNames...), shopNames)
	require.NoError(t, err)
	assert.Equal(t, cert.Imported, again.Action, "another certificate, another name")
	e.cloud.ResetCalls()
	same, err := e.c.UploadIAM(ctx, "shop", b1, shopNames)
	require.NoError(t, err)
	assert.Equal(t, cert.Unchanged, same.Action)
	assert.Zero(t, e.calls(awstest.ServiceIAM, "UploadServerCertificate"))

	changed, err := e.c.SetClassicListenerCertificate(ctx, "shop-classic", 443, again.ARN)
	require.NoError(t, err)
	assert.True(t, changed)
	changed, err = e.c.SetClassicListenerCertificate(ctx, "shop-classic", 443, again.ARN)
	require.NoError(t, err)
	assert.False(t, changed)
	lbs, err := e.elb.DescribeLoadBalancers(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, again.ARN, aws.ToString(lbs.LoadBalancerDescriptions[0].ListenerDescriptions[0].Listener.SSLCertificateId))

	_, err = e.c.SetClassicListenerCertificate(ctx, "shop-classic", 8443, again.ARN)
	assert.ErrorIs(t, err, cert.ErrNotFound)
	_, err = e.c.SetClassicListenerCertificate(ctx, "nope", 443, again.ARN)
	assert.ErrorIs(t, err, cert.ErrNotFound)
}

func TestExpiryReport(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	long, err := e.c.ImportACM(ctx, "shop", e.pki.bundle(t, 300, shopNames...), shopNames)
	require.NoError(t, err)
	short, err := e.c.ImportACM(ctx, "promo", e.pki.bundle(t, 45, "promo.example.com"), []string{"promo.example.com"})
	require.NoError(t, err)
	iamCert, err := e.c.UploadIAM(ctx, "legacy", e.pki.bundle(t, 50, shopNames...), shopNames)
	require.NoError(t, err)
	lbARN, listenerARN := e.httpsListener(t, long.ARN)
	_, err = e.c.AddSNICertificates(ctx, listenerARN, []string{short.ARN})
	require.NoError(t, err)
	e.classicHTTPS(t, "legacy", iamCert.ARN)
	targets := cert.Targets{LoadBalancerARNs: []string{lbARN}, ClassicNames: []string{"legacy"}}

	rep, err := e.c.Report(ctx, targets)
	require.NoError(t, err, "nothing expires within 30 days yet")
	require.Len(t, rep.Entries, 3)
	assert.Equal(t, short.ARN, rep.Entries[0].CertificateARN, "soonest first")
	assert.Equal(t, 45, rep.Entries[0].DaysLeft)
	assert.False(t, rep.Entries[0].Default)
	assert.Equal(t, "legacy:443", rep.Entries[1].Listener)
	assert.Equal(t, iamCert.Name, rep.Entries[1].Domain)

	// Three weeks later two certificates are within the margin.
	e.cloud.Clock().Advance(21 * 24 * time.Hour)
	rep, err = e.c.Report(ctx, targets)
	require.ErrorIs(t, err, cert.ErrExpiring)
	var ee *cert.ExpiryError
	require.True(t, errors.As(err, &ee))
	require.Len(t, ee.Expiring, 2)
	assert.Equal(t, 24, ee.Expiring[0].DaysLeft)
	assert.Contains(t, err.Error(), short.ARN+" (promo.example.com) on "+listenerARN+": 24 days left")
	assert.Len(t, rep.Expiring(), 2)

	rep, err = e.c.Report(ctx, targets, func(o *cert.Options) { o.WarnOnly = true })
	require.NoError(t, err)
	assert.Len(t, rep.Expiring(), 2)
	assert.Contains(t, e.logs.String(), "cert: certificate expiring")

	// Past its expiry the ACM certificate reads EXPIRED and the report says so.
	e.cloud.Clock().Advance(30 * 24 * time.Hour)
	rep, err = e.c.Report(ctx, targets)
	require.ErrorIs(t, err, cert.ErrExpiring)
	assert.Negative(t, rep.Entries[0].DaysLeft)
	assert.Contains(t, rep.Entries[0].String(), "expired")
}

func TestThrottlingAbsorbed(t *testing.T) {
	e := newEnv(t)
	e.cloud.ThrottleFraction(awstest.ServiceACM, "", 0.5)
	e.cloud.ThrottleFraction(awstest.ServiceELBv2, "", 0.5)
	ctx := context.Background()
	res, err := e.c.ImportACM(ctx, "shop", e.pki.bundle(t, 90, shopNames...), shopNames)
	require.NoError(t, err)
	e.cloud.ClearFaults()
	lbARN, _ := e.httpsListener(t, res.ARN)
	e.cloud.ThrottleFraction(awstest.ServiceACM, "", 0.5)
	e.cloud.ThrottleFraction(awstest.ServiceELBv2, "", 0.5)
	rep, err := e.c.Report(ctx, cert.Targets{LoadBalancerARNs: []string{lbARN}})
	require.NoError(t, err)
	assert.Len(t, rep.Entries, 1)
	imports := e.calls(awstest.ServiceACM, "ImportCertificate")
	assert.Equal(t, 1, imports-throttledCalls(e, "ImportCertificate"), "exactly one import took effect")
}

func throttledCalls(e *env, op string) int {
	n := 0
	for _, c := range e.cloud.Calls() {
		if c.Operation == op && c.Err != nil {
			n++
		}
	}
	return n
}

// TestKeyInTheCertificateOrChainFileIsRefused: a private key concatenated into the certificate or
// the chain file (a "full bundle" PEM) would be uploaded in a field ACM and IAM store and return to
// anyone allowed acm:GetCertificate or iam:GetServerCertificate. It is refused before any call.
func TestKeyInTheCertificateOrChainFileIsRefused(t *testing.T) {
	e := newEnv(t)
	good := e.pki.bundle(t, 365, shopNames...)
	withKey := func(pem []byte) []byte { return append(append([]byte(nil), pem...), good.PrivateKey...) }
	keyInCert, keyInChain, junkChain := good, good, good
	keyInCert.Certificate = withKey(good.Certificate)
	keyInChain.Chain = withKey(good.Chain)
	junkChain.Chain = []byte("not PEM at all")
	for name, b := range map[string]cert.Bundle{"key in certificate": keyInCert, "key in chain": keyInChain, "chain not PEM": junkChain} {
		t.Run(name, func(t *testing.T) {
			e.cloud.ResetCalls()
			_, err := e.c.ImportACM(context.Background(), "shop", b, shopNames)
			require.ErrorIs(t, err, cert.ErrInvalidCertificate)
			assert.NotContains(t, err.Error(), "PRIVATE KEY")
			assert.NotContains(t, err.Error(), strings.Split(string(good.PrivateKey), "\n")[1])
			_, err = e.c.UploadIAM(context.Background(), "shop", b, shopNames)
			require.ErrorIs(t, err, cert.ErrInvalidCertificate)
			assert.Empty(t, e.cloud.Calls(), "a refused bundle made calls")
		})
	}
}

// TestListenerUpdatesWaitForANewCertificateToPropagate: right after an IAM upload (or an ACM
// import) the load balancer APIs can answer CertificateNotFound for a few seconds; the documented
// flow (upload, then set the listener) retries it instead of failing.
func TestListenerUpdatesWaitForANewCertificateToPropagate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first, err := e.c.UploadIAM(ctx, "shop", e.pki.bundle(t, 90, shopNames...), shopNames)
	require.NoError(t, err)
	e.classicHTTPS(t, "shop-classic", first.ARN)
	renewed, err := e.c.UploadIAM(ctx, "shop", e.pki.bundle(t, 300, shopNames...), shopNames)
	require.NoError(t, err)
	e.cloud.FailNext(awstest.ServiceELB, "SetLoadBalancerListenerSSLCertificate", 2, "CertificateNotFound")
	changed, err := e.c.SetClassicListenerCertificate(ctx, "shop-classic", 443, renewed.ARN)
	require.NoError(t, err)
	assert.True(t, changed)
	assert.Equal(t, 3, e.calls(awstest.ServiceELB, "SetLoadBalancerListenerSSLCertificate"))

	a, err := e.c.ImportACM(ctx, "shop", e.pki.bundle(t, 90, shopNames...), shopNames)
	require.NoError(t, err)
	_, listenerARN := e.httpsListener(t, a.ARN)
	b, err := e.c.ImportACM(ctx, "blog", e.pki.bundle(t, 300, "blog.example.org"), []string{"blog.example.org"})
	require.NoError(t, err)
	c, err := e.c.ImportACM(ctx, "api", e.pki.bundle(t, 300, "api.example.org"), []string{"api.example.org"})
	require.NoError(t, err)
	e.cloud.FailNext(awstest.ServiceELBv2, "ModifyListener", 2, "CertificateNotFound")
	_, err = e.c.SetListenerCertificate(ctx, listenerARN, b.ARN)
	require.NoError(t, err)
	e.cloud.FailNext(awstest.ServiceELBv2, "AddListenerCertificates", 2, "CertificateNotFound")
	_, err = e.c.AddSNICertificates(ctx, listenerARN, []string{c.ARN})
	require.NoError(t, err)
}

// TestReportWithoutTargetsIsRefused: a report over no load balancer (an unset variable in a
// deploy script) would say "nothing expiring" about nothing; it is refused instead.
func TestReportWithoutTargetsIsRefused(t *testing.T) {
	e := newEnv(t)
	for _, targets := range []cert.Targets{{}, {LoadBalancerARNs: []string{""}}, {ClassicNames: []string{""}}} {
		rep, err := e.c.Report(context.Background(), targets)
		require.ErrorIs(t, err, cert.ErrInvalidOptions, "%+v", targets)
		assert.Nil(t, rep)
	}
	assert.Empty(t, e.cloud.Calls())
}

// TestUploadIAMAdoptsAfterALostResponse: the upload takes effect but its response is lost; the
// SDK retries it and IAM answers EntityAlreadyExists for the name. The name holds the
// fingerprint, so the certificate there is read back and, being the same, adopted.
func TestUploadIAMAdoptsAfterALostResponse(t *testing.T) {
	e := newEnv(t)
	b := e.pki.bundle(t, 90, shopNames...)
	e.cloud.LoseResponseNext(awstest.ServiceIAM, "UploadServerCertificate", 1)
	res, err := e.c.UploadIAM(context.Background(), "shop", b, shopNames)
	require.NoError(t, err)
	assert.Equal(t, 2, e.calls(awstest.ServiceIAM, "UploadServerCertificate"), "the SDK retried the upload")
	assert.Contains(t, res.ARN, ":server-certificate/portalkit/"+res.Name)
	again, err := e.c.UploadIAM(context.Background(), "shop", b, shopNames)
	require.NoError(t, err)
	assert.Equal(t, cert.Unchanged, again.Action)
	assert.Equal(t, res.ARN, again.ARN)
}

// TestImportACMLostResponseImportsOnce: ACM's ImportCertificate has no idempotency token, so an
// import whose response is lost and that is sent again makes a second certificate, and with two
// certificates carrying the name every later renewal fails. The import is checked for before it
// is sent again.
func TestImportACMLostResponseImportsOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.pki.bundle(t, 90, shopNames...)
	e.cloud.LoseResponseNext(awstest.ServiceACM, "ImportCertificate", 1)
	res, err := e.c.ImportACM(ctx, "shop", b, shopNames)
	require.NoError(t, err)
	list, err := e.acm.ListCertificates(ctx, &acm.ListCertificatesInput{Includes: &acmtypes.Filters{KeyTypes: acmtypes.KeyAlgorithm("").Values()}})
	require.NoError(t, err)
	require.Len(t, list.CertificateSummaryList, 1, "imported once")
	assert.Equal(t, res.ARN, aws.ToString(list.CertificateSummaryList[0].CertificateArn))

	e.cloud.Clock().Advance(30 * 24 * time.Hour)
	e.pki.now = e.cloud.Clock().Now()
	renewed, err := e.c.ImportACM(ctx, "shop", e.pki.bundle(t, 365, shopNames...), shopNames)
	require.NoError(t, err, "the renewal finds one certificate named shop")
	assert.Equal(t, cert.Reimported, renewed.Action)
	assert.Equal(t, res.ARN, renewed.ARN)

	// A server error on an import that did not land: looked for, then sent again.
	e.cloud.ResetCalls()
	e.cloud.FailNext(awstest.ServiceACM, "ImportCertificate", 1, "InternalFailure")
	blog, err := e.c.ImportACM(ctx, "blog", e.pki.bundle(t, 365, "blog.example.org"), []string{"blog.example.org"})
	require.NoError(t, err)
	assert.Equal(t, cert.Imported, blog.Action)
	imports := e.cloud.Calls().Operation(awstest.ServiceACM, "ImportCertificate")
	assert.Len(t, imports, 2)
	assert.Len(t, imports.Failed(), 1)
}
