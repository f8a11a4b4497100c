#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <functional>
#include <limits>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "resolver/names.h"

namespace flyteoverride::server {
namespace {

using Driver = StorageConfig::Driver;

// A semantic problem about `key`. ParseConfig cites the line of `key`, else
// of `other`, else of the section (a key left at its default has no line).
struct Problem {
  std::string key;
  std::string message;
  std::string other;
};

constexpr int64_t kNoMax = std::numeric_limits<int64_t>::max();
constexpr absl::string_view kDriverNames[] = {"memory", "sqlite", "postgres"};

void InRange(std::vector<Problem>& out, const char* key, int64_t value,
             int64_t min, int64_t max = kNoMax) {
  if (value >= min && value <= max) return;
  out.push_back(
      {key, max == kNoMax
                ? absl::StrCat("must be at least ", min, ", got ", value)
                : absl::StrCat("must be ", min, "..", max, ", got ", value)});
}

void Requires(std::vector<Problem>& out, bool missing, const char* key,
              const char* other, absl::string_view when) {
  if (!missing) return;
  out.push_back({key, absl::StrCat("must be set when ", other, when), other});
}

void Positive(std::vector<Problem>& out, const char* key, absl::Duration d,
              bool zero_allowed) {
  const absl::Duration zero = absl::ZeroDuration();
  if (d > zero || (zero_allowed && d == zero)) return;
  out.push_back({key, absl::StrCat(zero_allowed ? "must not be negative"
                                                : "must be positive",
                                   ", got ", absl::FormatDuration(d))});
}

void OneOf(std::vector<Problem>& out, const char* key, const std::string& value,
           const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
  out.push_back(
      {key, absl::StrCat("must be one of ", absl::StrJoin(allowed, ", "),
                         "; got \"", value, "\"")});
}

std::vector<Problem> Check(const Config& c) {
  std::vector<Problem> out;
  if (c.bind_address.empty() ||
      c.bind_address.find_first_of(" \t\r\n") != std::string::npos) {
    out.push_back({"server.bind_address",
                   absl::StrCat("must be an IP address or host name, got \"",
                                c.bind_address, "\"")});
  }
  InRange(out, "server.grpc_port", c.grpc_port, 0, 65535);
  InRange(out, "server.http_port", c.http_port, 0, 65535);
  if (c.grpc_port != 0 && c.grpc_port == c.http_port) {
    out.push_back({"server.http_port",
                   absl::StrCat("must differ from server.grpc_port (both ",
                                c.grpc_port, ")"),
                   "server.grpc_port"});
  }
  InRange(out, "server.max_message_bytes", c.max_message_bytes, 1,
          std::numeric_limits<int32_t>::max());
  InRange(out, "server.max_concurrent_calls", c.max_concurrent_calls, 1);
  InRange(out, "server.max_queued_calls", c.max_queued_calls, 0);
  Positive(out, "server.default_deadline", c.default_deadline, false);
  Positive(out, "server.shutdown_grace", c.shutdown_grace, true);

  InRange(out, "limits.max_nesting_depth", c.max_nesting_depth, 1);
  InRange(out, "limits.max_node_instances", c.max_node_instances, 1);
  InRange(out, "limits.max_violations", c.max_violations, 1);

  const TlsConfig& tls = c.tls;
  const bool cert = !tls.cert_file.empty(), key = !tls.key_file.empty();
  Requires(out, cert && !key, "tls.key_file", "tls.cert_file", " is");
  Requires(out, !cert && key, "tls.cert_file", "tls.key_file", " is");
  Requires(out, !cert && !tls.client_ca_file.empty(), "tls.cert_file",
           "tls.client_ca_file", " is (mutual TLS needs a server certificate)");

  const StorageConfig& s = c.storage;
  Requires(out, s.driver == Driver::kPostgres && s.postgres_dsn.empty(),
           "storage.postgres_dsn", "storage.driver", " is postgres");
  Requires(out, s.driver == Driver::kSqlite && s.sqlite_path.empty(),
           "storage.sqlite_path", "storage.driver", " is sqlite");
  InRange(out, "storage.postgres_pool_size", s.postgres_pool_size, 1);
  Positive(out, "storage.retention", s.retention, false);
  Positive(out, "storage.purge_interval", s.purge_interval, false);
  Positive(out, "storage.timeout", s.timeout, false);

  OneOf(out, "logging.level", c.log_level,
        {"trace", "debug", "info", "warn", "error"});
  OneOf(out, "logging.format", c.log_format, {"text", "json"});
  return out;
}

// A problem's line (0: none) and text.
using Located = std::pair<int, std::string>;

std::string NodeKind(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  return absl::StrCat("\"", node.Scalar(), "\"");
}

// One key: reads `value`, found at key path `path`, into the Config or
// returns why not.
using FieldReader = std::function<std::string(const YAML::Node& value,
                                              const std::string& path)>;
using Fields = std::vector<std::pair<std::string, FieldReader>>;

std::string NotScalar(const YAML::Node& v, absl::string_view want) {
  if (v.IsScalar()) return "";
  if (v.IsNull()) {
    return absl::StrCat("has no value; give ", want,
                        " or leave the key out for the default");
  }
  return absl::StrCat("must be ", want, ", got ", NodeKind(v));
}

// Sizes (the only int64_t keys) are a plain number of bytes: no "64Mi".
std::string ReadValue(const YAML::Node& v, int64_t* out,
                      absl::string_view want = "an integer number of bytes") {
  std::string bad = NotScalar(v, want);
  if (!bad.empty()) return bad;
  // A quoted scalar is a string in YAML, even when it holds digits.
  const bool quoted = v.Tag() == "!";
  if (quoted || !absl::SimpleAtoi(v.Scalar(), out)) {
    return absl::StrCat("must be ", want, ", got ",
                        quoted ? "the quoted string " : "", NodeKind(v));
  }
  return "";
}

std::string ReadValue(const YAML::Node& v, int* out) {
  int64_t wide = 0;
  std::string bad = ReadValue(v, &wide, "an integer");
  if (!bad.empty()) return bad;
  if (wide < INT_MIN || wide > INT_MAX) {
    return absl::StrCat("is out of range, got ", wide);
  }
  *out = static_cast<int>(wide);
  return "";
}

std::string ReadValue(const YAML::Node& v, std::string* out) {
  std::string bad = NotScalar(v, "a string");
  if (bad.empty()) *out = v.Scalar();
  return bad;
}

std::string ReadValue(const YAML::Node& v, absl::Duration* out) {
  const char* want = "a duration like \"30s\", \"500ms\" or \"1h30m\"";
  std::string bad = NotScalar(v, want);
  if (!bad.empty()) return bad;
  absl::Duration d;
  if (!absl::ParseDuration(v.Scalar(), &d) || d == absl::InfiniteDuration() ||
      d == -absl::InfiniteDuration()) {
    return absl::StrCat("must be ", want, ", got ", NodeKind(v));
  }
  *out = d;
  return "";
}

std::string ReadValue(const YAML::Node& v, Driver* out) {
  std::string name;
  std::string bad = ReadValue(v, &name);
  if (!bad.empty()) return bad;
  const auto* it =
      std::find(std::begin(kDriverNames), std::end(kDriverNames), name);
  if (it == std::end(kDriverNames)) {
    return absl::StrCat("must be memory, sqlite or postgres, got ",
                        NodeKind(v));
  }
  *out = static_cast<Driver>(it - std::begin(kDriverNames));
  return "";
}

template <typename T>
FieldReader Field(T* out) {
  return [out](const YAML::Node& v, const std::string&) {
    return ReadValue(v, out);
  };
}

int LineOf(const YAML::Mark& mark) {
  return mark.is_null() ? 0 : mark.line + 1;
}

// Reads known keys into `config`, collecting every type problem and unknown
// key with its line, and the line of each key set (for semantic problems).
class ConfigReader {
 public:
  void Read(const YAML::Node& root) {
    Config& c = config;
    StorageConfig& s = c.storage;
    const Fields top = {
        {"server",
         Section({{"bind_address", Field(&c.bind_address)},
                  {"grpc_port", Field(&c.grpc_port)},
                  {"http_port", Field(&c.http_port)},
                  {"max_message_bytes", Field(&c.max_message_bytes)},
                  {"max_concurrent_calls", Field(&c.max_concurrent_calls)},
                  {"max_queued_calls", Field(&c.max_queued_calls)},
                  {"default_deadline", Field(&c.default_deadline)},
                  {"shutdown_grace", Field(&c.shutdown_grace)}})},
        {"limits",
         Section({{"max_nesting_depth", Field(&c.max_nesting_depth)},
                  {"max_node_instances", Field(&c.max_node_instances)},
                  {"max_violations", Field(&c.max_violations)}})},
        {"tls", Section({{"cert_file", Field(&c.tls.cert_file)},
                         {"key_file", Field(&c.tls.key_file)},
                         {"client_ca_file", Field(&c.tls.client_ca_file)}})},
        {"storage",
         Section({{"driver", Field(&s.driver)},
                  {"sqlite_path", Field(&s.sqlite_path)},
                  {"postgres_dsn", Field(&s.postgres_dsn)},
                  {"postgres_pool_size", Field(&s.postgres_pool_size)},
                  {"retention", Field(&s.retention)},
                  {"purge_interval", Field(&s.purge_interval)},
                  {"timeout", Field(&s.timeout)}})},
        {"logging", Section({{"level", Field(&c.log_level)},
                             {"format", Field(&c.log_format)}})},
        // Reserved for operator policy: any mapping is accepted and ignored.
        {"policy", Section({})}};
    if (root.IsNull()) return;  // empty file: every default
    if (!root.IsMap()) {
      problems.push_back({LineOf(root.Mark()),
                          "the top level must be a mapping of sections, got " +
                              NodeKind(root)});
      return;
    }
    Mapping(root, "", top);
  }

