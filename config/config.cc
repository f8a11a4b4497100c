#include "config/config.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/config_checks.h"
#include "policy/policy.h"
#include "policy/policy_yaml.h"
#include "resolver/names.h"

namespace flyteoverride::config {
namespace {

using internal::CheckConfig;
using internal::KeyLines;
using internal::Located;
using internal::Report;

using Driver = StorageConfig::Driver;

constexpr absl::string_view kDriverNames[] = {"memory", "sqlite", "postgres"};

int LineOf(const YAML::Mark& mark) {
  return mark.is_null() ? 0 : mark.line + 1;
}

// Debian's yaml-cpp 0.7 loops forever in LoadAll (and Load returns null) on a
// stray "," (jbeder/yaml-cpp#1040), so documents are counted by a bounded
// parse first: one starting where the last did is an unconsumable token.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& m) override { marks.push_back(m); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
  std::vector<YAML::Mark> marks;
};

// Why `text` is not a single YAML document, if it is not.
std::optional<Located> NotOneDocument(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  for (int i = 0; i < 3 && parser.HandleNextDocument(starts); ++i) continue;
  const std::vector<YAML::Mark>& m = starts.marks;
  if (m.size() < 2) return std::nullopt;
  const bool stuck = m[m.size() - 1].pos == m[m.size() - 2].pos;
  const YAML::Mark& at = stuck ? m.back() : m[1];
  return Located{LineOf(at),
                 stuck ? absl::StrCat("YAML syntax error at column ",
                                      at.column + 1, ": unexpected character")
                       : "a second YAML document: the config is one document"};
}

std::string NodeKind(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "nothing";
  return absl::StrCat("\"", absl::CHexEscape(node.Scalar()), "\"");
}

// Scalar text into a typed value; false when it is not one. Sizes (the only
// int64_t keys) are a plain number of bytes: no "64Mi".
bool Parse(const std::string& text, std::string* out) {
  *out = text;
  return true;
}
template <typename Int, typename = std::enable_if_t<std::is_integral_v<Int>>>
bool Parse(const std::string& text, Int* out) {
  return absl::SimpleAtoi(text, out);
}
bool Parse(const std::string& text, absl::Duration* out) {
  return absl::ParseDuration(text, out) && *out != absl::InfiniteDuration() &&
         *out != -absl::InfiniteDuration();
}
bool Parse(const std::string& text, bool* out) {
  if (text != "true" && text != "false") return false;
  *out = text == "true";
  return true;
}
bool Parse(const std::string& text, Driver* out) {
  const auto* it = absl::c_find(kDriverNames, text);
  if (it == std::end(kDriverNames)) return false;
  *out = static_cast<Driver>(it - std::begin(kDriverNames));
  return true;
}

constexpr char kInteger[] = "an integer";
constexpr char kBytes[] = "an integer number of bytes";
constexpr char kString[] = "a string";
constexpr char kBoolean[] = "true or false";
constexpr char kDuration[] = "a duration like \"30s\", \"500ms\" or \"1h30m\"";
constexpr char kDriver[] = "memory, sqlite or postgres";

// Reads a key's value (at key path `path`) into the Config, or says why not.
using FieldReader = std::function<std::string(const YAML::Node& value,
                                              const std::string& path)>;
using Fields = std::vector<std::pair<std::string, FieldReader>>;

// A scalar key; `want` describes its type in messages.
template <typename T>
FieldReader Field(T* out, const char* want) {
  return [out, want](const YAML::Node& v, const std::string&) -> std::string {
    // A quoted scalar is a string in YAML, even when it holds digits.
    const bool quoted = std::is_integral_v<T> && v.Tag() == "!";
    if (v.IsScalar() && !quoted && Parse(v.Scalar(), out)) return "";
    return absl::StrCat("must be ", want, ", got ",
                        quoted ? "the quoted string " : "", NodeKind(v));
  };
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
         Section({{"bind_address", Field(&c.bind_address, kString)},
                  {"allow_insecure_remote",
                   Field(&c.allow_insecure_remote, kBoolean)},
                  {"grpc_port", Field(&c.grpc_port, kInteger)},
                  {"http_port", Field(&c.http_port, kInteger)},
                  {"probe_port", Field(&c.probe_port, kInteger)},
                  {"max_request_bytes_in_flight",
                   Field(&c.max_request_bytes_in_flight, kInteger)},
                  {"max_request_elements",
                   Field(&c.max_request_elements, kInteger)},
                  {"max_connections_per_client",
                   Field(&c.max_connections_per_client, kInteger)},
                  {"max_connection_age",
                   Field(&c.max_connection_age, kDuration)},
                  {"max_message_bytes", Field(&c.max_message_bytes, kBytes)},
                  {"max_concurrent_calls",
                   Field(&c.max_concurrent_calls, kInteger)},
                  {"max_queued_calls", Field(&c.max_queued_calls, kInteger)},
                  {"default_deadline", Field(&c.default_deadline, kDuration)},
                  {"shutdown_grace", Field(&c.shutdown_grace, kDuration)}})},
        {"limits",
         Section(
             {{"max_nesting_depth", Field(&c.max_nesting_depth, kInteger)},
              {"max_node_instances", Field(&c.max_node_instances, kInteger)},
              {"max_violations", Field(&c.max_violations, kInteger)},
              {"max_node_id_bytes", Field(&c.max_node_id_bytes, kInteger)},
              {"max_path_bytes", Field(&c.max_path_bytes, kInteger)},
              {"max_map_entries", Field(&c.max_map_entries, kInteger)},
              {"max_environment_keys",
               Field(&c.max_environment_keys, kInteger)},
              {"max_task_config_depth",
               Field(&c.max_task_config_depth, kInteger)},
              {"max_task_config_bytes",
               Field(&c.max_task_config_bytes, kInteger)},
              {"max_work_units", Field(&c.max_work_units, kInteger)}})},
        {"tls",
         Section({{"cert_file", Field(&c.tls.cert_file, kString)},
                  {"key_file", Field(&c.tls.key_file, kString)},
                  {"client_ca_file", Field(&c.tls.client_ca_file, kString)}})},
        {"storage",
         Section(
             {{"driver", Field(&s.driver, kDriver)},
              {"sqlite_path", Field(&s.sqlite_path, kString)},
              {"postgres_dsn", Field(&s.postgres_dsn, kString)},
              {"postgres_pool_size", Field(&s.postgres_pool_size, kInteger)},
              {"retention", Field(&s.retention, kDuration)},
              {"purge_interval", Field(&s.purge_interval, kDuration)},
              {"timeout", Field(&s.timeout, kDuration)}})},
        {"rewrite", Section({{"forbid_task_copies",
                              Field(&c.forbid_task_copies, kBoolean)}})},
        {"logging", Section({{"level", Field(&c.log_level, kString)},
                             {"format", Field(&c.log_format, kString)}})},
        {"auth", Auth(&c.auth)},
        {"secret_environment", Strings(&c.secret_environment, false)},
        // Operator policy, by scope (policy_config.h).
        {"policy",
         [this, &c](const YAML::Node& v, const std::string&) -> std::string {
           for (policy::PolicyProblem& problem : policy::ReadPolicy(v, &c.policy))
             problems.push_back(std::move(problem));
           return "";
         }}};
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
  // Keys whose values were refused: they hold their defaults.
  std::vector<std::string> unread;
  KeyLines lines;

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

  // A list of strings, each item's line kept; with `single`, one string is
  // a list of one. A bad item leaves the list unread, so that no check
  // cites the shifted index of a later item.
  FieldReader Strings(std::vector<std::string>* out, bool single) {
    return [this, out, single](const YAML::Node& v,
                               const std::string& path) -> std::string {
      if (single && v.IsScalar()) {
        *out = {v.Scalar()};
        return "";
      }
      if (!v.IsSequence()) {
        return absl::StrCat("must be a list of strings",
                            single ? " or one string" : "", ", got ",
                            NodeKind(v));
      }
      out->clear();
      for (size_t i = 0; i < v.size(); ++i) {
        const YAML::Node item = v[i];
        const std::string at = absl::StrCat(path, "[", i, "]");
        lines.emplace(at, LineOf(item.Mark()));
        if (item.IsScalar()) {
          out->push_back(item.Scalar());
          continue;
        }
        problems.push_back(
            {LineOf(item.Mark()),
             absl::StrCat(at, ": must be a string, got ", NodeKind(item))});
        unread.push_back(path);
      }
      return "";
    };
  }

  // The `auth` section; present, even empty, it turns authorization on.
  FieldReader Auth(auth::AuthConfig* out) {
    return [this, out](const YAML::Node& v,
                       const std::string& path) -> std::string {
      out->enabled = true;
      FieldReader jwt = [this, out](const YAML::Node& jv,
                                    const std::string& at) -> std::string {
        auth::JwtSettings& j = out->jwt.emplace();
        return Section({{"issuer", Field(&j.issuer, kString)},
                        {"audience", Field(&j.audience, kString)},
                        {"jwks_file", Field(&j.jwks_file, kString)},
                        {"groups_claim", Field(&j.groups_claim, kString)},
                        {"header", Strings(&j.headers, true)},
                        {"clock_skew", Field(&j.clock_skew, kDuration)}})(jv,
                                                                          at);
      };
      return Section({{"jwt", jwt}, {"rules", Rules(&out->rules)}})(v, path);
    };
  }

  FieldReader Rules(std::vector<auth::AuthRule>* out) {
    return [this, out](const YAML::Node& v,
                       const std::string& path) -> std::string {
      if (!v.IsSequence()) return "must be a list of rules, got " + NodeKind(v);
      out->assign(v.size(), auth::AuthRule());
      for (size_t i = 0; i < v.size(); ++i) {
        const YAML::Node item = v[i];
        const std::string at = absl::StrCat(path, "[", i, "]");
        lines.emplace(at, LineOf(item.Mark()));
        auth::AuthRule& r = (*out)[i];
        std::string bad = Section(
            {{"name", Field(&r.name, kString)},
             {"principals", Strings(&r.principals, false)},
             {"groups", Strings(&r.groups, false)},
             {"allow", Strings(&r.allow, false)},
             {"projects", Strings(&r.projects, false)},
             {"domains", Strings(&r.domains, false)},
             {"reveal_secrets", Field(&r.reveal_secrets, kBoolean)}})(item, at);
        if (!bad.empty()) {
          problems.push_back(
              {LineOf(item.Mark()), absl::StrCat(at, ": ", bad)});
          unread.push_back(at);
        }
      }
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
      if (!bad.empty()) {
        problems.push_back({line, path + ": " + bad});
        unread.push_back(path);
      }
    }
  }
};

}  // namespace

