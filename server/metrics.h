// A small Prometheus metrics registry for /metrics: counters, gauges and
// histograms grouped in labelled families, rendered in the text exposition
// format 0.0.4. Debian ships no prometheus-cpp, so this is our own.
//
// Misuse is a programming error and aborts with a message: an invalid or
// duplicate name at registration, the wrong number of label values, a
// negative counter increment, unsorted histogram bounds.
#ifndef FLYTEOVERRIDE_SERVER_METRICS_H_
#define FLYTEOVERRIDE_SERVER_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace flyteoverride::server {

// One child of a family: the series for one combination of label values.
// Its family owns it; it lives as long as the registry.
class Metric {
 public:
  Metric() = default;
  Metric(const Metric&) = delete;
  Metric& operator=(const Metric&) = delete;
  virtual ~Metric() = default;

 private:
  friend class Family;
  // Appends this series' sample lines. `labels` is the rendered label pairs
  // without braces (`rpc="Resolve",code="OK"`), empty for none.
  virtual void AppendSamples(absl::string_view name, absl::string_view labels,
                             std::string& out) const = 0;
};

// A monotonically increasing value. Thread-safe and lock-free.
class Counter final : public Metric {
 public:
  // `by` must be >= 0 (and not NaN); anything else aborts.
  void Increment(double by = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  void AppendSamples(absl::string_view name, absl::string_view labels,
                     std::string& out) const override;
  std::atomic<double> value_{0};
};

// A value that goes up and down. Thread-safe and lock-free.
class Gauge final : public Metric {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  void AppendSamples(absl::string_view name, absl::string_view labels,
                     std::string& out) const override;
  std::atomic<double> value_{0};
};

// Observations counted into buckets with inclusive upper bounds, plus their
// sum and count. Thread-safe: one short mutex hold per observation, so a
// rendered snapshot is consistent (the +Inf bucket always equals _count).
class Histogram final : public Metric {
 public:
  // `bounds` are finite and strictly increasing; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);

  // NaN lands only in the +Inf bucket (and makes the sum NaN).
  void Observe(double value);

  // Cumulative counts per bound, the last one for +Inf; then sum and count.
  std::vector<uint64_t> CumulativeCounts() const;
  double sum() const;
  uint64_t count() const;

 private:
  void AppendSamples(absl::string_view name, absl::string_view labels,
                     std::string& out) const override;

  const std::vector<double> bounds_;
  mutable absl::Mutex mu_;
  // Per bucket, not cumulative; one more than bounds_ for +Inf.
  std::vector<uint64_t> counts_ ABSL_GUARDED_BY(mu_);
  double sum_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

// Metrics of one name and type with a fixed list of label names. Children are
// created on first use and never removed, so returned references stay valid
// for the registry's lifetime; callers on hot paths may keep them. A family
// without labels has its single child from the start, so it renders 0.
// Thread-safe.
class Family {
 public:
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;
  virtual ~Family() = default;

  const std::string& name() const { return name_; }

 protected:
  Family(std::string name, std::string help, std::string type,
         std::vector<std::string> label_names);

  // The child for `values`, one per label name in order; created if new.
  Metric& FindOrAdd(absl::Span<const absl::string_view> values);

 private:
  friend class Registry;
  struct Child {
    std::vector<std::string> label_values;
    std::unique_ptr<Metric> metric;
  };

  virtual std::unique_ptr<Metric> NewChild() const = 0;
  // Appends # HELP, # TYPE and every child's samples, children sorted by
  // label values.
  void AppendTo(std::string& out) const;

  const std::string name_;
  const std::string help_;
  const std::string type_;
  const std::vector<std::string> label_names_;
  mutable absl::Mutex mu_;
  // Keyed by the length-prefixed label values, so no value can collide.
  absl::flat_hash_map<std::string, Child> children_ ABSL_GUARDED_BY(mu_);
};

class CounterFamily final : public Family {
 public:
  Counter& WithLabels(absl::Span<const absl::string_view> values) {
    return static_cast<Counter&>(FindOrAdd(values));
  }

 private:
  friend class Registry;
  using Family::Family;
  std::unique_ptr<Metric> NewChild() const override;
};

class GaugeFamily final : public Family {
 public:
  Gauge& WithLabels(absl::Span<const absl::string_view> values) {
    return static_cast<Gauge&>(FindOrAdd(values));
  }

 private:
  friend class Registry;
  using Family::Family;
  std::unique_ptr<Metric> NewChild() const override;
};

class HistogramFamily final : public Family {
 public:
  Histogram& WithLabels(absl::Span<const absl::string_view> values) {
    return static_cast<Histogram&>(FindOrAdd(values));
  }

 private:
  friend class Registry;
  HistogramFamily(std::string name, std::string help,
                  std::vector<std::string> label_names,
                  std::vector<double> bounds);
  std::unique_ptr<Metric> NewChild() const override;
  const std::vector<double> bounds_;
};

// Owns the families. Names match [a-zA-Z_:][a-zA-Z0-9_:]*; label names match
// [a-zA-Z_][a-zA-Z0-9_]* (Prometheus allows no colon there), don't start
// with "__", are distinct, and a histogram's can't be "le". No two families
// may produce the same sample name (a histogram's also cover _bucket, _sum
// and _count). Thread-safe; families live as long as the registry.
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  CounterFamily& AddCounter(std::string name, std::string help,
                            std::vector<std::string> label_names);
  GaugeFamily& AddGauge(std::string name, std::string help,
                        std::vector<std::string> label_names);
  // `bucket_bounds` are strictly increasing; a trailing +Inf is dropped, as
  // the +Inf bucket is always there.
  HistogramFamily& AddHistogram(std::string name, std::string help,
                                std::vector<std::string> label_names,
                                std::vector<double> bucket_bounds);

  // `collect` runs at the start of every Render, to set metrics whose values
  // are read from elsewhere rather than counted as things happen (process
  // memory from /proc, the admission queue). It runs under the registry's
  // lock, so scrapes take turns; it must not register metrics.
  void AddCollector(std::function<void()> collect);

  // Text exposition format 0.0.4, families sorted by name.
  std::string Render() const;

 private:
  void Claim(absl::Span<const std::string> sample_names)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Family>> families_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> sample_names_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void()>> collectors_ ABSL_GUARDED_BY(mu_);
};

// Default request latency buckets in seconds: 0.5 ms to 10 s, 14 bounds in
// 1-2.5-5 steps.
std::vector<double> LatencyBuckets();

// A number as the exposition format wants it: integers without exponent,
// others in the shortest form that parses back to the same double, and
// "+Inf", "-Inf", "NaN".
std::string FormatValue(double value);

// Registers override_resolver_build_info{version,revision} and sets it to 1.
void RegisterBuildInfo(Registry& registry, absl::string_view version,
                       absl::string_view revision);

}  // namespace flyteoverride::server

#endif  // FLYTEOVERRIDE_SERVER_METRICS_H_
