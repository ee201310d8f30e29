package session

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTokenPaddingBits: 43 base64url characters carry 258 bits for a token's 256, so the last
// character holds 2 padding bits. Of the 4 characters that differ from an issued token's last one
// only in those bits, just the canonical one (padding zero) is accepted; changing a data bit of
// that character gives another well-formed token.
func TestTokenPaddingBits(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	require.Equal(t, 43, tokenLen)
	require.Equal(t, 2, tokenLen*6-TokenBytes*8, "padding bits")
	for range 100 {
		tok := newToken()
		require.True(t, wellFormed(tok))
		last := strings.IndexByte(alphabet, tok[len(tok)-1])
		require.Zero(t, last&3, "an issued token's padding bits are zero")
		accepted := 0
		for pad := range 4 {
			v := tok[:len(tok)-1] + string(alphabet[last|pad])
			if wellFormed(v) {
				accepted++
			}
		}
		assert.Equal(t, 1, accepted, "one of the 4 padding variants")
		flipped := tok[:len(tok)-1] + string(alphabet[last^4])
		assert.True(t, wellFormed(flipped), "the lowest data bit of the last character is not padding")
		b, err := base64.RawURLEncoding.Strict().DecodeString(flipped)
		require.NoError(t, err)
		assert.Len(t, b, TokenBytes)
	}
}
