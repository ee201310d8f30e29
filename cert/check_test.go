package cert_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/cert"
	"github.com/portalkit/portalkit/clock"
)

var testNow = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

func checkOpts(p *pki) func(*cert.Options) {
	return func(o *cert.Options) { o.Roots, o.Clock = p.roots(), clock.NewFake(p.now) }
}

// checkProblems runs Check and returns its problems, asserting the error's shape and that no key
// material leaked into it.
func checkProblems(t *testing.T, b cert.Bundle, domains []string, optFns ...func(*cert.Options)) []string {
	t.Helper()
	info, err := cert.Check(b, domains, optFns...)
	require.Error(t, err)
	assert.Nil(t, info)
	assert.ErrorIs(t, err, cert.ErrInvalidCertificate)
	var ce *cert.CheckError
	require.True(t, errors.As(err, &ce))
	assert.NotContains(t, err.Error(), "PRIVATE KEY")
	for _, line := range strings.Split(string(b.PrivateKey), "\n")[1:3] {
		assert.NotContains(t, err.Error(), line, "the error quotes the key")
	}
	return ce.Problems
}

func TestCheckAcceptsAGoodBundle(t *testing.T) {
	p := newPKI(t, testNow)
	b := p.bundle(t, 365, "example.com", "www.example.com")
	info, err := cert.Check(b, []string{"example.com", "www.example.com"}, checkOpts(p))
	require.NoError(t, err)
	assert.Equal(t, "CN=example.com", info.Subject)
	assert.Equal(t, []string{"example.com", "www.example.com"}, info.DNSNames)
	assert.Equal(t, "EC_prime256v1", info.KeyAlgorithm)
	assert.Len(t, info.Fingerprint, 64)
	assert.Equal(t, testNow.AddDate(0, 0, 365), info.NotAfter)

	wild := p.bundle(t, 365, "*.example.com", "example.com")
	_, err = cert.Check(wild, []string{"example.com", "www.example.com"}, checkOpts(p))
	assert.NoError(t, err, "a wildcard covers www")
}

func TestCheckRefusesMismatchedKey(t *testing.T) {
	p := newPKI(t, testNow)
	b := p.bundle(t, 365, "example.com", "www.example.com")
	b.PrivateKey = p.bundle(t, 365, "example.com").PrivateKey
	probs := checkProblems(t, b, []string{"example.com"}, checkOpts(p))
	assert.Equal(t, []string{"the private key does not match the certificate's public key"}, probs)
}

func TestCheckRefusesMisorderedChain(t *testing.T) {
	p := newPKI(t, testNow)
	b := p.bundle(t, 365, "example.com")
	b.Chain = append(p.root.pem(), p.inter.pem()...) // root first: wrong order
	probs := checkProblems(t, b, []string{"example.com"}, checkOpts(p))
	require.Len(t, probs, 1)
	assert.Equal(t, "the chain is not ordered leaf -> intermediates: chain certificate 1 (CN=Test Root) did not sign CN=example.com (chain certificate 2 did: put the issuer of each certificate right after it)", probs[0])
}

func TestCheckRefusesAChainThatDoesNotVerify(t *testing.T) {
	p := newPKI(t, testNow)
	b := p.bundle(t, 365, "example.com")
	b.Chain = nil // the intermediate is missing
	probs := checkProblems(t, b, []string{"example.com"}, checkOpts(p))
	require.Len(t, probs, 1)
	assert.Contains(t, probs[0], "the chain does not verify")
}

func TestCheckRefusesExpiredAndExpiring(t *testing.T) {
	p := newPKI(t, testNow)
	expired := p.inter.issue(t, leafSpec{names: []string{"example.com"}, notBefore: testNow.AddDate(-1, 0, 0), notAfter: testNow.Add(-time.Hour)})
	expired.Chain = p.inter.pem()
	assert.Equal(t, []string{"the certificate expired on 2025-12-31T23:00:00Z"}, checkProblems(t, expired, nil, checkOpts(p)))

	soon := p.bundle(t, 20, "example.com")
	assert.Equal(t, []string{"the certificate expires on 2026-01-21T00:00:00Z, within the 30-day margin (20 days left)"}, checkProblems(t, soon, nil, checkOpts(p)))
	_, err := cert.Check(soon, nil, checkOpts(p), func(o *cert.Options) { o.ExpiryMargin = 7 * 24 * time.Hour })
	assert.NoError(t, err, "a smaller margin accepts it")

	future := p.inter.issue(t, leafSpec{names: []string{"example.com"}, notBefore: testNow.Add(time.Hour), notAfter: testNow.AddDate(1, 0, 0)})
	future.Chain = p.inter.pem()
	assert.Equal(t, []string{"the certificate is not valid before 2026-01-01T01:00:00Z"}, checkProblems(t, future, nil, checkOpts(p)))
}

func TestCheckRefusesNamesNotCovered(t *testing.T) {
	p := newPKI(t, testNow)
	b := p.bundle(t, 365, "example.com")
	assert.Equal(t, []string{"the certificate does not cover www.example.com (it covers example.com)"},
		checkProblems(t, b, []string{"example.com", "www.example.com"}, checkOpts(p)))
}

