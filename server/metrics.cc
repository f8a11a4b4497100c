#include "server/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace flyteoverride::server {
namespace {

// Registration and use errors are bugs in the caller; no status to return.
#define METRICS_CHECK(cond, ...)                          \
  do {                                                    \
    if (!(cond)) {                                        \
      std::fprintf(stderr, "metrics: %s\n",               \
                   absl::StrFormat(__VA_ARGS__).c_str()); \
      std::abort();                                       \
    }                                                     \
  } while (0)

bool IsNameChar(char c, bool first, bool allow_colon) {
  return absl::ascii_isalpha(c) || c == '_' || (allow_colon && c == ':') ||
         (!first && absl::ascii_isdigit(c));
}

bool IsValidName(absl::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, allow_colon)) return false;
  }
  return true;
}

void CheckNames(absl::string_view name, absl::Span<const std::string> labels,
                bool is_histogram) {
  METRICS_CHECK(IsValidName(name, /*allow_colon=*/true),
                "invalid metric name \"%s\"", name);
  absl::flat_hash_set<absl::string_view> seen;
  for (const std::string& label : labels) {
    METRICS_CHECK(IsValidName(label, /*allow_colon=*/false) &&
                      !absl::StartsWith(label, "__"),
                  "%s: invalid label name \"%s\"", name, label);
    METRICS_CHECK(!(is_histogram && label == "le"),
                  "%s: a histogram can't have a label named \"le\"", name);
    METRICS_CHECK(seen.insert(label).second, "%s: label \"%s\" repeated", name,
                  label);
  }
}

// Label values escape backslash, double quote and newline; help text escapes
// only backslash and newline.
std::string Escape(absl::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

void AppendSample(absl::string_view name, absl::string_view labels,
                  double value, std::string& out) {
  absl::StrAppend(&out, name);
  if (!labels.empty()) absl::StrAppend(&out, "{", labels, "}");
  absl::StrAppend(&out, " ", FormatValue(value), "\n");
}

// Lock-free add for std::atomic<double>, which has no fetch_add before C++20.
void AtomicAdd(std::atomic<double>& target, double delta) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + delta,
                                       std::memory_order_relaxed)) {
  }
}

}  // namespace

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::trunc(value) && std::fabs(value) < 1e21) {
    return absl::StrFormat("%.0f", value);
  }
  for (int precision = 15; precision < 17; ++precision) {
    std::string text = absl::StrFormat("%.*g", precision, value);
    double parsed;
    if (absl::SimpleAtod(text, &parsed) && parsed == value) return text;
  }
  return absl::StrFormat("%.17g", value);
}

void Counter::Increment(double by) {
  METRICS_CHECK(by >= 0, "counter increment must be >= 0, got %s",
                FormatValue(by));
  AtomicAdd(value_, by);
}

void Counter::AppendSamples(absl::string_view name, absl::string_view labels,
                            std::string& out) const {
  AppendSample(name, labels, value(), out);
}

void Gauge::Add(double delta) { AtomicAdd(value_, delta); }

void Gauge::AppendSamples(absl::string_view name, absl::string_view labels,
                          std::string& out) const {
  AppendSample(name, labels, value(), out);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  // The first bound >= value; NaN compares false everywhere, so it gets +Inf.
  size_t bucket = std::isnan(value) ? bounds_.size()
                                    : std::lower_bound(bounds_.begin(),
                                                       bounds_.end(), value) -
                                          bounds_.begin();
  absl::MutexLock lock(&mu_);
  ++counts_[bucket];
  sum_ += value;
  ++count_;
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  absl::MutexLock lock(&mu_);
  std::vector<uint64_t> cumulative(counts_.size());
  uint64_t total = 0;
  for (size_t i = 0; i < counts_.size(); ++i)
    cumulative[i] = total += counts_[i];
  return cumulative;
}

double Histogram::sum() const {
  absl::MutexLock lock(&mu_);
  return sum_;
}

uint64_t Histogram::count() const {
  absl::MutexLock lock(&mu_);
  return count_;
}

void Histogram::AppendSamples(absl::string_view name, absl::string_view labels,
                              std::string& out) const {
  std::vector<uint64_t> counts;
  double sum;
  {
    absl::MutexLock lock(&mu_);
    counts = counts_;
    sum = sum_;
  }
  uint64_t total = 0;
  const std::string bucket_name = absl::StrCat(name, "_bucket");
  const absl::string_view sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i < counts.size(); ++i) {
    total += counts[i];
    const std::string le =
        i < bounds_.size() ? FormatValue(bounds_[i]) : "+Inf";
    AppendSample(bucket_name, absl::StrCat(labels, sep, "le=\"", le, "\""),
                 static_cast<double>(total), out);
  }
  AppendSample(absl::StrCat(name, "_sum"), labels, sum, out);
  AppendSample(absl::StrCat(name, "_count"), labels, static_cast<double>(total),
               out);
}

