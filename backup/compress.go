package backup

import (
	"fmt"
	"io"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
)

// compressor returns a writer compressing into dst with the Options' format.
func (o Options) compressor(dst io.Writer) (io.WriteCloser, error) {
	switch o.Compression {
	case CompressionZstd:
		level := zstd.SpeedFastest
		if o.CompressionLevel > 0 {
			level = zstd.EncoderLevel(o.CompressionLevel)
		}
		// A 4 MiB window keeps memory bounded whatever the level.
		return zstd.NewWriter(dst, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(o.CompressionConcurrency),
			zstd.WithWindowSize(4<<20))
	case CompressionGzip:
		level := 1
		if o.CompressionLevel > 0 {
			level = o.CompressionLevel
		}
		w, err := pgzip.NewWriterLevel(dst, level)
		if err != nil {
			return nil, err
		}
		if err := w.SetConcurrency(1<<20, max(o.CompressionConcurrency, 1)*2); err != nil {
			return nil, err
		}
		return w, nil
	case CompressionS2:
		opts := []s2.WriterOption{s2.WriterConcurrency(max(o.CompressionConcurrency, 1)), s2.WriterBlockSize(1 << 20)}
		if o.CompressionLevel >= 2 {
			opts = append(opts, s2.WriterBetterCompression())
		}
		return s2.NewWriter(dst, opts...), nil
	case CompressionNone:
		return nopWriteCloser{dst}, nil
	}
	return nil, fmt.Errorf("compression %q is not supported", o.Compression)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// decompressor reads the format of a manifest.
func decompressor(c Compression, src io.Reader) (io.ReadCloser, error) {
	switch c {
	case CompressionZstd:
		d, err := zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	case CompressionGzip:
		return pgzip.NewReaderN(src, 1<<20, 4)
	case CompressionS2:
		return io.NopCloser(s2.NewReader(src)), nil
	case CompressionNone:
		return io.NopCloser(src), nil
	}
	return nil, fmt.Errorf("compression %q is not supported", c)
}

// extension is the object key suffix of a compression.
func (c Compression) extension() string {
	switch c {
	case CompressionZstd:
		return ".sql.zst"
	case CompressionGzip:
		return ".sql.gz"
	case CompressionS2:
		return ".sql.s2"
	}
	return ".sql"
}
