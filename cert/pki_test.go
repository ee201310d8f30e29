package cert_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/portalkit/portalkit/cert"
)

// ca is a certificate authority made in the test.
type ca struct {
	cert *x509.Certificate
	key  crypto.Signer
}

var serial atomic.Int64

func newKey(t testing.TB, kind string) crypto.Signer {
	t.Helper()
	var (
		k   crypto.Signer
		err error
	)
	switch kind {
	case "rsa1024":
		k, err = rsa.GenerateKey(rand.Reader, 1024)
	case "rsa2048":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	require.NoError(t, err)
	return k
}

// newCA makes a root (parent nil) or an intermediate signed by parent.
func newCA(t testing.TB, name string, parent *ca, notBefore, notAfter time.Time) *ca {
	t.Helper()
	key := newKey(t, "ec")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)), Subject: pkix.Name{CommonName: name},
		NotBefore: notBefore, NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, key.Public(), signerKey)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &ca{cert: c, key: key}
}

func (c *ca) pem() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw})
}

// leafSpec describes a server certificate to issue.
type leafSpec struct {
	names               []string
	notBefore, notAfter time.Time
	keyKind             string
}

// issue signs a server certificate and returns it with its key as a bundle (no chain).
func (c *ca) issue(t testing.TB, s leafSpec) cert.Bundle {
	t.Helper()
	key := newKey(t, s.keyKind)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)), Subject: pkix.Name{CommonName: s.names[0]}, DNSNames: s.names,
		NotBefore: s.notBefore, NotAfter: s.notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, key.Public(), c.key)
	require.NoError(t, err)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return cert.Bundle{
		Certificate: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		PrivateKey:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
	}
}

// pki is a root, an intermediate it signed, and the time they are made for.
type pki struct {
	root, inter *ca
	now         time.Time
}

func newPKI(t testing.TB, now time.Time) *pki {
	root := newCA(t, "Test Root", nil, now.AddDate(-5, 0, 0), now.AddDate(10, 0, 0))
	return &pki{root: root, inter: newCA(t, "Test Intermediate", root, now.AddDate(-1, 0, 0), now.AddDate(5, 0, 0)), now: now}
}

// bundle issues a certificate for names from the intermediate, valid from a day ago for days,
// with the chain intermediate -> root.
func (p *pki) bundle(t testing.TB, days int, names ...string) cert.Bundle {
	b := p.inter.issue(t, leafSpec{names: names, notBefore: p.now.Add(-24 * time.Hour), notAfter: p.now.AddDate(0, 0, days)})
	b.Chain = append(p.inter.pem(), p.root.pem()...)
	return b
}

// roots trusts the test root.
func (p *pki) roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root.cert)
	return pool
}
