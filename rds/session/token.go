package session

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// TokenBytes is the number of random bytes in a session token: 256 bits from crypto/rand, well above
// the 64 bits of entropy OWASP asks for.
const TokenBytes = 32

// tokenLen is the length of a token in its cookie form (unpadded base64url of TokenBytes bytes).
var tokenLen = base64.RawURLEncoding.EncodedLen(TokenBytes)

// newToken returns a fresh random token. crypto/rand.Read never returns an error on the platforms Go
// supports (it aborts the program instead), so there is no error to handle.
func newToken() string {
	b := make([]byte, TokenBytes)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// wellFormed reports whether s has the exact shape of a token this package issues. It is checked
// before any query, so a malformed cookie costs no database round trip.
func wellFormed(s string) bool {
	if len(s) != tokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	// 43 characters carry 258 bits for the token's 256, so the last character holds 2 padding bits
	// that are zero in the canonical encoding; decoding strictly rejects the 3 non-canonical
	// variants of an issued token.
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil
}

// tokenID is the primary key stored for a token: its SHA-256. A read of the table (a dump, a replica,
// a backup) therefore yields no cookie that would be accepted. The token carries 256 random bits, so
// a plain hash needs no salt or key stretching.
func tokenID(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// logID is the short form of a token's ID used in log lines: enough to correlate lines with each
// other and with the table's id column, nothing that could be replayed as a cookie.
func logID(token string) string {
	return hex.EncodeToString(tokenID(token)[:6])
}
