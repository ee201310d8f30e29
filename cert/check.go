package cert

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Bundle is a certificate as a certificate authority delivers it, all PEM-encoded: the server
// certificate, its private key, and the chain of intermediates (issuer first). It prints and logs
// without the key.
type Bundle struct {
	// Certificate is the server (leaf) certificate: exactly one PEM CERTIFICATE block.
	Certificate []byte
	// PrivateKey is the unencrypted private key (PKCS #1, PKCS #8 or SEC 1 PEM).
	PrivateKey []byte
	// Chain holds the intermediate certificates, the one that signed Certificate first; a root
	// may end it. Empty for a certificate signed directly by a root.
	Chain []byte
}

// String describes the bundle without its key.
func (b Bundle) String() string {
	return fmt.Sprintf("cert.Bundle{Certificate: %d bytes, PrivateKey: [redacted], Chain: %d bytes}", len(b.Certificate), len(b.Chain))
}

// GoString is String, so %#v does not print the key either.
func (b Bundle) GoString() string { return b.String() }

// LogValue keeps the key out of slog output.
func (b Bundle) LogValue() slog.Value { return slog.StringValue(b.String()) }

// Format renders the bundle as String does under every fmt verb, so that no verb (%d or %x, which
// would print the key's bytes) shows the key.
func (b Bundle) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", b.String())
		return
	}
	fmt.Fprint(f, b.String())
}

// MarshalJSON encodes the certificate and the chain as encoding/json encodes byte slices and the
// key as "[redacted]", so a configuration or a report that embeds a Bundle can be dumped as JSON
// without the key.
func (b Bundle) MarshalJSON() ([]byte, error) {
	key := ""
	if len(b.PrivateKey) > 0 {
		key = "[redacted]"
	}
	return json.Marshal(struct {
		Certificate []byte
		PrivateKey  string
		Chain       []byte
	}{b.Certificate, key, b.Chain})
}

// Info is what Check learned about a certificate that passed.
type Info struct {
	// Subject is the certificate's subject, for example "CN=example.com".
	Subject string
	// DNSNames are the names it covers (its subject alternative names).
	DNSNames []string
	// NotBefore and NotAfter bound its validity.
	NotBefore, NotAfter time.Time
	// KeyAlgorithm is the key type in ACM's words, for example "RSA_2048" or "EC_prime256v1".
	KeyAlgorithm string
	// Fingerprint is the lowercase hex SHA-256 of the certificate's DER encoding.
	Fingerprint string
	// Serial is the serial number, colon-separated hex as ACM shows it.
	Serial string

	leaf *x509.Certificate
}

// Check parses a bundle and verifies everything ACM, IAM and a browser will: the key matches the
// certificate and is a type and size the load balancers support (RSA 2048, 3072 or 4096 bits;
// ECDSA P-256, P-384 or P-521; RSA 1024 is refused as too weak although ACM would import it); the
// chain is ordered leaf -> intermediates and verifies to a root (Options.Roots, or the system's
// roots plus a self-signed certificate ending the chain); the certificate is valid now and does not
// expire within Options.ExpiryMargin; and it covers every name in domains (wildcards as TLS
// clients match them). It makes no call to AWS. Every problem is reported in one [*CheckError],
// matching [ErrInvalidCertificate], which never contains the key.
func Check(b Bundle, domains []string, optFns ...func(*Options)) (*Info, error) {
	o, err := Options{}.resolve(optFns)
	if err != nil {
		return nil, err
	}
	return checkBundle(b, domains, o)
}

