#include "resolver/quantity.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace flyteoverride::resolver {
namespace {

using Format = Quantity::Format;

constexpr int kNanoDigits = 9;
constexpr uint64_t kNanosPerUnit = 1000000000;

// 10^38 nanos (10^29 units): the largest decimal magnitude kept, near the top
// of int128 (~1.7e38) with room for one more digit while accumulating.
constexpr absl::uint128 kMaxDecimalNanos =
    absl::MakeUint128(0x4b3b4ca85a86c47a, 0x098a224000000000);
// 10^37, so that acc * 10 + digit is tested without overflowing.
constexpr absl::uint128 kMaxDecimalNanosDiv10 =
    absl::MakeUint128(0x0785ee10d5da46d9, 0x00f436a000000000);
// (2^63 - 1) * 10^9 nanos: Kubernetes caps binary SI values at 2^63 - 1.
constexpr absl::uint128 kMaxBinaryNanos =
    absl::MakeUint128(0x1dcd64ff, 0xffffffffc4653600);

// Exponents are clamped to +-2^52 before use. No text that fits in memory has
// that many digits, so beyond it every non-zero value is already either above
// 10^29 (rejected) or below 1n (rounded up to 1n): the clamp changes no result
// and keeps all position arithmetic inside int64.
constexpr uint64_t kExponentClamp = uint64_t{1} << 52;

// Inputs can be megabytes of digits; errors echo only the start.
constexpr size_t kMaxQuotedBytes = 64;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Quote(absl::string_view text) {
  std::string quoted = absl::StrCat(
      "\"", absl::CHexEscape(text.substr(0, kMaxQuotedBytes)), "\"");
  if (text.size() > kMaxQuotedBytes) quoted += "...";
  return quoted;
}

absl::Status InvalidQuantity(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid quantity ", Quote(text), ": ", why));
}

struct Suffix {
  Format format = Format::kDecimalSI;
  int64_t exponent = 0;  // A power of 10, or of 2 for binary SI.
};

enum class SuffixError { kNone, kUnrecognized, kExponentTooLong };

// The digits after "e"/"E". Kubernetes reads them with strconv.ParseInt(s, 10,
// 64): an optional sign, at least one digit, leading zeros allowed, and an
// error when the value does not fit int64. It then truncates to int32, so
// "1e4294967296" means 1e0 there; here the exponent is applied as written.
SuffixError ParseExponent(absl::string_view text, Suffix* suffix) {
  size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) ++i;
  if (i == text.size()) return SuffixError::kUnrecognized;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  uint64_t magnitude = 0;
  for (; i < text.size(); ++i) {
    if (!IsDigit(text[i])) return SuffixError::kUnrecognized;
    const uint64_t digit = text[i] - '0';
    if (magnitude > (limit - digit) / 10) return SuffixError::kExponentTooLong;
    magnitude = magnitude * 10 + digit;
  }
  const auto clamped =
      static_cast<int64_t>(std::min(magnitude, kExponentClamp));
  *suffix = {Format::kDecimalExponent, negative ? -clamped : clamped};
  return SuffixError::kNone;
}

SuffixError ParseSuffix(absl::string_view text, Suffix* suffix) {
  if (text.empty()) {
    *suffix = {Format::kDecimalSI, 0};
    return SuffixError::kNone;
  }
  if (text.size() == 1) {
    // Lowercase "k" only: "K" is not a suffix.
    static constexpr struct {
      char letter;
      int64_t exponent;
    } kDecimalSI[] = {{'n', -9}, {'u', -6}, {'m', -3}, {'k', 3}, {'M', 6},
                      {'G', 9},  {'T', 12}, {'P', 15}, {'E', 18}};
    for (const auto& entry : kDecimalSI) {
      if (text[0] == entry.letter) {
        *suffix = {Format::kDecimalSI, entry.exponent};
        return SuffixError::kNone;
      }
    }
    return SuffixError::kUnrecognized;
  }
  if (text.size() == 2 && text[1] == 'i') {
    static constexpr absl::string_view kLetters = "KMGTPE";
    const size_t index = kLetters.find(text[0]);
    if (index != absl::string_view::npos) {
      *suffix = {Format::kBinarySI, (static_cast<int64_t>(index) + 1) * 10};
      return SuffixError::kNone;
    }
  }
  if (text[0] == 'e' || text[0] == 'E') {
    return ParseExponent(text.substr(1), suffix);
  }
  return SuffixError::kUnrecognized;
}

