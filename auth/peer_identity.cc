#include "auth/peer_identity.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "auth/openssl.h"

namespace flyteoverride::auth {
namespace {

absl::Status Refused(absl::string_view what) {
  return absl::UnauthenticatedError(absl::StrCat("client certificate: ", what));
}

absl::StatusOr<std::string> Checked(absl::string_view name,
                                    absl::string_view kind) {
  const bool control = std::any_of(name.begin(), name.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
  if (name.empty() || control) {
    return Refused(absl::StrCat("its ", kind, " is ",
                                name.empty() ? "empty" : "not printable"));
  }
  return std::string(name);
}

absl::string_view Text(const ASN1_STRING* text) {
  return absl::string_view(
      reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
      ASN1_STRING_length(text));
}

absl::StatusOr<std::string> CommonName(const X509& certificate) {
  const X509_NAME* subject = X509_get_subject_name(&certificate);
  const int index = subject == nullptr ? -1
                                       : X509_NAME_get_index_by_NID(
                                             subject, NID_commonName, -1);
  if (index < 0) return Refused("it names no URI or DNS SAN and no CN");
  unsigned char* utf8 = nullptr;
  const int size = ASN1_STRING_to_UTF8(
      &utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index)));
  if (size < 0) {
    TakeOpenSslError();
    return Refused("its CN is not a string");
  }
  absl::StatusOr<std::string> name =
      Checked(absl::string_view(reinterpret_cast<char*>(utf8), size), "CN");
  OPENSSL_free(utf8);
  return name;
}

}  // namespace

absl::StatusOr<std::string> CertificatePrincipal(const X509& certificate) {
  UniqueGeneralNames names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(&certificate, NID_subject_alt_name, nullptr, nullptr)));
  // Null for no extension, and for one OpenSSL could not read (an error
  // left queued).
  if (names == nullptr) ERR_clear_error();
  std::optional<absl::string_view> dns;
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names.get());
       ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_URI) {
      return Checked(Text(name->d.uniformResourceIdentifier), "URI SAN");
    }
    if (name->type == GEN_DNS && !dns) dns = Text(name->d.dNSName);
  }
  if (dns) return Checked(*dns, "DNS SAN");
  return CommonName(certificate);
}

absl::StatusOr<std::string> CertificatePrincipalFromPem(absl::string_view pem) {
  if (pem.size() > kMaxCertificatePemBytes) {
    return Refused(absl::StrCat("PEM text of ", pem.size(),
                                " bytes, more than the ",
                                kMaxCertificatePemBytes, " accepted"));
  }
  UniqueBio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  UniqueX509 certificate(
      bio == nullptr ? nullptr
                     : PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (certificate == nullptr) {
    TakeOpenSslError();
    return Refused("not a PEM certificate");
  }
  return CertificatePrincipal(*certificate);
}

}  // namespace flyteoverride::auth
