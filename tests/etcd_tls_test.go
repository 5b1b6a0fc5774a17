package tests

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ctdb-go/ctdb/internal/clusterlock"
	"github.com/ctdb-go/ctdb/tests/netns"
)

// tlsFiles writes a CA, a server certificate for ip and a client
// certificate, as PEM files in dir.
type tlsFiles struct{ ca, serverCert, serverKey, clientCert, clientKey string }

func makeTLS(t *testing.T, dir string, ip net.IP) tlsFiles {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ctdb test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	f := tlsFiles{ca: filepath.Join(dir, "ca.pem")}
	writePEM(t, f.ca, "CERTIFICATE", caDER)
	issue := func(name string, serial int64, usage x509.ExtKeyUsage, ips []net.IP) (string, string) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kb, _ := x509.MarshalECPrivateKey(key)
		cert, keyFile := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
		writePEM(t, cert, "CERTIFICATE", der)
		writePEM(t, keyFile, "EC PRIVATE KEY", kb)
		return cert, keyFile
	}
	f.serverCert, f.serverKey = issue("server", 2, x509.ExtKeyUsageServerAuth, []net.IP{ip})
	f.clientCert, f.clientKey = issue("client", 3, x509.ExtKeyUsageClientAuth, nil)
	return f
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestEtcdLockTLS runs ctdb_etcd_lock against a one-member etcd that
// requires client certificates: with the CA and a client certificate it
// gets the lock, without the client certificate it gets an error.
func TestEtcdLockTLS(t *testing.T) {
	if _, err := os.Stat(etcdBin); err != nil {
		t.Skipf("skipping: %s not installed", etcdBin)
	}
	nw := netns.New(t, 1)
	h := nw.Host(0)
	dir := t.TempDir()
	f := makeTLS(t, dir, net.IP(h.Addr.AsSlice()))
	a := h.Addr.String()
	cmd := h.Command(etcdBin, "--name", "e0", "--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", "https://"+a+":2379", "--advertise-client-urls", "https://"+a+":2379",
		"--listen-peer-urls", "http://"+a+":2380", "--initial-advertise-peer-urls", "http://"+a+":2380",
		"--initial-cluster", "e0=http://"+a+":2380",
		"--cert-file", f.serverCert, "--key-file", f.serverKey, "--trusted-ca-file", f.ca, "--client-cert-auth")
	logf, err := os.Create(filepath.Join(dir, "etcd.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	h.Start(t, cmd)

	ep := a + ":2379"
	good := newTestLocker(t, etcdLockArgv(h, ep, 3, "--cacert", f.ca, "--cert", f.clientCert, "--key", f.clientKey))
	if _, ok := good.lockUntil(time.Now().Add(20 * time.Second)); !ok {
		b, _ := os.ReadFile(filepath.Join(dir, "etcd.log"))
		t.Fatalf("no lock over TLS with a client certificate; etcd log:\n%s", tail(string(b), 15))
	}
	tok, _ := good.Token()
	t.Logf("lock over TLS with a client certificate, token %d", tok)
	bad := newTestLocker(t, etcdLockArgv(h, ep, 3, "--cacert", f.ca))
	if res, err := bad.TryLock(5 * time.Second); res == clusterlock.ResultLocked || res == clusterlock.ResultContended {
		t.Fatalf("without a client certificate: %v %v, want a failure", res, err)
	} else {
		t.Logf("without a client certificate: %v %v", res, err)
	}
}
