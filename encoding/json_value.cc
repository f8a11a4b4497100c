#include "encoding/json_value.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace flyteoverride::encoding {
namespace {

using google::protobuf::Value;

// Appends the code point as UTF-8.
void AppendUtf8(uint32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// The length of the well-formed UTF-8 sequence starting `s` (Unicode's
// table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF), or 0.
size_t Utf8Length(absl::string_view s) {
  const auto byte = [&s](size_t i) {
    return i < s.size() ? static_cast<unsigned char>(s[i]) : 0;
  };
  const auto tail = [&](size_t i) { return (byte(i) & 0xC0) == 0x80; };
  const unsigned char b0 = byte(0), b1 = byte(1);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return tail(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const bool ok = b0 == 0xE0   ? b1 >= 0xA0 && b1 <= 0xBF
                    : b0 == 0xED ? b1 >= 0x80 && b1 <= 0x9F
                                 : tail(1);
    return ok && tail(2) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const bool ok = b0 == 0xF0   ? b1 >= 0x90 && b1 <= 0xBF
                    : b0 == 0xF4 ? b1 >= 0x80 && b1 <= 0x8F
                                 : tail(1);
    return ok && tail(2) && tail(3) ? 4 : 0;
  }
  return 0;
}

class Parser {
 public:
  Parser(absl::string_view text, int max_depth)
      : text_(text), max_depth_(max_depth) {}

  absl::StatusOr<Value> Document() {
    Value value;
    SkipSpace();
    if (!ParseValue(0, &value)) return error_;
    SkipSpace();
    if (at_ != text_.size()) {
      Fail("text after the JSON value");
      return error_;
    }
    return value;
  }

 private:
  bool Fail(absl::string_view what) {
    error_ = absl::InvalidArgumentError(
        absl::StrCat("invalid JSON at byte ", at_, ": ", what));
    return false;
  }

  void SkipSpace() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' ||
            text_[at_] == '\r')) {
      ++at_;
    }
  }

  bool Literal(absl::string_view word) {
    if (text_.substr(at_, word.size()) != word) return Fail("unexpected text");
    at_ += word.size();
    return true;
  }

  bool ParseValue(int depth, Value* out) {
    if (at_ >= text_.size()) return Fail("the text ends where a value belongs");
    switch (text_[at_]) {
      case '{':
        return ParseObject(depth + 1, out->mutable_struct_value());
      case '[':
        return ParseList(depth + 1, out->mutable_list_value());
      case '"':
        return ParseString(out->mutable_string_value());
      case 't':
        out->set_bool_value(true);
        return Literal("true");
      case 'f':
        out->set_bool_value(false);
        return Literal("false");
      case 'n':
        out->set_null_value(google::protobuf::NULL_VALUE);
        return Literal("null");
      default:
        return ParseNumber(out);
    }
  }

  // `open` has been seen at at_; true once the closing `close` is read.
  // Calls `item` for each element.
  template <typename Item>
  bool Elements(int depth, char close, Item item) {
    if (depth > max_depth_) {
      return Fail(absl::StrCat("objects and lists nest deeper than ",
                               max_depth_));
    }
    ++at_;
    SkipSpace();
    if (at_ < text_.size() && text_[at_] == close) {
      ++at_;
      return true;
    }
    while (true) {
      if (!item()) return false;
      SkipSpace();
      if (at_ >= text_.size()) return Fail("the text ends inside a value");
      if (text_[at_] == close) {
        ++at_;
        return true;
      }
      if (text_[at_] != ',') return Fail("expected ',' or the closing bracket");
      ++at_;
      SkipSpace();
    }
  }

  bool ParseObject(int depth, google::protobuf::Struct* out) {
    auto* fields = out->mutable_fields();
    std::string key;
    return Elements(depth, '}', [&] {
      key.clear();
      const size_t name_at = at_;
      if (at_ >= text_.size() || text_[at_] != '"')
        return Fail("expected a member name");
      if (!ParseString(&key)) return false;
      SkipSpace();
      if (at_ >= text_.size() || text_[at_] != ':') return Fail("expected ':'");
      ++at_;
      SkipSpace();
      if (fields->count(key) != 0) {
        at_ = name_at;
        return Fail(absl::StrCat("the member \"", key, "\" appears twice"));
      }
      return ParseValue(depth, &(*fields)[key]);
    });
  }

  bool ParseList(int depth, google::protobuf::ListValue* out) {
    return Elements(depth, ']',
                    [&] { return ParseValue(depth, out->add_values()); });
  }

  bool Hex4(uint32_t* out) {
    if (at_ + 4 > text_.size()) return Fail("a short \\u escape");
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[at_ + i];
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)))
        return Fail("a bad \\u escape");
      value = value * 16 + (absl::ascii_isdigit(static_cast<unsigned char>(c))
                                ? c - '0'
                                : (absl::ascii_tolower(c) - 'a' + 10));
    }
    at_ += 4;
    *out = value;
    return true;
  }

  bool Escape(std::string* out) {
    if (at_ >= text_.size()) return Fail("the text ends inside a string");
    const char c = text_[at_++];
    switch (c) {
      case '"': case '\\': case '/':
        out->push_back(c);
        return true;
      case 'b': out->push_back('\b'); return true;
      case 'f': out->push_back('\f'); return true;
      case 'n': out->push_back('\n'); return true;
      case 'r': out->push_back('\r'); return true;
      case 't': out->push_back('\t'); return true;
      case 'u': break;
      default:
        --at_;
        return Fail("an unknown escape");
    }
    uint32_t unit;
    if (!Hex4(&unit)) return false;
    if (unit >= 0xDC00 && unit <= 0xDFFF) return Fail("a lone low surrogate");
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      uint32_t low;
      if (text_.substr(at_, 2) != "\\u") return Fail("a lone high surrogate");
      at_ += 2;
      if (!Hex4(&low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) return Fail("a lone high surrogate");
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(unit, out);
    return true;
  }

  // at_ is on the opening quote.
  bool ParseString(std::string* out) {
    ++at_;
    while (true) {
      // The run of plain characters up to the next quote or escape.
      size_t end = at_;
      while (end < text_.size()) {
        const unsigned char c = static_cast<unsigned char>(text_[end]);
        if (c == '"' || c == '\\' || c < 0x20) break;
        if (c < 0x80) {
          ++end;
          continue;
        }
        const size_t length = Utf8Length(text_.substr(end));
        if (length == 0) {
          at_ = end;
          return Fail("invalid UTF-8");
        }
        end += length;
      }
      out->append(text_.data() + at_, end - at_);
      at_ = end;
      if (at_ >= text_.size()) return Fail("the text ends inside a string");
      const char c = text_[at_++];
      if (c == '"') return true;
      if (c != '\\') {
        --at_;
        return Fail("a control character inside a string");
      }
      if (!Escape(out)) return false;
    }
  }

  bool Digits() {
    const size_t start = at_;
    while (at_ < text_.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(text_[at_]))) {
      ++at_;
    }
    return at_ > start;
  }

  bool ParseNumber(Value* out) {
    const size_t start = at_;
    if (text_[at_] == '-') ++at_;
    if (at_ < text_.size() && text_[at_] == '0') {
      ++at_;
    } else if (!Digits()) {
      at_ = start;
      return Fail("unexpected text");
    }
    if (at_ < text_.size() && text_[at_] == '.') {
      ++at_;
      if (!Digits()) return Fail("a number without digits after '.'");
    }
    if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
      ++at_;
      if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-')) ++at_;
      if (!Digits()) return Fail("a number without digits in its exponent");
    }
    double number;
    if (!absl::SimpleAtod(text_.substr(start, at_ - start), &number) ||
        !std::isfinite(number)) {
      at_ = start;
      return Fail("a number beyond a double's range");
    }
    out->set_number_value(number);
    return true;
  }

  const absl::string_view text_;
  const int max_depth_;
  size_t at_ = 0;
  absl::Status error_;
};

}  // namespace

absl::StatusOr<Value> ParseJson(absl::string_view text, int max_depth) {
  return Parser(text, max_depth).Document();
}

}  // namespace flyteoverride::encoding
