#include "resolver/quantity.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyteoverride::resolver {
namespace {

using ::testing::HasSubstr;
using Format = Quantity::Format;

constexpr Format kDec = Format::kDecimalSI;
constexpr Format kBin = Format::kBinarySI;
constexpr Format kExp = Format::kDecimalExponent;

// Expected values follow Kubernetes' ParseQuantity and Quantity.String();
// many rows come from apimachinery's quantity_test.go.
struct ValidCase {
  absl::string_view text;
  absl::string_view canonical;
  Format format;
};

constexpr ValidCase kValidCases[] = {
    // Every decimal SI suffix.
    {"1n", "1n", kDec},
    {"1u", "1u", kDec},
    {"1m", "1m", kDec},
    {"1", "1", kDec},
    {"1k", "1k", kDec},
    {"1M", "1M", kDec},
    {"1G", "1G", kDec},
    {"1T", "1T", kDec},
    {"1P", "1P", kDec},
    {"1E", "1E", kDec},
    // Every binary SI suffix.
    {"1Ki", "1Ki", kBin},
    {"8Ki", "8Ki", kBin},
    {"7Mi", "7Mi", kBin},
    {"6Gi", "6Gi", kBin},
    {"5Ti", "5Ti", kBin},
    {"4Pi", "4Pi", kBin},
    {"3Ei", "3Ei", kBin},
    // Canonical form: largest suffix leaving no fraction, same notation.
    {"1.5", "1500m", kDec},
    {"1.5Gi", "1536Mi", kBin},
    {"1024Mi", "1Gi", kBin},
    {"1000m", "1", kDec},
    {"2e3", "2e3", kExp},
    {"1000M", "1G", kDec},
    {"1500", "1500", kDec},
    {"15000", "15k", kDec},
    {"50k", "50k", kDec},
    {"100.035k", "100035", kDec},
    {"10.035M", "10035k", kDec},
    {"300.2T", "300200G", kDec},
    {"0.5", "500m", kDec},
    {"1080000000n", "1080m", kDec},
    {"2048", "2048", kDec},
    {"2048Ki", "2Mi", kBin},
    {"1000Ki", "1000Ki", kBin},
    {"1025Ki", "1025Ki", kBin},
    // Binary values below 1Ki or with a fraction print as decimal SI.
    {"1.5Ki", "1536", kBin},
    {"0.5Ki", "512", kBin},
    {"0.5Mi", "512Ki", kBin},
    {"100.035Ki", "102435840m", kBin},
    {"0.001Ki", "1024m", kBin},
    // Binary values below 1 become decimal SI (here after rounding up at 1n).
    {".000001Ki", "1024u", kDec},
    {".000000001Ki", "1024n", kDec},
    {".000000000001Ki", "2n", kDec},
    // Decimal exponents.
    {"1e3", "1e3", kExp},
    {"1E3", "1e3", kExp},
    {"1e+3", "1e3", kExp},
    {"1E-3", "1e-3", kExp},
    {"1e0003", "1e3", kExp},
    {"1e0", "1", kExp},
    {"1.5e3", "1500", kExp},
    {"1.3E+6", "1300e3", kExp},
    {"80e-3", "80e-3", kExp},
    {"0.5e0", "500e-3", kExp},
    {"1E18", "1e18", kExp},
    {"10000000000000000000000000000000000000000e-40", "1", kExp},
    {"1e-999999999999", "1e-9", kExp},
    {"1e-9223372036854775808", "1e-9", kExp},
    {"0e999999999999", "0", kExp},
    // Signs and zeros.
    {"-1", "-1", kDec},
    {"+1", "1", kDec},
    {"-1.5Gi", "-1536Mi", kBin},
    {"+0.5", "500m", kDec},
    {"-1e3", "-1e3", kExp},
    {"-0", "0", kDec},
    {"0", "0", kDec},
    {"0n", "0", kDec},
    {"0Ki", "0", kBin},
    {"0.000", "0", kDec},
    {"007", "7", kDec},
    // Fraction spellings Kubernetes accepts.
    {".5", "500m", kDec},
    {"1.", "1", kDec},
    {"1.G", "1G", kDec},
    {".001", "1m", kDec},
    {".0001k", "100m", kDec},
    {"1.000000000000000000000000000000000000000000", "1", kDec},
    // Rounding up, away from zero, to whole nanos.
    {"0.0000000001", "1n", kDec},
    {"0.0000000005", "1n", kDec},
    {"3.001n", "4n", kDec},
    {"0.9n", "1n", kDec},
    {"0.00000012345", "124n", kDec},
    {"1.1E-9", "2e-9", kExp},
    {"0.5e-9", "1e-9", kExp},
    {"123e-12", "1e-9", kExp},
    {"-0.9n", "-1n", kDec},
    {"-0.0000000001", "-1n", kDec},
    {"0.0000000000000000000000000000000000000000001", "1n", kDec},
    // Numbers without digits are zero in Kubernetes (its int64 fast path).
    {".", "0", kDec},
    {"-", "0", kDec},
    {"+.", "0", kDec},
    {"k", "0", kDec},
    {"Mi", "0", kBin},
    {"e5", "0", kExp},
    // Binary SI is capped at 2^63-1; decimal values are kept exactly.
    {"9Ei", "9223372036854775807", kBin},
    {"8Ei", "9223372036854775807", kBin},
    {"-9Ei", "-9223372036854775807", kBin},
    {"9223372036854775807Ki", "9223372036854775807", kBin},
    {"100000000000000000000000000000000000000000Ki", "9223372036854775807",
     kBin},
    {"7Ei", "7Ei", kBin},
    {"12E", "12E", kDec},
    {"1000E", "1e21", kDec},
    {"1e29", "100e27", kExp},
    {"99999999999999999999999999999.999999999",
     "99999999999999999999999999999999999999n", kDec},
};

TEST(QuantityTest, ParsesToKubernetesCanonicalForm) {
  for (const ValidCase& c : kValidCases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<Quantity> q = Quantity::Parse(c.text);
    ASSERT_TRUE(q.ok()) << q.status();
    EXPECT_EQ(q->ToCanonicalString(), c.canonical);
    EXPECT_EQ(q->format(), c.format);
    // The canonical form reads back as the same value and prints the same.
    absl::StatusOr<Quantity> again = Quantity::Parse(q->ToCanonicalString());
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, *q);
    EXPECT_EQ(again->ToCanonicalString(), c.canonical);
  }
}

