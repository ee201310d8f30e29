package s3sync

import (
	"errors"
	"regexp"
	"strings"
)

// filter decides which relative paths (slash-separated) take part in a sync.
type filter struct {
	include, exclude []*regexp.Regexp
	// pruneDirs are the exclude patterns that end in "/**" (or "/"). When one matches "dir/", it
	// matches every path below dir too (the trailing "**" absorbs the rest), so the walk can skip
	// the directory without changing what is excluded.
	pruneDirs []*regexp.Regexp
}

func checkPattern(p string) error {
	if p == "" {
		return errors.New("empty pattern")
	}
	if strings.ContainsRune(p, 0) {
		return errors.New("pattern contains NUL")
	}
	return nil
}

func newFilter(include, exclude []string) *filter {
	f := &filter{}
	for _, p := range include {
		f.include = append(f.include, compilePattern(p))
	}
	for _, p := range exclude {
		r := compilePattern(p)
		f.exclude = append(f.exclude, r)
		if strings.HasSuffix(p, "/") || strings.HasSuffix(p, "/**") {
			f.pruneDirs = append(f.pruneDirs, r)
		}
	}
	return f
}

// compilePattern translates a glob into an anchored regular expression.
func compilePattern(p string) *regexp.Regexp {
	if strings.HasSuffix(p, "/") {
		p += "**"
	}
	var b strings.Builder
	b.WriteString("^")
	if !strings.Contains(p, "/") {
		// No directory part: match the base name at any depth, like .gitignore.
		b.WriteString("(?:.*/)?")
	}
	p = strings.TrimPrefix(p, "/")
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*':
			if i+1 < len(p) && p[i+1] == '*' {
				i++
				if i+1 < len(p) && p[i+1] == '/' {
					// "**/" also matches zero directories.
					i++
					b.WriteString("(?:.*/)?")
				} else {
					b.WriteString(".*")
				}
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// match reports whether the file at rel takes part.
func (f *filter) match(rel string) bool {
	if len(f.include) > 0 && !anyMatch(f.include, rel) {
		return false
	}
	return !anyMatch(f.exclude, rel)
}

// pruneDir reports whether the directory at rel is excluded as a whole.
func (f *filter) pruneDir(rel string) bool { return anyMatch(f.pruneDirs, rel+"/") }

func anyMatch(rs []*regexp.Regexp, s string) bool {
	for _, r := range rs {
		if r.MatchString(s) {
			return true
		}
	}
	return false
}