// The digits of a number with its decimal point removed.
class DigitString {
 public:
  DigitString(absl::string_view whole, absl::string_view fraction)
      : whole_(whole), fraction_(fraction) {}

  int64_t size() const {
    return static_cast<int64_t>(whole_.size() + fraction_.size());
  }
  // Requires 0 <= i < size().
  uint64_t digit(int64_t i) const {
    const auto index = static_cast<size_t>(i);
    const char c = index < whole_.size() ? whole_[index]
                                         : fraction_[index - whole_.size()];
    return static_cast<uint64_t>(c - '0');
  }

 private:
  absl::string_view whole_;
  absl::string_view fraction_;
};

// The integer formed by digits [0, point), padded with zeros when point is
// past the end. False when it exceeds kMaxDecimalNanos.
bool IntegerPart(const DigitString& digits, int64_t point,
                 absl::uint128* result) {
  absl::uint128 acc = 0;
  const int64_t end = std::min(point, digits.size());
  for (int64_t i = 0; i < end; ++i) {
    if (acc > kMaxDecimalNanosDiv10) return false;
    acc = acc * 10 + digits.digit(i);
  }
  for (int64_t i = std::max<int64_t>(end, 0); i < point && acc != 0; ++i) {
    if (acc > kMaxDecimalNanosDiv10) return false;
    acc *= 10;
  }
  if (acc > kMaxDecimalNanos) return false;
  *result = acc;
  return true;
}

// For the fraction f = 0.d[from]d[from+1]..., the integer part of f * 2^shift
// (< 2^shift) and whether a fraction remains. Multiplying decimal digits by
// 2^shift right to left keeps it exact with one uint64 carry: each step is
// at most 9 * 2^60 + (2^60 - 1) < 2^64.
void FractionPart(const DigitString& digits, int64_t from, int shift,
                  uint64_t* carry, bool* inexact) {
  uint64_t c = 0;
  bool fraction_left = false;
  for (int64_t i = digits.size() - 1; i >= from; --i) {
    const uint64_t t = (digits.digit(i) << shift) + c;
    fraction_left |= t % 10 != 0;
    c = t / 10;
  }
  *carry = c;
  *inexact = fraction_left;
}

void AppendDecimal(absl::uint128 value, std::string* out) {
  if (absl::Uint128High64(value) == 0) {
    absl::StrAppend(out, absl::Uint128Low64(value));
    return;
  }
  char buffer[40];
  int n = 0;
  do {
    buffer[n++] = static_cast<char>('0' + static_cast<int>(value % 10));
    value /= 10;
  } while (value != 0);
  while (n > 0) out->push_back(buffer[--n]);
}

}  // namespace