Family::Family(std::string name, std::string help, std::string type,
               std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(std::move(type)),
      label_names_(std::move(label_names)) {}

Metric& Family::FindOrAdd(absl::Span<const absl::string_view> values) {
  METRICS_CHECK(values.size() == label_names_.size(),
                "%s: %d label values for %d label names", name_, values.size(),
                label_names_.size());
  std::string key;
  for (absl::string_view value : values) {
    absl::StrAppend(&key, value.size(), ":", value);
  }
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = children_.find(key);
    if (it != children_.end()) return *it->second.metric;
  }
  absl::MutexLock lock(&mu_);
  Child& child = children_[key];
  if (child.metric == nullptr) {
    child.label_values.reserve(values.size());
    for (absl::string_view value : values) {
      child.label_values.emplace_back(value);
    }
    child.metric = NewChild();
  }
  return *child.metric;
}

void Family::AppendTo(std::string& out) const {
  absl::StrAppend(&out, "# HELP ", name_, " ", Escape(help_, /*quote=*/false),
                  "\n", "# TYPE ", name_, " ", type_, "\n");
  // Copied under the lock: a concurrent insert may rehash and move a Child,
  // but never the Metric it owns, which lives as long as the family.
  std::vector<std::pair<std::vector<std::string>, const Metric*>> rows;
  {
    absl::ReaderMutexLock lock(&mu_);
    rows.reserve(children_.size());
    for (const auto& [key, child] : children_) {
      rows.emplace_back(child.label_values, child.metric.get());
    }
  }
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [values, metric] : rows) {
    std::string labels;
    for (size_t i = 0; i < label_names_.size(); ++i) {
      absl::StrAppend(&labels, i == 0 ? "" : ",", label_names_[i], "=\"",
                      Escape(values[i], /*quote=*/true), "\"");
    }
    metric->AppendSamples(name_, labels, out);
  }
}

std::unique_ptr<Metric> CounterFamily::NewChild() const {
  return std::make_unique<Counter>();
}

std::unique_ptr<Metric> GaugeFamily::NewChild() const {
  return std::make_unique<Gauge>();
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names,
                                 std::vector<double> bounds)
    : Family(std::move(name), std::move(help), "histogram",
             std::move(label_names)),
      bounds_(std::move(bounds)) {}

std::unique_ptr<Metric> HistogramFamily::NewChild() const {
  return std::make_unique<Histogram>(bounds_);
}

void Registry::Claim(absl::Span<const std::string> sample_names) {
  for (const std::string& name : sample_names) {
    METRICS_CHECK(!sample_names_.contains(name),
                  "metric \"%s\" registered twice", name);
  }
  sample_names_.insert(sample_names.begin(), sample_names.end());
}

CounterFamily& Registry::AddCounter(std::string name, std::string help,
                                    std::vector<std::string> label_names) {
  CheckNames(name, label_names, /*is_histogram=*/false);
  auto family = absl::WrapUnique(new CounterFamily(
      name, std::move(help), "counter", std::move(label_names)));
  CounterFamily& result = *family;
  if (result.label_names_.empty()) result.WithLabels({});
  absl::MutexLock lock(&mu_);
  Claim({name});
  families_[name] = std::move(family);
  return result;
}

GaugeFamily& Registry::AddGauge(std::string name, std::string help,
                                std::vector<std::string> label_names) {
  CheckNames(name, label_names, /*is_histogram=*/false);
  auto family = absl::WrapUnique(
      new GaugeFamily(name, std::move(help), "gauge", std::move(label_names)));
  GaugeFamily& result = *family;
  if (result.label_names_.empty()) result.WithLabels({});
  absl::MutexLock lock(&mu_);
  Claim({name});
  families_[name] = std::move(family);
  return result;
}

HistogramFamily& Registry::AddHistogram(std::string name, std::string help,
                                        std::vector<std::string> label_names,
                                        std::vector<double> bucket_bounds) {
  CheckNames(name, label_names, /*is_histogram=*/true);
  if (!bucket_bounds.empty() && std::isinf(bucket_bounds.back()) &&
      bucket_bounds.back() > 0) {
    bucket_bounds.pop_back();
  }
  for (size_t i = 0; i < bucket_bounds.size(); ++i) {
    METRICS_CHECK(std::isfinite(bucket_bounds[i]) &&
                      (i == 0 || bucket_bounds[i - 1] < bucket_bounds[i]),
                  "%s: bucket bounds must be finite and strictly increasing",
                  name);
  }
  auto family = absl::WrapUnique(new HistogramFamily(
      name, std::move(help), std::move(label_names), std::move(bucket_bounds)));
  HistogramFamily& result = *family;
  if (result.label_names_.empty()) result.WithLabels({});
  absl::MutexLock lock(&mu_);
  Claim({name, absl::StrCat(name, "_bucket"), absl::StrCat(name, "_sum"),
         absl::StrCat(name, "_count")});
  families_[name] = std::move(family);
  return result;
}

void Registry::AddCollector(std::function<void()> collect) {
  absl::MutexLock lock(&mu_);
  collectors_.push_back(std::move(collect));
}

std::string Registry::Render() const {
  std::string out;
  absl::MutexLock lock(&mu_);
  for (const auto& collect : collectors_) collect();
  for (const auto& [name, family] : families_) family->AppendTo(out);
  return out;
}

std::vector<double> LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,  0.5,    1,     2.5,  5,     10};
}

void RegisterBuildInfo(Registry& registry, absl::string_view version,
                       absl::string_view revision) {
  registry
      .AddGauge("override_resolver_build_info",
                "The running build; the value is always 1.",
                {"version", "revision"})
      .WithLabels({version, revision})
      .Set(1);
}

}  // namespace flyteoverride::server
