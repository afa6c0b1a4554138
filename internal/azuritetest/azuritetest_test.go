package azuritetest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
)

// TestServer puts a blob, reads it back, sees a rewrite get a new ETag
// (the identity ctgit keeps of an Azure blob), and finds the server gone
// after Stop.
func TestServer(t *testing.T) {
	s := New(t)
	s.CreateContainer(t, "data")
	const key = "fraud/dt=2026-11-28/part-0.csv"
	etag := s.Put(t, "data", key, []byte("a,b\n1,2\n"))
	out, err := s.Client().DownloadStream(context.Background(), "data", key, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil || string(got) != "a,b\n1,2\n" || string(*out.ETag) != etag {
		t.Fatalf("read %q, ETag %s, %v; want the bytes put, ETag %s", got, *out.ETag, err, etag)
	}
	if again := s.Put(t, "data", key, []byte("a,b\n1,3\n")); again == etag {
		t.Errorf("a rewrite kept ETag %s", etag)
	}

	s.Stop()
	if resp, err := http.Get(s.Endpoint() + "?comp=list"); err == nil {
		resp.Body.Close()
		t.Errorf("the server still answers after Stop: %s", resp.Status)
	}
}

// TestWrongKey checks that Azurite checks shared-key signatures: the
// tests of refused credentials rely on it.
func TestWrongKey(t *testing.T) {
	s := New(t)
	cred, err := azblob.NewSharedKeyCredential(Account, strings.Repeat("A", 86)+"==")
	if err != nil {
		t.Fatal(err)
	}
	c, err := azblob.NewClientWithSharedKeyCredential(s.Endpoint(), cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateContainer(context.Background(), "data", nil); err == nil {
		t.Fatal("a container was created with a wrong key")
	}
}