func TestCheckRefusesWeakKeysAndStrayBlocks(t *testing.T) {
	p := newPKI(t, testNow)
	weak := p.inter.issue(t, leafSpec{names: []string{"example.com"}, notBefore: testNow.Add(-time.Hour), notAfter: testNow.AddDate(1, 0, 0), keyKind: "rsa1024"})
	weak.Chain = p.inter.pem()
	assert.Equal(t, []string{"the certificate's key is RSA 1024 bits: supported are RSA 2048, 3072 and 4096 bits and ECDSA P-256, P-384 and P-521"},
		checkProblems(t, weak, nil, checkOpts(p)))

	b := p.bundle(t, 365, "example.com")
	two := b
	two.Certificate = append(append([]byte(nil), b.Certificate...), p.inter.pem()...)
	assert.Equal(t, []string{"the certificate holds 2 certificates: give the server certificate alone and the intermediates as the chain"},
		checkProblems(t, two, nil, checkOpts(p)))

	swapped := cert.Bundle{Certificate: b.PrivateKey, PrivateKey: b.Certificate}
	assert.Equal(t, []string{
		"the certificate holds no PEM CERTIFICATE block (is the key or a DER file in its place?)",
		`the private key (PEM type "CERTIFICATE") cannot be parsed as PKCS #1, PKCS #8 or SEC 1`,
	}, checkProblems(t, swapped, nil, checkOpts(p)))
}

func TestCheckReportsEveryProblemAtOnce(t *testing.T) {
	p := newPKI(t, testNow)
	b := p.bundle(t, 10, "example.com")
	b.PrivateKey = p.bundle(t, 365, "example.com").PrivateKey
	b.Chain = append(p.root.pem(), p.inter.pem()...)
	probs := checkProblems(t, b, []string{"www.example.com"}, checkOpts(p))
	assert.Len(t, probs, 4, "%q", probs)
}

func TestBundleNeverPrintsItsKey(t *testing.T) {
	p := newPKI(t, testNow)
	b := p.bundle(t, 365, "example.com")
	for _, s := range []string{fmt.Sprint(b), fmt.Sprintf("%v %+v %#v %s", b, b, b, b)} {
		assert.NotContains(t, s, "PRIVATE KEY")
		assert.Contains(t, s, "[redacted]")
	}
}

func TestCheckValidatesOptions(t *testing.T) {
	_, err := cert.Check(cert.Bundle{}, nil, func(o *cert.Options) { o.ExpiryMargin, o.IAMPath = -1, "no-slash" })
	require.ErrorIs(t, err, cert.ErrInvalidOptions)
	assert.Contains(t, err.Error(), "ExpiryMargin is negative")
	assert.Contains(t, err.Error(), `IAMPath "no-slash"`)
	_, err = cert.New(cert.Clients{})
	assert.ErrorIs(t, err, cert.ErrInvalidOptions)
	_, err = cert.New(cert.Clients{}, func(o *cert.Options) { o.ExpiryMargin = -1 })
	require.ErrorIs(t, err, cert.ErrInvalidOptions)
	assert.Contains(t, err.Error(), "ExpiryMargin is negative")
	assert.Contains(t, err.Error(), "no AWS client", "every problem is named at once")
}

// TestBundleNeverFormatsItsKey: every fmt verb and encoding/json render a Bundle without its key,
// in any encoding (text, decimal or hex bytes, base64).
func TestBundleNeverFormatsItsKey(t *testing.T) {
	p := newPKI(t, testNow)
	b := p.bundle(t, 365, "example.com")
	key := string(b.PrivateKey)
	keyLine := strings.Split(key, "\n")[1]
	forms := []string{
		key, keyLine,
		strings.Trim(fmt.Sprintf("%d", b.PrivateKey[:40]), "[]"),
		fmt.Sprintf("%x", b.PrivateKey[:40]), fmt.Sprintf("%X", b.PrivateKey[:40]),
		base64.StdEncoding.EncodeToString(b.PrivateKey)[:40],
	}
	js, err := json.Marshal(b)
	require.NoError(t, err)
	type wrapper struct{ Bundle cert.Bundle }
	jsw, err := json.Marshal(wrapper{b})
	require.NoError(t, err)
	outputs := []string{
		fmt.Sprintf("%d", b), fmt.Sprintf("%x", b), fmt.Sprintf("%X", b), fmt.Sprintf("%q", b), fmt.Sprintf("%s", b),
		fmt.Sprintf("%v", &b), fmt.Sprintf("%+v", wrapper{b}), fmt.Sprintf("%#v", wrapper{b}), fmt.Sprintf("%d", wrapper{b}),
		string(js), string(jsw),
	}
	for i, out := range outputs {
		for _, f := range forms {
			assert.NotContains(t, out, f, "output %d leaks the key", i)
		}
	}
	assert.Contains(t, string(js), "[redacted]")
	var back struct{ Certificate []byte }
	require.NoError(t, json.Unmarshal(js, &back))
	assert.Equal(t, b.Certificate, back.Certificate, "the certificate itself is no secret")
}

// TestCheckNamesALeafRepeatedInTheChain: certbot's fullchain.pem (the certificate, then the
// intermediates) given as the chain is the commonest chain mistake; the error says so rather than
// calling the chain misordered.
func TestCheckNamesALeafRepeatedInTheChain(t *testing.T) {
	p := newPKI(t, testNow)
	b := p.bundle(t, 365, "example.com")
	b.Chain = append(append([]byte(nil), b.Certificate...), b.Chain...)
	probs := checkProblems(t, b, []string{"example.com"}, checkOpts(p))
	require.Len(t, probs, 1)
	assert.Contains(t, probs[0], "chain certificate 1 is the certificate itself")
	assert.Contains(t, probs[0], "intermediates only")
}