func checkBundle(b Bundle, domains []string, o Options) (*Info, error) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	leaf, perr := parseLeaf(b.Certificate)
	if perr != "" {
		add("%s", perr)
		if key, kerr := parseKey(b.PrivateKey); kerr != "" {
			add("%s", kerr)
		} else if _, ok := keyAlgorithm(key.Public()); !ok {
			add("the private key is %s: supported are RSA 2048, 3072 and 4096 bits and ECDSA P-256, P-384 and P-521", describeKey(key.Public()))
		}
		return nil, &CheckError{Problems: problems}
	}
	info := &Info{
		Subject: leaf.Subject.String(), DNSNames: append([]string(nil), leaf.DNSNames...),
		NotBefore: leaf.NotBefore.UTC(), NotAfter: leaf.NotAfter.UTC(), Serial: serialHex(leaf), leaf: leaf,
	}
	sum := sha256.Sum256(leaf.Raw)
	info.Fingerprint = hex.EncodeToString(sum[:])

	if _, other := pemBlocks(b.Certificate); other > 0 {
		add("the certificate also holds %d PEM block(s) that are not certificates (a private key?): it would be stored where "+
			"anyone allowed to read the certificate sees it; give the server certificate alone", other)
	}
	alg, algOK := keyAlgorithm(leaf.PublicKey)
	info.KeyAlgorithm = alg
	if !algOK {
		add("the certificate's key is %s: supported are RSA 2048, 3072 and 4096 bits and ECDSA P-256, P-384 and P-521", describeKey(leaf.PublicKey))
	}
	switch key, kerr := parseKey(b.PrivateKey); {
	case kerr != "":
		add("%s", kerr)
	case !publicKeysEqual(key.Public(), leaf.PublicKey):
		add("the private key does not match the certificate's public key")
	}
	problems = append(problems, checkValidity(leaf, o.Clock.Now(), o.ExpiryMargin)...)
	problems = append(problems, checkNames(leaf, domains)...)
	problems = append(problems, checkChain(leaf, b.Chain, o.Roots, o.Clock.Now())...)
	if len(problems) > 0 {
		return nil, &CheckError{Subject: info.Subject, Problems: problems}
	}
	return info, nil
}

func parseLeaf(data []byte) (*x509.Certificate, string) {
	blocks, other := pemBlocks(data)
	switch {
	case len(blocks) == 0 && other > 0:
		return nil, "the certificate holds no PEM CERTIFICATE block (is the key or a DER file in its place?)"
	case len(blocks) == 0:
		return nil, "the certificate is empty or not PEM-encoded"
	case len(blocks) > 1:
		return nil, fmt.Sprintf("the certificate holds %d certificates: give the server certificate alone and the intermediates as the chain", len(blocks))
	}
	leaf, err := x509.ParseCertificate(blocks[0].Bytes)
	if err != nil {
		return nil, "the certificate cannot be parsed: " + err.Error()
	}
	return leaf, ""
}

// parseKey parses an unencrypted PEM private key. Its messages never quote the key.
func parseKey(data []byte) (crypto.Signer, string) {
	b, _ := pem.Decode(data)
	switch {
	case b == nil:
		return nil, "the private key is empty or not PEM-encoded"
	case strings.Contains(b.Type, "ENCRYPTED") || b.Headers["Proc-Type"] != "":
		return nil, "the private key is encrypted: ACM and IAM need it unencrypted"
	}
	if k, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
		return k, ""
	}
	if k, err := x509.ParseECPrivateKey(b.Bytes); err == nil {
		return k, ""
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Sprintf("the private key (PEM type %q) cannot be parsed as PKCS #1, PKCS #8 or SEC 1", b.Type)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Sprintf("the private key (PEM type %q) is of an unsupported type", b.Type)
	}
	return s, ""
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// keyAlgorithm names a public key as ACM does; ok is false for keys the package refuses.
func keyAlgorithm(pub crypto.PublicKey) (string, bool) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		n := k.N.BitLen()
		return fmt.Sprintf("RSA_%d", n), n == 2048 || n == 3072 || n == 4096
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return "EC_prime256v1", true
		case elliptic.P384():
			return "EC_secp384r1", true
		case elliptic.P521():
			return "EC_secp521r1", true
		}
	}
	return "", false
}

func describeKey(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d bits", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	}
	return fmt.Sprintf("%T", pub)
}

func checkValidity(leaf *x509.Certificate, now time.Time, margin time.Duration) []string {
	switch {
	case now.Before(leaf.NotBefore):
		return []string{fmt.Sprintf("the certificate is not valid before %s", leaf.NotBefore.UTC().Format(time.RFC3339))}
	case !now.Before(leaf.NotAfter):
		return []string{fmt.Sprintf("the certificate expired on %s", leaf.NotAfter.UTC().Format(time.RFC3339))}
	case leaf.NotAfter.Sub(now) < margin:
		return []string{fmt.Sprintf("the certificate expires on %s, within the %s margin (%d days left)",
			leaf.NotAfter.UTC().Format(time.RFC3339), marginString(margin), daysLeft(leaf.NotAfter, now))}
	}
	return nil
}