struct InvalidCase {
  absl::string_view text;
  absl::string_view why;
};

const InvalidCase kInvalidCases[] = {
    {"", "empty string"},
    {" 1", "whitespace"},
    {"1 ", "whitespace"},
    {"1\t", "whitespace"},
    {"1 Gi", "whitespace"},
    {"1K", "unrecognized suffix \"K\""},
    {"1ki", "unrecognized suffix \"ki\""},
    {"1KI", "unrecognized suffix"},
    {"1.1.M", "unrecognized suffix \".M\""},
    {"1+1.0M", "unrecognized suffix"},
    {"0.1mi", "unrecognized suffix"},
    {"0.1am", "unrecognized suffix"},
    {"aoeu", "unrecognized suffix"},
    {".5i", "unrecognized suffix \"i\""},
    {"1i", "unrecognized suffix"},
    {"-3.01i", "unrecognized suffix"},
    {"-3.01e-", "unrecognized suffix \"e-\""},
    {"1e", "unrecognized suffix"},
    {"1e+", "unrecognized suffix"},
    {"1e3.5", "unrecognized suffix"},
    {"1e3Ki", "unrecognized suffix"},
    {"1Ki5", "unrecognized suffix"},
    {"1kk", "unrecognized suffix"},
    {"--1", "unrecognized suffix"},
    {"+-1", "unrecognized suffix"},
    {"1,5", "unrecognized suffix"},
    {"0x10", "unrecognized suffix"},
    {"1_000", "unrecognized suffix"},
    {"NaN", "unrecognized suffix"},
    {absl::string_view("1\0", 2), "unrecognized suffix \"\\x00\""},
    {absl::string_view("\0001", 2), "unrecognized suffix"},
    {"1e9223372036854775808", "exponent does not fit in 64 bits"},
    {"1e-9223372036854775809", "exponent does not fit in 64 bits"},
    {"Pi", "no digits"},
    {"-.Ei", "no digits"},
    {"e-10", "no digits"},
    {"1e30", "exceeds 1e29"},
    {"1.5e29", "exceeds 1e29"},
    {"100000000000000000000000000000.000000001", "exceeds 1e29"},
    {"-1e999999999999", "exceeds 1e29"},
    {"1000000000000000000000000000000000000000000", "exceeds 1e29"},
};

TEST(QuantityTest, RejectsWhatKubernetesRejectsAndSaysWhy) {
  for (const InvalidCase& c : kInvalidCases) {
    SCOPED_TRACE(absl::CHexEscape(c.text));
    absl::StatusOr<Quantity> q = Quantity::Parse(c.text);
    ASSERT_FALSE(q.ok()) << q->ToCanonicalString();
    EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(q.status().message(), HasSubstr(c.why));
    EXPECT_THAT(q.status().message(),
                HasSubstr(absl::StrCat("\"", absl::CHexEscape(c.text), "\"")));
  }
}

struct ComparisonCase {
  absl::string_view a;
  absl::string_view b;
  int order;
};

