package awstest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// pemCert is a certificate as ACM and IAM read it from an upload: the parsed leaf, its key
// algorithm in ACM's words, and its SHA-256 fingerprint.
type pemCert struct {
	leaf        *x509.Certificate
	pem         string
	keyAlg      string // ACM's KeyAlgorithm: RSA_2048, EC_prime256v1, ...
	fingerprint string
}

var (
	errNoCertificate    = errors.New("no certificate")
	errManyCertificates = errors.New("more than one certificate")
	errBadKey           = errors.New("unparsable private key")
	errKeyMismatch      = errors.New("key does not match")
	errKeyType          = errors.New("unsupported key type")
)

// parseUpload parses the certificate body (exactly one PEM certificate) and the private key, and
// checks that the key matches the certificate, as ACM ImportCertificate and IAM
// UploadServerCertificate do before they store anything.
func parseUpload(body, key []byte) (*pemCert, error) {
	blocks := pemBlocks(body, "CERTIFICATE")
	switch {
	case len(blocks) == 0:
		return nil, errNoCertificate
	case len(blocks) > 1:
		return nil, errManyCertificates
	}
	leaf, err := x509.ParseCertificate(blocks[0].Bytes)
	if err != nil {
		return nil, errNoCertificate
	}
	priv, err := parsePrivateKey(key)
	if err != nil {
		return nil, errBadKey
	}
	if pub, ok := priv.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(leaf.PublicKey) {
		return nil, errKeyMismatch
	}
	alg, ok := acmKeyAlgorithm(leaf.PublicKey)
	if !ok {
		return nil, errKeyType
	}
	sum := sha256.Sum256(leaf.Raw)
	return &pemCert{
		leaf: leaf, keyAlg: alg, fingerprint: hex.EncodeToString(sum[:]),
		pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})),
	}, nil
}

// pemBlocks returns the PEM blocks of the given type in data, in order.
func pemBlocks(data []byte, typ string) []*pem.Block {
	var out []*pem.Block
	for rest := bytes.TrimSpace(data); len(rest) > 0; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == typ {
			out = append(out, b)
		}
	}
	return out
}

func parsePrivateKey(data []byte) (crypto.Signer, error) {
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, errBadKey
	}
	if k, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errBadKey
	}
	return s, nil
}

// acmKeyAlgorithm names a public key as ACM's KeyAlgorithm does; ok is false for keys ACM does not
// import (Ed25519, DSA, RSA sizes other than 1024-4096 in 1024 steps, other curves).
func acmKeyAlgorithm(pub crypto.PublicKey) (string, bool) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch n := k.N.BitLen(); n {
		case 1024, 2048, 3072, 4096:
			return fmt.Sprintf("RSA_%d", n), true
		}
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return "EC_prime256v1", true
		case elliptic.P384():
			return "EC_secp384r1", true
		case elliptic.P521():
			return "EC_secp521r1", true
		}
	case ed25519.PublicKey:
	}
	return "", false
}

// certUsable reports whether a listener may use the certificate arn at now: an issued, unexpired
// ACM certificate, or an IAM server certificate. Called with c.mu held.
func (c *Cloud) certUsable(arn string, now time.Time) bool {
	return c.acm().usable(arn, now) || c.iam().serverCertByARN(arn) != nil
}