absl::string_view DriverName(StorageConfig::Driver driver) {
  return kDriverNames[static_cast<int>(driver)];
}

absl::StatusOr<Config> ParseConfig(absl::string_view yaml) {
  const std::string text(yaml);
  ConfigReader reader;
  try {
    if (std::optional<Located> bad = NotOneDocument(text))
      return Report({*bad});
    reader.Read(YAML::Load(text));
  } catch (const YAML::ParserException& e) {
    return Report(
        {{LineOf(e.mark), absl::StrCat("YAML syntax error at column ",
                                       e.mark.column + 1, ": ", e.msg)}});
  } catch (const std::exception& e) {
    return Report({{0, absl::StrCat("config: cannot read YAML: ", e.what())}});
  }
  // Range and cross-key checks run whatever else is wrong, so that one fix
  // does not reveal the next problem; only checks that name a key whose
  // value was refused (it holds its default) are left out.
  for (Located& problem : CheckConfig(reader.config, &reader.lines)) {
    const bool about_unread = absl::c_any_of(
        reader.unread, [&problem](const std::string& path) {
          return absl::StrContains(problem.second, path);
        });
    if (!about_unread) reader.problems.push_back(std::move(problem));
  }
  if (!reader.problems.empty()) return Report(std::move(reader.problems));
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
  std::vector<Located> problems = CheckConfig(config, nullptr);
  if (problems.empty()) return absl::OkStatus();
  return Report(std::move(problems));
}

}  // namespace flyteoverride::config
