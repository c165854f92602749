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

# Extra leaves for the validator's failure cases: the ecdsa-p256 leaf key certified again by the ecdsa-p256
# CA with validity dates in the past or the future, for client authentication only, or without any
# subjectAltName (CN=localhost alone must not match: no CN fallback). `openssl ca` is used because it takes
# explicit validity dates (OpenSSL 3.0's `x509 -req` only takes -days).
odd_leaf() { # output, startdate, enddate, extendedKeyUsage, subjectAltName line or ""
  work=$(mktemp -d)
  touch "$work/index.txt"
  echo 1000 > "$work/serial"
  cat > "$work/ca.cnf" <<X
[ca]
default_ca = test_ca
[test_ca]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = any_policy
unique_subject = no
[any_policy]
commonName = supplied
[leaf_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = $4
$5
X
  openssl req -new -key ecdsa-p256-leaf.key -subj "/CN=localhost" -out "$work/leaf.csr"
  openssl ca -batch -config "$work/ca.cnf" -extensions leaf_ext -notext \
    -cert ecdsa-p256-ca.pem -keyfile ecdsa-p256-ca.key -startdate "$2" -enddate "$3" \
    -in "$work/leaf.csr" -out "$1" 2>/dev/null
  rm -rf "$work"
}
san="subjectAltName = DNS:localhost,DNS:*.test.qsock,IP:127.0.0.1,IP:::1"
odd_leaf ecdsa-p256-expired-leaf.pem 20000101000000Z 20010101000000Z serverAuth,clientAuth "$san"
odd_leaf ecdsa-p256-future-leaf.pem 22000101000000Z 22010101000000Z serverAuth,clientAuth "$san"
odd_leaf ecdsa-p256-clientonly-leaf.pem 20250101000000Z 21250101000000Z clientAuth "$san"
odd_leaf ecdsa-p256-nosan-leaf.pem 20250101000000Z 21250101000000Z serverAuth,clientAuth ""

# Keys only PEM loading needs: RSASSA-PSS keys (PKCS#8 with the id-RSASSA-PSS OID, one without parameters,
# one restricted to SHA-384), and the ecdsa-p256 leaf key encrypted (password "qsock") in both PEM forms,
# which loading must refuse with a clear message.
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out rsa-pss.key 2>/dev/null
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_pss_keygen_md:sha384 \
  -pkeyopt rsa_pss_keygen_mgf1_md:sha384 -pkeyopt rsa_pss_keygen_saltlen:48 -out rsa-pss-sha384.key 2>/dev/null
openssl pkcs8 -topk8 -v2 aes-256-cbc -in ecdsa-p256-leaf.key -passout pass:qsock -out ecdsa-p256-leaf.encrypted.key
openssl ec -in ecdsa-p256-leaf.key -aes256 -passout pass:qsock -out ecdsa-p256-leaf.sec1-encrypted.key 2>/dev/null

# A long chain for the anti-amplification tests of the transport: an RSA-4096 root, three RSA-4096
# intermediates and an RSA-4096 leaf with many names, about 8 KB of DER sent by the server (root excluded).
long_chain() {
  work=$(mktemp -d)
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out long-ca.key 2>/dev/null
  openssl req -x509 -new -key long-ca.key -subj "/CN=qsock test long-chain root CA" -days 36500 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out long-ca.pem
  issuer=long-ca
  : > "$work/intermediates.pem"
  for i in 1 2 3; do
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$work/int$i.key" 2>/dev/null
    openssl req -new -key "$work/int$i.key" -subj "/CN=qsock test long-chain intermediate $i" -out "$work/int$i.csr"
    printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > "$work/int.ext"
    if [ "$issuer" = long-ca ]; then ikey=long-ca.key; icert=long-ca.pem; else ikey="$work/$issuer.key"; icert="$work/$issuer.pem"; fi
    openssl x509 -req -in "$work/int$i.csr" -CA "$icert" -CAkey "$ikey" -CAcreateserial -CAserial "$work/serial" \
      -days 36500 -extfile "$work/int.ext" -out "$work/int$i.pem" 2>/dev/null
    cat "$work/int$i.pem" "$work/intermediates.pem" > "$work/next.pem"
    mv "$work/next.pem" "$work/intermediates.pem"
    issuer=int$i
  done
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out long-leaf.key 2>/dev/null
  openssl req -new -key long-leaf.key -subj "/CN=localhost" -out "$work/leaf.csr"
  names="DNS:localhost,IP:127.0.0.1,IP:::1"
  n=1
  while [ $n -le 60 ]; do names="$names,DNS:host-$n.long-chain.test.qsock"; n=$((n + 1)); done
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
    "$names" > "$work/leaf.ext"
  openssl x509 -req -in "$work/leaf.csr" -CA "$work/int3.pem" -CAkey "$work/int3.key" -CAcreateserial \
    -CAserial "$work/serial" -days 36500 -extfile "$work/leaf.ext" -out long-leaf.pem 2>/dev/null
  cat long-leaf.pem "$work/intermediates.pem" > long-chain.pem
  rm -rf "$work"
}
long_chain

# The QUIC interop runner's amplificationlimit case: a chain of nine (a root, seven intermediates and a leaf
# with 20 long DNS names), ECDSA P-256, so that the server's first flight is several times what the client's
# Initial allows it to send (RFC 9000 §8.1).
nine_chain() {
  work=$(mktemp -d)
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out nine-ca.key 2>/dev/null
  openssl req -x509 -new -key nine-ca.key -subj "/CN=qsock test nine-chain root CA" -days 36500 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out nine-ca.pem
  issuer=nine-ca
  : > "$work/intermediates.pem"
  for i in 1 2 3 4 5 6 7; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/int$i.key" 2>/dev/null
    openssl req -new -key "$work/int$i.key" -subj "/CN=qsock test nine-chain intermediate $i" -out "$work/int$i.csr"
    printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > "$work/int.ext"
    if [ "$issuer" = nine-ca ]; then ikey=nine-ca.key; icert=nine-ca.pem; else ikey="$work/$issuer.key"; icert="$work/$issuer.pem"; fi
    openssl x509 -req -in "$work/int$i.csr" -CA "$icert" -CAkey "$ikey" -CAcreateserial -CAserial "$work/serial" \
      -days 36500 -extfile "$work/int.ext" -out "$work/int$i.pem" 2>/dev/null
    cat "$work/int$i.pem" "$work/intermediates.pem" > "$work/next.pem"
    mv "$work/next.pem" "$work/intermediates.pem"
    issuer=int$i
  done
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out nine-leaf.key 2>/dev/null
  openssl req -new -key nine-leaf.key -subj "/CN=localhost" -out "$work/leaf.csr"
  names="DNS:localhost,IP:127.0.0.1,IP:::1"
  n=1
  while [ $n -le 20 ]; do
    names="$names,DNS:a-rather-long-host-name-number-$n-for-the-amplification-limit-case.nine-chain.test.qsock"
    n=$((n + 1))
  done
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
    "$names" > "$work/leaf.ext"
  openssl x509 -req -in "$work/leaf.csr" -CA "$work/int7.pem" -CAkey "$work/int7.key" -CAcreateserial \
    -CAserial "$work/serial" -days 36500 -extfile "$work/leaf.ext" -out nine-leaf.pem 2>/dev/null
  cat nine-leaf.pem "$work/intermediates.pem" > nine-chain.pem
  rm -rf "$work"
}
nine_chain

# A leaf for TLS servers only (extendedKeyUsage serverAuth), which a server must refuse as a client
# certificate (RFC 8446 §4.4.2.2, RFC 5280 §4.2.1.12).
odd_leaf ecdsa-p256-serveronly-leaf.pem 20250101000000Z 21250101000000Z serverAuth "$san"

# A client chain whose leaf is signed with ecdsa-with-SHA1, a scheme a server's CertificateRequest does not
# accept on certificates (RFC 8446 §4.4.2.3, §4.4.2.4).
sha1_client_chain() {
  work=$(mktemp -d)
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out sha1-ca.key 2>/dev/null
  openssl req -x509 -new -key sha1-ca.key -sha256 -days 36500 -subj "/CN=qsock test SHA-1 CA" \
    -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign -out sha1-ca.pem
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out sha1-leaf.key 2>/dev/null
  openssl req -new -key sha1-leaf.key -subj "/CN=qsock test SHA-1 client" -out "$work/leaf.csr"
  printf 'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' > "$work/leaf.ext"
  openssl x509 -req -in "$work/leaf.csr" -CA sha1-ca.pem -CAkey sha1-ca.key -CAcreateserial -CAserial "$work/serial" \
    -sha1 -days 36500 -extfile "$work/leaf.ext" -out sha1-leaf.pem 2>/dev/null
  cat sha1-leaf.pem sha1-ca.pem > sha1-chain.pem
  rm -rf "$work"
}
sha1_client_chain
