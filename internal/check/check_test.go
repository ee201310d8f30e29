package check

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestProblems(t *testing.T) {
	sentinel := errors.New("pkg: invalid options")
	var p Problems
	assert.NoError(t, p.Err(sentinel))
	p.If(false, "A is fine")
	p.If(true, "B is %d", -1)
	p.Addf("C is empty")
	err := p.Err(sentinel)
	assert.ErrorIs(t, err, sentinel)
	assert.Equal(t, "pkg: invalid options: B is -1; C is empty", err.Error())
	assert.Equal(t, 2, p.Len())
}

func ExampleProblems() {
	errInvalid := errors.New("demo: invalid options")
	workers, bucket := -1, ""
	var p Problems
	p.If(workers < 0, "Workers is negative (%d)", workers)
	p.If(bucket == "", "Bucket is required")
	fmt.Println(p.Err(errInvalid))
	// Output: demo: invalid options: Workers is negative (-1); Bucket is required
}