func checkNames(leaf *x509.Certificate, domains []string) []string {
	var out []string
	for _, d := range domains {
		if err := leaf.VerifyHostname(d); err != nil {
			out = append(out, fmt.Sprintf("the certificate does not cover %s (it covers %s)", d, strings.Join(leaf.DNSNames, ", ")))
		}
	}
	return out
}

// checkChain verifies that chain lists the leaf's issuers in order and that they lead to a trusted
// root.
func checkChain(leaf *x509.Certificate, chainPEM []byte, roots *x509.CertPool, now time.Time) []string {
	blocks, other := pemBlocks(chainPEM)
	switch {
	case other > 0:
		// Never sent: ACM and IAM store the chain and return it to anyone allowed to read the
		// certificate.
		return []string{fmt.Sprintf("the chain holds %d PEM block(s) that are not certificates (a private key?): "+
			"give the intermediate certificates alone", other)}
	case len(blocks) == 0 && len(bytes.TrimSpace(chainPEM)) > 0:
		return []string{"the chain holds no PEM CERTIFICATE block (is it DER, or another file?)"}
	}
	chain := make([]*x509.Certificate, 0, len(blocks))
	for i, b := range blocks {
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return []string{fmt.Sprintf("chain certificate %d cannot be parsed: %v", i+1, err)}
		}
		chain = append(chain, c)
	}
	for i, c := range chain {
		if bytes.Equal(c.Raw, leaf.Raw) {
			return []string{fmt.Sprintf("chain certificate %d is the certificate itself (a full-chain file given as the chain?): "+
				"give the intermediates only", i+1)}
		}
	}
	var out []string
	child := leaf
	for i, c := range chain {
		if child.CheckSignatureFrom(c) != nil {
			out = append(out, fmt.Sprintf("the chain is not ordered leaf -> intermediates: chain certificate %d (%s) did not sign %s%s",
				i+1, c.Subject, child.Subject, signerHint(child, chain)))
			break
		}
		child = c
	}
	pool := roots
	if pool == nil {
		sys, err := x509.SystemCertPool()
		if err != nil || sys == nil {
			sys = x509.NewCertPool()
		}
		pool = sys
		if n := len(chain); n > 0 && bytes.Equal(chain[n-1].RawIssuer, chain[n-1].RawSubject) {
			pool.AddCert(chain[n-1])
		}
	}
	inter := x509.NewCertPool()
	for _, c := range chain {
		inter.AddCert(c)
	}
	// The leaf's own validity is checkValidity's to report: verify the chain at an instant the
	// leaf is valid, so an expired leaf is one problem, not two.
	at := now
	if at.Before(leaf.NotBefore) {
		at = leaf.NotBefore
	} else if !at.Before(leaf.NotAfter) {
		at = leaf.NotAfter.Add(-time.Second)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: at}); err != nil && len(out) == 0 {
		out = append(out, "the chain does not verify: "+err.Error())
	}
	return out
}

// signerHint says which chain certificate did sign child, when one did.
func signerHint(child *x509.Certificate, chain []*x509.Certificate) string {
	for j, c := range chain {
		if child.CheckSignatureFrom(c) == nil {
			return fmt.Sprintf(" (chain certificate %d did: put the issuer of each certificate right after it)", j+1)
		}
	}
	return ""
}

// pemBlocks returns the CERTIFICATE blocks of data and how many blocks of other types it holds.
func pemBlocks(data []byte) (certs []*pem.Block, other int) {
	for rest := bytes.TrimSpace(data); len(rest) > 0; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			certs = append(certs, b)
		} else {
			other++
		}
	}
	return certs, other
}

func serialHex(c *x509.Certificate) string {
	b := c.SerialNumber.Bytes()
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02x", x)
	}
	return strings.Join(parts, ":")
}

func daysLeft(notAfter, now time.Time) int { return int(notAfter.Sub(now).Hours() / 24) }

func marginString(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d-day", int(d.Hours()/24))
	}
	return d.String()
}
