package dataset

import (
	"context"
	"io"
)

// store is where remote objects are: a bucket or a web server.
type store interface {
	// Stat returns the object at key; ok is false when there is none.
	Stat(ctx context.Context, key string) (o Object, ok bool, err error)
	// List returns the objects whose keys start with prefix, with
	// their full keys.
	List(ctx context.Context, prefix string) ([]Object, error)
	// Open reads the object at key (its full key in the store), failing
	// when it no longer has o's identity.
	Open(ctx context.Context, key string, o Object) (io.ReadCloser, error)
	Close() error
}
