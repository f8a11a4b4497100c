# Shell functions that make test certificates with openssl, sourced by the
# scripts the TLS and auth tests write. P-256 keys (quick to make); every
# certificate lives one day unless said otherwise.
key() {  # FILE
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}
ca() {  # NAME
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -out "$1.crt" -days 1 -subj "/CN=$1" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() {  # NAME CA CN EXTENSIONS
  key "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$3"
  printf '%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial \
    -out "$1.crt" -days 1 -extfile "$1.ext" 2>/dev/null
}
expired_leaf() {  # NAME CA CN EXTENSIONS: valid for one day in 2020
  key "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$3"
  printf '%s\n' "$4" > "$1.ext"
  printf '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' > ca.cnf
  : > index.txt
  echo 01 > serial
  openssl ca -config ca.cnf -batch -notext -cert "$2.crt" -keyfile "$2.key" \
    -in "$1.csr" -out "$1.crt" -startdate 20200101000000Z -enddate 20200102000000Z \
    -extfile "$1.ext" 2>/dev/null
}
