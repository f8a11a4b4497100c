// Owning pointers to OpenSSL objects, and the error queue turned into text.
//
// OpenSSL keeps errors in a per-thread queue that gRPC's own TLS code reads
// on the same threads, so every failure path here must empty it: a stale
// entry can make a later, unrelated handshake look failed.
#ifndef FLYTEOVERRIDE_AUTH_OPENSSL_H_
#define FLYTEOVERRIDE_AUTH_OPENSSL_H_

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

namespace flyteoverride::auth {

template <auto Free>
struct OpenSslFree {
  template <typename T>
  void operator()(T* object) const {
    Free(object);
  }
};

using UniqueBignum = std::unique_ptr<BIGNUM, OpenSslFree<&BN_free>>;
using UniqueBio = std::unique_ptr<BIO, OpenSslFree<&BIO_free>>;
using UniqueEcdsaSig = std::unique_ptr<ECDSA_SIG, OpenSslFree<&ECDSA_SIG_free>>;
using UniqueMdCtx = std::unique_ptr<EVP_MD_CTX, OpenSslFree<&EVP_MD_CTX_free>>;
using UniqueParamBld =
    std::unique_ptr<OSSL_PARAM_BLD, OpenSslFree<&OSSL_PARAM_BLD_free>>;
using UniqueParams = std::unique_ptr<OSSL_PARAM, OpenSslFree<&OSSL_PARAM_free>>;
using UniquePkey = std::unique_ptr<EVP_PKEY, OpenSslFree<&EVP_PKEY_free>>;
using UniquePkeyCtx =
    std::unique_ptr<EVP_PKEY_CTX, OpenSslFree<&EVP_PKEY_CTX_free>>;
using UniqueX509 = std::unique_ptr<X509, OpenSslFree<&X509_free>>;
using UniqueGeneralNames =
    std::unique_ptr<GENERAL_NAMES, OpenSslFree<&GENERAL_NAMES_free>>;

// The oldest error in this thread's queue as text ("unknown error" when it
// is empty), after which the queue is empty.
std::string TakeOpenSslError();

}  // namespace flyteoverride::auth

#endif  // FLYTEOVERRIDE_AUTH_OPENSSL_H_
