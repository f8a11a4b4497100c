// Kubernetes resource quantities ("500m", "1.5Gi", "2e3"), parsed and printed
// exactly as k8s.io/apimachinery's resource.ParseQuantity and
// Quantity.String() do, so the resolver judges override values the way the
// cluster will.
//
// A value is an exact count of nano-units (no floating point): Kubernetes
// rounds every non-zero value up, away from zero, to a whole 1n, so nanos
// lose nothing. Quantities are immutable values, safe to share across threads.

#ifndef RESOLVER_QUANTITY_H_
#define RESOLVER_QUANTITY_H_

#include <string>

#include "absl/numeric/int128.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyteoverride::resolver {

class Quantity {
 public:
  // The notation a quantity was written in. Kubernetes remembers it and
  // prints the canonical form in the same notation.
  enum class Format {
    kDecimalSI,        // "" n u m k M G T P E
    kBinarySI,         // Ki Mi Gi Ti Pi Ei
    kDecimalExponent,  // e3, E-2, e+6
  };

  // Zero, decimal SI (the value of an unset quantity).
  Quantity() = default;

  // Parses Kubernetes' grammar: [+-] digits [. digits] suffix, where the
  // suffix is a decimal SI or binary SI suffix or [eE][+-]digits. Uppercase
  // "K" is not a suffix; no whitespace is allowed. Like Kubernetes:
  //   - "1.", ".5" and "1.G" are accepted;
  //   - a number with no digits at all (".", "-", "k", "Mi", "e5") is zero,
  //     except before Pi/Ei or an exponent below -9, which Kubernetes rejects;
  //   - non-zero values are rounded up, away from zero, to a whole 1n;
  //   - binary SI values above 2^63-1 in magnitude are capped at 2^63-1;
  //   - a binary SI value below 1 in magnitude is kept as decimal SI.
  // Unlike Kubernetes, which keeps decimal values of any size, decimal values
  // above 10^29 in magnitude are rejected: int128 nanos hold ~1.7e29.
  // Decimal exponents are applied exactly (see quantity.cc for how that
  // differs from Kubernetes for exponents beyond 32 bits).
  // Runs in time linear in the text, allocates nothing on success, and never
  // overflows. Errors are INVALID_ARGUMENT, quoting the (escaped, truncated)
  // text and saying why.
  static absl::StatusOr<Quantity> Parse(absl::string_view text);

  // -1, 0 or 1 as this value is below, equal to or above `other`'s. Format is
  // ignored: "1Gi" equals "1073741824" and "1" equals "1000m".
  int Compare(const Quantity& other) const;

  bool IsZero() const { return nanos_ == 0; }
  bool IsNegative() const { return nanos_ < 0; }
  // True when the value has no fractional part (GPU counts must be whole).
  bool IsWholeNumber() const;

  // The exact value in units of 10^-9.
  absl::int128 nanos() const { return nanos_; }
  Format format() const { return format_; }

  // Kubernetes' canonical form (Quantity.String()): the input's notation with
  // the largest suffix that leaves no fraction: "1.5" -> "1500m",
  // "1.5Gi" -> "1536Mi", "1024Mi" -> "1Gi", "1000m" -> "1", "2e3" -> "2e3".
  // Binary SI values below 1024 or with a fraction print as decimal SI;
  // decimal SI values beyond "E" print as "e21" (Kubernetes PR 140459).
  // Parse(ToCanonicalString()) gives back an equal value.
  std::string ToCanonicalString() const;

  friend bool operator==(const Quantity& a, const Quantity& b) {
    return a.Compare(b) == 0;
  }
  friend bool operator!=(const Quantity& a, const Quantity& b) {
    return a.Compare(b) != 0;
  }
  friend bool operator<(const Quantity& a, const Quantity& b) {
    return a.Compare(b) < 0;
  }
  friend bool operator<=(const Quantity& a, const Quantity& b) {
    return a.Compare(b) <= 0;
  }
  friend bool operator>(const Quantity& a, const Quantity& b) {
    return a.Compare(b) > 0;
  }
  friend bool operator>=(const Quantity& a, const Quantity& b) {
    return a.Compare(b) >= 0;
  }

 private:
  Quantity(absl::int128 nanos, Format format)
      : nanos_(nanos), format_(format) {}

  // Invariant: |nanos_| <= 10^38 (10^29 units); <= (2^63-1) * 10^9 when
  // format_ is kBinarySI.
  absl::int128 nanos_ = 0;
  Format format_ = Format::kDecimalSI;
};

}  // namespace flyteoverride::resolver

#endif  // RESOLVER_QUANTITY_H_
