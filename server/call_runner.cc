#include "server/call_runner.h"

#include <time.h>

#include "absl/strings/str_format.h"
#include "server/logging.h"

namespace flyteoverride::server {
namespace {

std::vector<double> CountBuckets() {
  return {0, 1, 10, 100, 1000, 10000, 100000, 1000000};
}

// 50 µs (a small read) to 10 s (the largest resolves allowed).
std::vector<double> CpuBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1,     2.5,   10};
}

// The CPU time this thread has used. Calls run on one thread from start to
// end, so the difference of two readings is the call's own CPU.
double ThreadCpuSeconds() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + now.tv_nsec * 1e-9;
}

// Why admission turned a call away (Admission::Enter's codes).
absl::string_view RejectionReason(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kResourceExhausted:
      return "queue_full";
    case absl::StatusCode::kDeadlineExceeded:
      return "deadline_while_queued";
    case absl::StatusCode::kUnavailable:
      return "shutting_down";
    default:
      return "other";
  }
}

}  // namespace

CallRunner::CallRunner(Registry* registry, Admission* admission,
                       absl::Duration default_deadline)
    : admission_(admission),
      default_deadline_(default_deadline),
      calls_(registry->AddCounter("override_resolver_calls_total",
                                  "Calls handled, by RPC and status code.",
                                  {"rpc", "code"})),
      latency_(registry->AddHistogram(
          "override_resolver_call_duration_seconds",
          "Call latency, admission wait included, by RPC.", {"rpc"},
          LatencyBuckets())),
      cpu_(registry->AddHistogram(
          "override_resolver_call_cpu_seconds",
          "CPU time a call's thread spent on it, from admission to its log "
          "line (reading, checking, running, encoding), by RPC; gRPC's and "
          "the HTTP server's transport are not included.",
          {"rpc"}, CpuBuckets())),
      nodes_(registry->AddHistogram(
          "override_resolver_call_nodes",
          "Task node instances resolved or returned per call.", {"rpc"},
          CountBuckets())),
      hooks_(registry->AddHistogram(
          "override_resolver_call_hooks",
          "Hooks applied (summed over nodes) or listed per call.", {"rpc"},
          CountBuckets())),
      in_flight_(registry
                     ->AddGauge("override_resolver_calls_in_flight",
                                "Calls admitted and not yet finished.", {})
                     .WithLabels({})),
      admission_rejections_(registry->AddCounter(
          "override_resolver_admission_rejections_total",
          "Calls admission turned away, by reason: queue_full, "
          "deadline_while_queued, shutting_down.",
          {"reason"})),
      outcomes_(registry) {
  Gauge& queued = registry
                      ->AddGauge("override_resolver_calls_queued",
                                 "Calls waiting for a running slot.", {})
                      .WithLabels({});
  registry->AddCollector(
      [admission, queued = &queued] { queued->Set(admission->queued()); });
}

std::string ExecutionName(
    const flyteidl::core::WorkflowExecutionIdentifier& id) {
  if (id.name().empty()) return "";
  return absl::StrCat(id.project(), "/", id.domain(), "/", id.name());
}

std::string CallSubject(const v1::ListExecutionsRequest& request) {
  return absl::StrCat(request.project(), "/", request.domain(), "/*");
}

Outcome CallRunner::Run(absl::string_view rpc, absl::string_view execution,
                        absl::Time deadline,
                        absl::FunctionRef<Outcome(CallStats*, absl::Time)> body) {
  // Everything this thread does for an admitted call counts in its CPU:
  // admission, the body, the metrics and the log line.
  const double cpu = ThreadCpuSeconds();
  const absl::Time start = absl::Now();
  if (deadline == absl::InfiniteFuture()) deadline = start + default_deadline_;
  CallStats stats;
  Outcome outcome(admission_->Enter(deadline));
  const bool admitted = outcome.ok();
  if (admitted) {
    in_flight_.Add(1);
    outcome = absl::Now() < deadline
                  ? body(&stats, deadline)
                  : Outcome(absl::DeadlineExceededError(
                        "the call's deadline passed before it started"));
    in_flight_.Add(-1);
    admission_->Leave();
  } else {
    admission_rejections_.WithLabels({RejectionReason(outcome.status.code())})
        .Increment();
  }
  const absl::Status& status = outcome.status;
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const std::string code = absl::StatusCodeToString(status.code());
  calls_.WithLabels({rpc, code}).Increment();
  latency_.WithLabels({rpc}).Observe(seconds);
  nodes_.WithLabels({rpc}).Observe(stats.nodes);
  hooks_.WithLabels({rpc}).Observe(stats.hooks);
  outcomes_.Count(outcome, stats.warnings);
  LogEvent(status.ok() || status.code() != absl::StatusCode::kInternal
               ? spdlog::level::info
               : spdlog::level::err,
           "call",
           {{"rpc", std::string(rpc)},
            {"execution", stats.execution.empty() ? std::string(execution)
                                                  : stats.execution},
            {"nodes", stats.nodes},
            {"hooks", stats.hooks},
            {"code", code},
            {"latency_ms", seconds * 1000},
            {"error", std::string(status.message().substr(0, 1024))}});
  if (admitted) cpu_.WithLabels({rpc}).Observe(ThreadCpuSeconds() - cpu);
  return outcome;
}

}  // namespace flyteoverride::server
