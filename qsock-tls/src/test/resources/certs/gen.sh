#!/usr/bin/env sh
# Regenerates the test PKI: for each key type a root CA and a leaf for localhost, 127.0.0.1 and ::1,
# valid for 100 years. The files are committed; tests never run this.
set -eu
cd "$(dirname "$0")"
ext() {
  cat <<X
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:localhost,DNS:*.test.qsock,IP:127.0.0.1,IP:::1
X
}
make_pair() { # name, keygen args...
  name=$1; shift
  openssl genpkey "$@" -out "$name-ca.key" 2>/dev/null
  openssl req -x509 -new -key "$name-ca.key" -subj "/CN=qsock test $name CA" -days 36500 \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$name-ca.pem"
  openssl genpkey "$@" -out "$name-leaf.key" 2>/dev/null
  openssl req -new -key "$name-leaf.key" -subj "/CN=localhost" -out "$name-leaf.csr"
  ext > "$name.ext"
  openssl x509 -req -in "$name-leaf.csr" -CA "$name-ca.pem" -CAkey "$name-ca.key" -CAcreateserial \
    -days 36500 -extfile "$name.ext" -out "$name-leaf.pem" 2>/dev/null
  cat "$name-leaf.pem" "$name-ca.pem" > "$name-chain.pem"
  rm -f "$name-leaf.csr" "$name.ext" "$name-ca.srl"
}
make_pair rsa -algorithm RSA -pkeyopt rsa_keygen_bits:2048
make_pair ecdsa-p256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
make_pair ecdsa-p384 -algorithm EC -pkeyopt ec_paramgen_curve:P-384
make_pair ed25519 -algorithm ED25519
# The same keys in the legacy PEM forms PEM loading must accept.
openssl rsa -in rsa-leaf.key -traditional -out rsa-leaf.pkcs1.key 2>/dev/null
openssl ec -in ecdsa-p256-leaf.key -out ecdsa-p256-leaf.sec1.key 2>/dev/null
