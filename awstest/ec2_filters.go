package awstest

import (
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

// page cuts one page out of items for MaxResults/NextToken pagination, in the order of key (see
// pageAfter). A nil maxResults returns everything after the token. Tokens are opaque to callers
// and bound to the operation; a malformed one fails with InvalidPaginationToken, as in EC2.
func page[T any](e *ec2Model, op string, items []T, key func(T) string, maxResults *int32, nextToken *string, min, max int32) ([]T, *string, error) {
	var after string
	if tok := aws.ToString(nextToken); tok != "" {
		var ok bool
		if after, ok = decodeToken(e.svc.id+" "+op, tok); !ok {
			return nil, nil, e.errorf("InvalidPaginationToken", "The pagination token '%s' is not valid or is expired.", tok)
		}
	}
	limit := 0
	if maxResults != nil {
		if m := *maxResults; m < min || m > max {
			return nil, nil, e.errorf("InvalidParameterValue", "Value ( %d ) for parameter maxResults is invalid. Expecting a value between %d and %d.", m, min, max)
		}
		limit = int(*maxResults)
	}
	pg, next := pageAfter(e.svc.id+" "+op, items, key, after, limit)
	if next == "" {
		return pg, nil, nil
	}
	return pg, &next, nil
}