constexpr ComparisonCase kComparisonCases[] = {
    {"1Gi", "1073741824", 0}, {"1", "1000m", 0},       {"0.5", "500m", 0},
    {"1k", "1000", 0},        {"1Ki", "1024", 0},      {"1e3", "1k", 0},
    {"1e-3", "1m", 0},        {"1.5Gi", "1536Mi", 0},  {"0", "-0", 0},
    {"0.1n", "1n", 0},        {"9Ei", "8Ei", 0},       {"100m", "50m", 1},
    {"50m", "100m", -1},      {"10000T", "100Gi", 1},  {"1Mi", "1M", 1},
    {"-1", "1", -1},          {"-1Gi", "-1G", -1},     {"1n", "0", 1},
    {"12E", "9Ei", 1},        {"1000000001n", "1", 1},
};

TEST(QuantityTest, ComparesByExactValueWhateverTheSpelling) {
  for (const ComparisonCase& c : kComparisonCases) {
    SCOPED_TRACE(absl::StrCat(c.a, " vs ", c.b));
    absl::StatusOr<Quantity> a = Quantity::Parse(c.a);
    absl::StatusOr<Quantity> b = Quantity::Parse(c.b);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->Compare(*b), c.order);
    EXPECT_EQ(b->Compare(*a), -c.order);
    EXPECT_EQ(*a == *b, c.order == 0);
    EXPECT_EQ(*a != *b, c.order != 0);
    EXPECT_EQ(*a < *b, c.order < 0);
    EXPECT_EQ(*a <= *b, c.order <= 0);
    EXPECT_EQ(*a > *b, c.order > 0);
    EXPECT_EQ(*a >= *b, c.order >= 0);
  }
}

struct PredicateCase {
  absl::string_view text;
  bool whole;
  bool negative;
};

constexpr PredicateCase kPredicateCases[] = {
    {"2", true, false},           {"1.5", false, false},
    {"-3", true, true},           {"500m", false, false},
    {"1Ki", true, false},         {"0.5Ki", true, false},
    {"1n", false, false},         {"0", true, false},
    {"-0", true, false},          {"-0.5", false, true},
    {"1e-3", false, false},       {"2e3", true, false},
    {"1000000000n", true, false},
};

TEST(QuantityTest, WholeNumberAndSignFollowExactValue) {
  for (const PredicateCase& c : kPredicateCases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<Quantity> q = Quantity::Parse(c.text);
    ASSERT_TRUE(q.ok()) << q.status();
    EXPECT_EQ(q->IsWholeNumber(), c.whole);
    EXPECT_EQ(q->IsNegative(), c.negative);
  }
}

TEST(QuantityTest, DefaultIsZero) {
  EXPECT_TRUE(Quantity().IsZero());
  EXPECT_EQ(Quantity().ToCanonicalString(), "0");
  EXPECT_EQ(Quantity::Parse("1m")->nanos(), 1000000);
}

// Megabyte inputs parse in one pass without overflow, and errors quote only
// their start.
TEST(QuantityTest, HugeInputsStayExactAndBounded) {
  const std::string zeros(1 << 20, '0');
  struct {
    std::string text;
    std::string canonical;  // Empty when the text must be rejected.
  } cases[] = {
      {zeros, "0"},
      {zeros + "1", "1"},
      {"0." + zeros + "1", "1n"},
      {"1" + zeros + "e-1048576", "1"},
      {"1." + zeros + "1Ki", "1024000000001n"},
      {"1" + zeros + "Ki", "9223372036854775807"},
      {"1" + zeros, ""},
      {std::string(1 << 20, '9'), ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.canonical);
    absl::StatusOr<Quantity> q = Quantity::Parse(c.text);
    if (c.canonical.empty()) {
      ASSERT_FALSE(q.ok());
      EXPECT_LT(q.status().message().size(), 200);
    } else {
      ASSERT_TRUE(q.ok()) << q.status();
      EXPECT_EQ(q->ToCanonicalString(), c.canonical);
    }
  }
}

// Every short string over the grammar's alphabet either fails cleanly or
// round-trips through its canonical form.
TEST(QuantityTest, ShortStringsNeverCrashAndRoundTrip) {
  const std::string alphabet("09.+-eEiKkmMnGPu \0", 18);
  std::string text;
  int accepted = 0;
  for (int length = 1; length <= 4; ++length) {
    int total = 1;
    for (int i = 0; i < length; ++i) total *= alphabet.size();
    for (int n = 0; n < total; ++n) {
      text.clear();
      for (int i = 0, rest = n; i < length; ++i, rest /= alphabet.size()) {
        text.push_back(alphabet[rest % alphabet.size()]);
      }
      absl::StatusOr<Quantity> q = Quantity::Parse(text);
      if (!q.ok()) continue;
      ++accepted;
      absl::StatusOr<Quantity> again = Quantity::Parse(q->ToCanonicalString());
      ASSERT_TRUE(again.ok()) << absl::CHexEscape(text);
      ASSERT_EQ(*again, *q) << absl::CHexEscape(text);
    }
  }
  EXPECT_GT(accepted, 500);
}

}  // namespace
}  // namespace flyteoverride::resolver
