package cert_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/portalkit/portalkit/awstest"
	"github.com/portalkit/portalkit/cert"
	"github.com/portalkit/portalkit/clock"
)

// selfSigned makes a bundle for the example: a certificate for names, valid for days from now.
func selfSigned(now time.Time, days int, names ...string) (cert.Bundle, *x509.CertPool) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 0, days), BasicConstraintsValid: true, IsCA: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	leaf, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return cert.Bundle{
		Certificate: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		PrivateKey:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
	}, roots
}

// Check refuses a certificate that does not cover www before anything reaches AWS.
func ExampleCheck() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b, roots := selfSigned(now, 365, "example.com")
	_, err := cert.Check(b, []string{"example.com", "www.example.com"}, func(o *cert.Options) {
		o.Roots, o.Clock = roots, clock.NewFake(now)
	})
	fmt.Println(errors.Is(err, cert.ErrInvalidCertificate))
	fmt.Println(err)
	// Output:
	// true
	// cert: invalid certificate CN=example.com: the certificate does not cover www.example.com (it covers example.com)
}

// Import a bought certificate, then renew it: the ARN, and so every listener using it, stays.
func ExampleClient_ImportACM() {
	cloud, err := awstest.New()
	if err != nil {
		panic(err)
	}
	defer cloud.Close()
	ctx := context.Background()
	names := []string{"example.com", "www.example.com"}

	b, roots := selfSigned(cloud.Clock().Now(), 90, names...)
	c, err := cert.NewFromConfig(cloud.Config(), func(o *cert.Options) { o.Clock, o.Roots = cloud.Clock(), roots })
	if err != nil {
		panic(err)
	}
	first, err := c.ImportACM(ctx, "shop", b, names)
	if err != nil {
		panic(err)
	}
	fmt.Println(first.Action)

	cloud.Clock().Advance(70 * 24 * time.Hour) // renewal time
	renewed, roots2 := selfSigned(cloud.Clock().Now(), 395, names...)
	second, err := c.ImportACM(ctx, "shop", renewed, names, func(o *cert.Options) { o.Roots = roots2 })
	if err != nil {
		panic(err)
	}
	fmt.Println(second.Action, second.ARN == first.ARN)
	// Output:
	// imported
	// reimported true
}
