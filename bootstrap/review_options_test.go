package bootstrap

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deniedS3 answers every GetObject with an error, like a client without access to the bucket.
type deniedS3 struct{ S3API }

func (deniedS3) GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return nil, errors.New("access denied")
}

// A per-call S3 client is the one the S3 source uses: the source is built from the call's
// options, not kept from NewAgent's.
func TestPerCallS3ClientIsUsed(t *testing.T) {
	f := newS3Fixture(t)
	f.publish(t, "v1", 1)
	a := f.agent(t, Config{}, func(o *Options) { o.S3 = deniedS3{f.srv.Client} })
	_, err := a.Deploy(context.Background())
	require.ErrorIs(t, err, ErrNoRelease, "NewAgent's client is denied")
	res, err := a.Deploy(context.Background(), func(o *Options) { o.S3 = f.srv.Client })
	require.NoError(t, err)
	assert.Equal(t, "v1", res.Version)
}

// NewAgent names a missing S3 client and every invalid option in one error.
func TestNewAgentNamesNilS3AndInvalidOptions(t *testing.T) {
	_, err := NewAgent(Config{Bucket: "releases"}, func(o *Options) { o.HealthInterval = -1 })
	require.ErrorIs(t, err, ErrInvalidOptions)
	assert.ErrorContains(t, err, "HealthInterval is negative")
	assert.ErrorContains(t, err, "S3 is nil")
}
