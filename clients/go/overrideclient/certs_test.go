package overrideclient

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// makeCertificates is run by sh in an empty directory: a CA, a server
// certificate for 127.0.0.1 and localhost, a client certificate from the CA,
// and a rogue CA with a client certificate of its own. P-256 keys are quick
// to make; every certificate lives one day.
const makeCertificates = `set -e
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() {
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -out "$1.crt" -days 1 -subj "/CN=$1" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() {
  key "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$1"
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial \
    -out "$1.crt" -days 1 -extfile "$1.ext" 2>/dev/null
}
ca ca
ca rogue-ca
leaf server ca "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
leaf client ca "extendedKeyUsage=clientAuth"
leaf rogue-client rogue-ca "extendedKeyUsage=clientAuth"
`

var (
	certsOnce sync.Once
	certsDir  string
	certsErr  string
)

// certFile is the path of one of the files makeCertificates made (made once
// per run).
func certFile(t *testing.T, name string) string {
	t.Helper()
	certsOnce.Do(func() {
		dir := filepath.Join(scratchDir, "tls")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			certsErr = err.Error()
			return
		}
		cmd := exec.Command("sh", "-c", makeCertificates)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			certsErr = err.Error() + ": " + string(out)
			return
		}
		certsDir = dir
	})
	if certsErr != "" {
		t.Fatalf("openssl: %s", certsErr)
	}
	return filepath.Join(certsDir, name)
}

// tlsConfig is the server's config section for TLS, or mutual TLS.
func tlsConfig(t *testing.T, mutual bool) string {
	section := "tls:\n  cert_file: " + certFile(t, "server.crt") + "\n  key_file: " + certFile(t, "server.key") + "\n"
	if mutual {
		section += "  client_ca_file: " + certFile(t, "ca.crt") + "\n"
	}
	return section
}