absl::StatusOr<Quantity> Quantity::Parse(absl::string_view text) {
  if (text.empty()) return InvalidQuantity(text, "empty string");

  // Kubernetes' number: [+-] digits [. digits]; either digit run may be empty.
  size_t pos = 0;
  const bool negative = text[0] == '-';
  if (text[0] == '-' || text[0] == '+') ++pos;
  const size_t whole_begin = pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  const absl::string_view whole = text.substr(whole_begin, pos - whole_begin);
  absl::string_view fraction;
  if (pos < text.size() && text[pos] == '.') {
    const size_t fraction_begin = ++pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    fraction = text.substr(fraction_begin, pos - fraction_begin);
  }

  const absl::string_view suffix_text = text.substr(pos);
  Suffix suffix;
  switch (ParseSuffix(suffix_text, &suffix)) {
    case SuffixError::kNone:
      break;
    case SuffixError::kExponentTooLong:
      return InvalidQuantity(text, "exponent does not fit in 64 bits");
    case SuffixError::kUnrecognized:
      if (suffix_text.find_first_of(" \t\n\v\f\r") != absl::string_view::npos) {
        return InvalidQuantity(text, "whitespace is not allowed");
      }
      return InvalidQuantity(
          text, absl::StrCat("unrecognized suffix ", Quote(suffix_text),
                             "; want one of n u m k M G T P E, Ki Mi Gi Ti Pi "
                             "Ei, or an exponent such as e3"));
  }
  const bool binary = suffix.format == Format::kBinarySI;

  if (whole.empty() && fraction.empty()) {
    // Kubernetes reads a number without digits as 0 on its int64 fast path,
    // but its big-decimal path, taken for Pi and Ei and for exponents below
    // -9, fails on it.
    if (binary ? suffix.exponent >= 50 : suffix.exponent < -kNanoDigits) {
      return InvalidQuantity(text, "the number has no digits");
    }
    return Quantity(0, suffix.format);
  }

  // The magnitude in nanos is ceil(digits * 10^(point - size) * 2^shift): the
  // first `point` digits are the integer part of the value times 10^9.
  const DigitString digits(whole, fraction);
  const int shift = binary ? static_cast<int>(suffix.exponent) : 0;
  const int64_t point = static_cast<int64_t>(whole.size()) + kNanoDigits +
                        (binary ? 0 : suffix.exponent);
  absl::uint128 integer_part = 0;
  const bool fits = IntegerPart(digits, point, &integer_part);
  if (!fits && !binary) {
    return InvalidQuantity(text, "magnitude exceeds 1e29");
  }
  uint64_t carry = 0;
  bool inexact = false;
  FractionPart(digits, std::max<int64_t>(point, 0), shift, &carry, &inexact);
  // Kubernetes rounds away from zero to whole nanos ("0.1n" -> "1n").
  const uint64_t round_up = inexact ? 1 : 0;

  absl::uint128 magnitude;
  Format format = suffix.format;
  if (binary) {
    if (!fits || integer_part > (kMaxBinaryNanos >> shift)) {
      magnitude = kMaxBinaryNanos;
    } else {
      magnitude =
          std::min((integer_part << shift) + carry + round_up, kMaxBinaryNanos);
    }
    // As in Kubernetes: a binary value between 0 and 1 stays decimal.
    if (magnitude != 0 && magnitude < kNanosPerUnit)
      format = Format::kDecimalSI;
  } else {
    magnitude = integer_part + round_up;
    if (magnitude > kMaxDecimalNanos) {
      return InvalidQuantity(text, "magnitude exceeds 1e29");
    }
  }
  const auto nanos = static_cast<absl::int128>(magnitude);
  return Quantity(negative ? -nanos : nanos, format);
}

int Quantity::Compare(const Quantity& other) const {
  if (nanos_ < other.nanos_) return -1;
  return nanos_ > other.nanos_ ? 1 : 0;
}

bool Quantity::IsWholeNumber() const {
  return nanos_ % static_cast<int64_t>(kNanosPerUnit) == 0;
}

std::string Quantity::ToCanonicalString() const {
  if (nanos_ == 0) return "0";
  std::string out;
  if (nanos_ < 0) out.push_back('-');
  const auto magnitude =
      static_cast<absl::uint128>(nanos_ < 0 ? -nanos_ : nanos_);

  // Binary SI only when it prints without a fraction and not below 1Ki.
  if (format_ == Format::kBinarySI && magnitude >= 1024 * kNanosPerUnit &&
      magnitude % kNanosPerUnit == 0) {
    static constexpr const char* kBinarySuffixes[] = {"",   "Ki", "Mi", "Gi",
                                                      "Ti", "Pi", "Ei"};
    // Capped at 2^63 - 1 units, so it fits and has at most six 1024s.
    auto units = static_cast<uint64_t>(magnitude / kNanosPerUnit);
    int power = 0;
    while (power < 6 && units % 1024 == 0) {
      units /= 1024;
      ++power;
    }
    absl::StrAppend(&out, units, kBinarySuffixes[power]);
    return out;
  }

  // The largest multiple-of-3 exponent that leaves a whole mantissa.
  absl::uint128 mantissa = magnitude;
  int exponent = -kNanoDigits;
  while (mantissa % 1000 == 0) {
    mantissa /= 1000;
    exponent += 3;
  }
  AppendDecimal(mantissa, &out);
  // Decimal SI has no suffix past E (10^18); Kubernetes (PR 140459) then
  // falls back to the exponent form rather than dropping the magnitude.
  if (format_ == Format::kDecimalExponent || exponent > 18) {
    if (exponent != 0) absl::StrAppend(&out, "e", exponent);
  } else {
    static constexpr const char* kDecimalSuffixes[] = {"n", "u", "m", "",  "k",
                                                       "M", "G", "T", "P", "E"};
    out += kDecimalSuffixes[(exponent + kNanoDigits) / 3];
  }
  return out;
}

}  // namespace flyteoverride::resolver
