package awstest

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// fieldFunc returns a resource's values for a filter name, and false when the resource type has no
// such filter.
type fieldFunc func(name string) ([]string, bool)

// matchFilters applies EC2 Filters to one resource: a resource matches when, for every filter, one
// of its values matches one of the filter's values; filter values may use the wildcards * and ?.
// An unknown filter name is an error, as in EC2. tag:<key>, tag-key and tag-value are handled
// here for every resource type.
func (e *ec2Model) matchFilters(filters []ec2types.Filter, t tags, fields fieldFunc) (bool, error) {
	for _, f := range filters {
		name := aws.ToString(f.Name)
		var have []string
		switch {
		case strings.HasPrefix(name, "tag:"):
			if v, ok := t[strings.TrimPrefix(name, "tag:")]; ok {
				have = []string{v}
			}
		case name == "tag-key":
			for k := range t {
				have = append(have, k)
			}
		case name == "tag-value":
			for _, v := range t {
				have = append(have, v)
			}
		default:
			var ok bool
			if have, ok = fields(name); !ok {
				return false, e.errorf("InvalidParameterValue", "The filter '%s' is invalid", name)
			}
		}
		if len(f.Values) == 0 {
			return false, e.errorf("InvalidParameterValue", "The filter '%s' must have at least one value", name)
		}
		if !anyMatch(f.Values, have) {
			return false, nil
		}
	}
	return true, nil
}

func anyMatch(patterns, values []string) bool {
	for _, p := range patterns {
		for _, v := range values {
			if wildcardMatch(p, v) {
				return true
			}
		}
	}
	return false
}

// wildcardMatch matches s against an EC2 filter pattern: * is any run of characters, ? is one
// character, and everything else (including / and [) is literal.
func wildcardMatch(pattern, s string) bool {
	p, str := []rune(pattern), []rune(s)
	// Iterative matching with backtracking to the last star: linear in practice.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(str) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == str[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

func boolString(b bool) string { return strconv.FormatBool(b) }

// page cuts one page out of items for MaxResults/NextToken pagination. A nil maxResults returns
// everything from the token on. Tokens are opaque to callers and bound to the operation.
func page[T any](e *ec2Model, op string, items []T, maxResults *int32, nextToken *string, min, max int32) ([]T, *string, error) {
	start := 0
	if tok := aws.ToString(nextToken); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		rest, ok := strings.CutPrefix(string(raw), op+":")
		n, convErr := strconv.Atoi(rest)
		if err != nil || !ok || convErr != nil || n < 0 || n > len(items) {
			return nil, nil, e.errorf("InvalidPaginationToken", "The pagination token '%s' is not valid or is expired.", tok)
		}
		start = n
	}
	if maxResults == nil {
		return items[start:], nil, nil
	}
	m := *maxResults
	if m < min || m > max {
		return nil, nil, e.errorf("InvalidParameterValue", "Value ( %d ) for parameter maxResults is invalid. Expecting a value between %d and %d.", m, min, max)
	}
	end := start + int(m)
	if end >= len(items) {
		return items[start:], nil, nil
	}
	tok := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%s:%d", op, end)))
	return items[start:end], &tok, nil
}
