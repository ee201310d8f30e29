package backup

import (
	"fmt"
	"io"

	"filippo.io/age"
)

// Encryption encrypts the compressed stream on the client before upload, and decrypts it on
// restore. Implementations must stream (bounded memory). AgeX25519 is the one the package
// provides.
type Encryption interface {
	// Name is recorded in the manifest (for example "age-x25519").
	Name() string
	// Encrypt returns a writer encrypting into dst; Close finishes the stream.
	Encrypt(dst io.Writer) (io.WriteCloser, error)
	// Decrypt returns a reader of the plaintext of src; it fails on tampered data.
	Decrypt(src io.Reader) (io.Reader, error)
}

// AgeX25519 encrypts with age (filippo.io/age: chunked ChaCha20-Poly1305, authenticated) to an
// X25519 recipient ("age1..."). The backup host needs only the public recipient; identity
// ("AGE-SECRET-KEY-1...") is needed only to restore and may be empty on the backup host.
// Either may be empty, not both.
func AgeX25519(recipient, identity string) (Encryption, error) {
	var a ageEncryption
	if recipient == "" && identity == "" {
		return nil, fmt.Errorf("%w: AgeX25519 needs a recipient or an identity", ErrInvalidOptions)
	}
	if recipient != "" {
		r, err := age.ParseX25519Recipient(recipient)
		if err != nil {
			return nil, fmt.Errorf("%w: age recipient: %v", ErrInvalidOptions, err)
		}
		a.recipient = r
	}
	if identity != "" {
		id, err := age.ParseX25519Identity(identity)
		if err != nil {
			// The parse error may quote the key: do not wrap it.
			return nil, fmt.Errorf("%w: age identity is not a valid X25519 identity", ErrInvalidOptions)
		}
		a.identity = id
		if a.recipient == nil {
			a.recipient = id.Recipient()
		}
	}
	return a, nil
}

type ageEncryption struct {
	recipient *age.X25519Recipient
	identity  *age.X25519Identity
}

func (ageEncryption) Name() string { return "age-x25519" }

// canDecrypt tells, before anything is read or written, whether Decrypt can work.
func (a ageEncryption) canDecrypt() error {
	if a.identity == nil {
		return fmt.Errorf("age: no identity to decrypt with (AgeX25519 was given only a recipient)")
	}
	return nil
}

func (a ageEncryption) Encrypt(dst io.Writer) (io.WriteCloser, error) {
	if a.recipient == nil {
		return nil, fmt.Errorf("age: no recipient")
	}
	return age.Encrypt(dst, a.recipient)
}

func (a ageEncryption) Decrypt(src io.Reader) (io.Reader, error) {
	if a.identity == nil {
		return nil, fmt.Errorf("age: no identity to decrypt with")
	}
	return age.Decrypt(src, a.identity)
}
