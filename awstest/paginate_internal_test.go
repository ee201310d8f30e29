package awstest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPageAfter(t *testing.T) {
	id := func(s string) string { return s }
	items := []string{"c", "a", "e", "b"}
	for _, tc := range []struct {
		name, after string
		limit       int
		want        []string
		more        bool
	}{
		{"all", "", 0, []string{"a", "b", "c", "e"}, false},
		{"first page", "", 2, []string{"a", "b"}, true},
		{"exact fit has no next token", "", 4, []string{"a", "b", "c", "e"}, false},
		{"after an existing key", "b", 2, []string{"c", "e"}, false},
		{"after a deleted key", "d", 2, []string{"e"}, false},
		{"after the end", "z", 2, []string{}, false},
	} {
		got, next := pageAfter("S Op", items, id, tc.after, tc.limit)
		assert.Equal(t, tc.want, append([]string{}, got...), tc.name)
		assert.Equal(t, tc.more, next != "", tc.name)
		if next != "" {
			key, ok := decodeToken("S Op", next)
			assert.True(t, ok, tc.name)
			assert.Equal(t, got[len(got)-1], key, tc.name)
			_, ok = decodeToken("S Other", next)
			assert.False(t, ok, "%s: bound to the operation", tc.name)
		}
	}
	assert.Equal(t, []string{"c", "a", "e", "b"}, items, "the input is not reordered")
	for _, bad := range []string{"", "!!", encodeToken("S Op", "")} {
		_, ok := decodeToken("S Op", bad)
		assert.False(t, ok, "%q", bad)
	}
}