  Config config;
  std::vector<Located> problems;
  absl::flat_hash_map<std::string, int> lines;  // key path -> line

 private:
  // A mapping of `fields`, or nothing (an empty section keeps every default).
  // With no fields, any mapping is accepted and ignored.
  FieldReader Section(Fields fields) {
    return [this, fields = std::move(fields)](
               const YAML::Node& v, const std::string& path) -> std::string {
      if (v.IsNull()) return "";
      if (!v.IsMap()) return "must be a mapping, got " + NodeKind(v);
      if (!fields.empty()) Mapping(v, path, fields);
      return "";
    };
  }

  // `section` is "" for the top level.
  void Mapping(const YAML::Node& map, absl::string_view section,
               const Fields& fields) {
    const std::string prefix =
        section.empty() ? "" : absl::StrCat(section, ".");
    std::vector<std::string> names;
    for (const auto& field : fields) names.push_back(field.first);
    for (auto it = map.begin(); it != map.end(); ++it) {
      const int line = LineOf(it->first.Mark());
      if (!it->first.IsScalar()) {
        problems.push_back(
            {line,
             absl::StrCat(section.empty() ? "top level" : section,
                          " keys must be strings, got ", NodeKind(it->first))});
        continue;
      }
      const std::string& name = it->first.Scalar();
      const std::string path = prefix + name;
      auto field = std::find_if(fields.begin(), fields.end(),
                                [&](const auto& f) { return f.first == name; });
      if (field == fields.end()) {
        std::vector<std::string> near = resolver::ClosestNames(name, names, 1);
        problems.push_back(
            {line,
             near.empty()
                 ? absl::StrCat("unknown key \"", path, "\"; expected ", prefix,
                                "{", absl::StrJoin(names, ", "), "}")
                 : absl::StrCat("unknown key \"", path, "\" (did you mean \"",
                                prefix, near[0], "\"?)")});
        continue;
      }
      auto [seen, inserted] = lines.emplace(path, line);
      if (!inserted) {
        problems.push_back(
            {line, absl::StrCat(path, ": duplicate key (first at line ",
                                seen->second, ")")});
        continue;
      }
      std::string bad = field->second(it->second, path);
      if (!bad.empty()) problems.push_back({line, path + ": " + bad});
    }
  }
};

absl::Status Report(std::vector<Located> problems) {
  std::stable_sort(problems.begin(), problems.end(),
                   [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<std::string> texts;
  for (const auto& [line, text] : problems) {
    texts.push_back(line > 0 ? absl::StrCat("config line ", line, ": ", text)
                             : absl::StrCat("config: ", text));
  }
  return absl::InvalidArgumentError(absl::StrJoin(texts, "; "));
}

}  // namespace

absl::string_view DriverName(StorageConfig::Driver driver) {
  return kDriverNames[static_cast<int>(driver)];
}

absl::StatusOr<Config> ParseConfig(absl::string_view yaml) {
  ConfigReader reader;
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(std::string(yaml));
    if (documents.size() > 1) {
      return Report({{LineOf(documents[1].Mark()),
                      "a second YAML document: the config is one document"}});
    }
    if (!documents.empty()) reader.Read(documents[0]);
  } catch (const YAML::ParserException& e) {
    return Report(
        {{LineOf(e.mark), absl::StrCat("YAML syntax error at column ",
                                       e.mark.column + 1, ": ", e.msg)}});
  } catch (const std::exception& e) {
    return Report({{0, absl::StrCat("cannot read YAML: ", e.what())}});
  }
  if (!reader.problems.empty()) return Report(std::move(reader.problems));

  std::vector<Located> problems;
  for (const Problem& p : Check(reader.config)) {
    int line = 0;  // the last of these the file sets
    for (const std::string& at :
         {p.key.substr(0, p.key.find('.')), p.other, p.key}) {
      if (reader.lines.contains(at)) line = reader.lines.at(at);
    }
    problems.push_back({line, p.key + ": " + p.message});
  }
  if (!problems.empty()) return Report(std::move(problems));
  return std::move(reader.config);
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  auto io_error = [&path](int error) {
    return absl::Status(absl::ErrnoToStatusCode(error),
                        absl::StrCat("config file ", path, ": ",
                                     std::generic_category().message(error)));
  };
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return io_error(errno);
  std::string text;
  char buffer[1 << 16];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), file)) > 0;) {
    text.append(buffer, n);
  }
  const int read_error = std::ferror(file) ? errno : 0;
  std::fclose(file);
  if (read_error != 0) return io_error(read_error);

  absl::StatusOr<Config> config = ParseConfig(text);
  if (config.ok()) return config;
  return absl::Status(config.status().code(),
                      absl::StrCat(path, ": ", config.status().message()));
}

absl::Status ValidateConfig(const Config& config) {
  std::vector<std::string> texts;
  for (const Problem& p : Check(config))
    texts.push_back(p.key + ": " + p.message);
  if (texts.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(texts, "; "));
}

}  // namespace flyteoverride::server
