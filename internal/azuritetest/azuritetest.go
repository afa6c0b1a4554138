// Package azuritetest runs an Azure Blob Storage emulator on loopback for
// tests: Microsoft's Azurite (its blob service only), in memory, started
// on a free port over plain HTTP with the emulator's well-known
// development account, and stopped when the test ends.
package azuritetest

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/ctgit/ctgit/internal/testproc"
)

// Version is the Azurite release the tests are written against.
const Version = "3.37.0"

// DefaultBinary is where .ci/run installs Azurite's blob service.
const DefaultBinary = "/var/cache/ctgit-azurite/node_modules/.bin/azurite-blob"

// Install is the command that installs Azurite where the tests look.
const Install = "npm install --prefix /var/cache/ctgit-azurite azurite@" + Version

// Account and Key are the development account every Azurite accepts, as
// Microsoft documents them (they are public, not secrets).
const (
	Account = "devstoreaccount1"
	Key     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// Server is a running Azurite blob service.
type Server struct {
	// Host is "127.0.0.1:PORT"; the account's blob endpoint is
	// "http://HOST/devstoreaccount1".
	Host string
	// Log is the server's own output, for a failing test to read.
	Log string

	client *azblob.Client
	stop   func()
}

// tool is where the tests look for azurite-blob.
var tool = testproc.Tool{Name: "azurite-blob", Env: "CTGIT_AZURITE", Default: DefaultBinary, Install: Install}

// Binary returns the azurite-blob executable (see Find). When none is there it
// skips the test, or fails it under CI (CI set), where a missing server
// must not pass silently.
func Binary(t testing.TB) string {
	t.Helper()
	return tool.Binary(t)
}

// Find returns the azurite-blob executable: $CTGIT_AZURITE, else azurite-blob on
// PATH, else DefaultBinary; or an error that says how to install it.
func Find() (string, error) { return tool.Find() }

// New starts a server for the duration of the test.
func New(t testing.TB) *Server {
	t.Helper()
	s, err := Start(Binary(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Start starts a server of bin on a free loopback port, with dir as its
// working directory and the home of its log. The caller stops it.
func Start(bin, dir string) (*Server, error) {
	port, err := testproc.FreePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Host: fmt.Sprintf("127.0.0.1:%d", port),
		Log:  filepath.Join(dir, "azurite.log"),
	}
	// --skipApiVersionCheck: the Go SDK may speak a newer API version
	// than this Azurite knows. --disableTelemetry: Azurite would
	// otherwise try to reach Microsoft.
	cmd := exec.Command(bin, "--blobHost", "127.0.0.1", "--blobPort", fmt.Sprint(port),
		"--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent")
	// In memory, Azurite refuses a --location; whatever else it writes
	// lands in dir.
	cmd.Dir = dir
	// Any answer will do: an anonymous request is refused, which is
	// enough to know it listens.
	proc, err := testproc.Start(cmd, s.Log, testproc.Answers(s.Endpoint()+"?comp=list", false))
	if err != nil {
		return nil, err
	}
	s.stop = proc.Stop
	cred, err := azblob.NewSharedKeyCredential(Account, Key)
	if err != nil {
		s.stop()
		return nil, err
	}
	s.client, err = azblob.NewClientWithSharedKeyCredential(s.Endpoint(), cred, nil)
	if err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// Stop stops the server now, for a test that shows what works without
// it. A server from New is stopped when its test ends anyway.
func (s *Server) Stop() { s.stop() }

// Endpoint is the development account's blob endpoint,
// "http://127.0.0.1:PORT/devstoreaccount1".
func (s *Server) Endpoint() string { return "http://" + s.Host + "/" + Account }

// Env is the environment that points gocloud.dev's azblob:// opener at
// this server as its development account: account and key, with the
// server as the storage domain over http (a domain of 127.0.0.1 puts the
// account in the path, as an emulator wants). Any SAS token or connection
// string of the machine running the tests is switched off.
func (s *Server) Env() []string {
	return []string{
		"AZURE_STORAGE_ACCOUNT=" + Account,
		"AZURE_STORAGE_KEY=" + Key,
		"AZURE_STORAGE_DOMAIN=" + s.Host,
		"AZURE_STORAGE_PROTOCOL=http",
		"AZURE_STORAGE_IS_LOCAL_EMULATOR=",
		"AZURE_STORAGE_SAS_TOKEN=",
		"AZURE_STORAGE_CONNECTION_STRING=",
		"AZURE_STORAGEBLOB_CONNECTIONSTRING=",
	}
}

// ConnectionString is the connection string of the development account
// on this server, as Azure's tools write one for Azurite.
func (s *Server) ConnectionString() string {
	return "DefaultEndpointsProtocol=http;AccountName=" + Account + ";AccountKey=" + Key + ";BlobEndpoint=" + s.Endpoint() + ";"
}

// Setenv sets Env for the duration of the test (see testing.T.Setenv).
func (s *Server) Setenv(t *testing.T) {
	t.Helper()
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// Client is a client of the development account.
func (s *Server) Client() *azblob.Client { return s.client }

// CreateContainer creates a container.
func (s *Server) CreateContainer(t testing.TB, name string) {
	t.Helper()
	if _, err := s.client.CreateContainer(context.Background(), name, nil); err != nil {
		t.Fatalf("creating container %s: %v", name, err)
	}
}

// Put writes a block blob in one request, and returns its ETag as the
// server gives it.
func (s *Server) Put(t testing.TB, container, key string, data []byte) string {
	t.Helper()
	bb := s.client.ServiceClient().NewContainerClient(container).NewBlockBlobClient(key)
	out, err := bb.Upload(context.Background(), streaming.NopCloser(bytes.NewReader(data)), &blockblob.UploadOptions{})
	if err != nil {
		t.Fatalf("putting azblob://%s/%s: %v", container, key, err)
	}
	return string(*out.ETag)
}
