package awstest

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
)

// Pagination tokens (EC2 NextToken, ELB Marker, ACM NextToken) name the last item of the page
// they end, not a position: the next page starts after that item's sort key. Items created or
// deleted between two calls then shift nothing, as in AWS, where a listing paged through while
// resources come and go returns each item that exists throughout exactly once. An item created
// between pages shows up on a later page if its key sorts after the token's, and a token stays
// usable after the item it names is deleted. EC2 resources sort by ID (IDs are issued in
// creation order), ELB and ACM resources by creation, rules by priority.

// tokenSep separates the operation from the key inside a token; no key contains it.
const tokenSep = "\x00"

// encodeToken returns the opaque token that resumes op after key. op names the service and the
// operation, so that a token is refused by every other listing.
func encodeToken(op, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(op + tokenSep + key))
}

// decodeToken returns the key a token of op resumes after, and false when the token is malformed
// or was issued by another operation.
func decodeToken(op, token string) (string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", false
	}
	key, ok := strings.CutPrefix(string(raw), op+tokenSep)
	return key, ok && key != ""
}

// seqKey is the sort key of a resource listed in creation order: its creation sequence number,
// zero-padded so that keys sort as numbers.
func seqKey(seq uint64) string { return fmt.Sprintf("%020d", seq) }

// pageAfter sorts items by key and returns at most limit of those whose key sorts after after
// ("" starts at the beginning; a limit of 0 or less means no limit), with the token for the next
// page, or "" when the page is the last. keys must be unique and non-empty.
func pageAfter[T any](op string, items []T, key func(T) string, after string, limit int) ([]T, string) {
	sorted := slices.Clone(items)
	slices.SortStableFunc(sorted, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	start := 0
	if after != "" {
		start, _ = slices.BinarySearchFunc(sorted, after, func(item T, k string) int { return strings.Compare(key(item), k) })
		if start < len(sorted) && key(sorted[start]) == after {
			start++
		}
	}
	rest := sorted[start:]
	if limit <= 0 || len(rest) <= limit {
		return rest, ""
	}
	return rest[:limit], encodeToken(op, key(rest[limit-1]))
}
