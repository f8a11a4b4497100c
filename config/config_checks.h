// The semantic checks of a Config, apart from reading YAML: port ranges,
// sizes, durations, keys that need each other, the auth section. Each
// problem cites the line of its key when the file gave one. Internal to
// config/ (config.cc runs them after reading, ValidateConfig on any Config).
#ifndef FLYTEOVERRIDE_CONFIG_CONFIG_CHECKS_H_
#define FLYTEOVERRIDE_CONFIG_CONFIG_CHECKS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "config/config.h"

namespace flyteoverride::config::internal {

using KeyLines = absl::flat_hash_map<std::string, int>;  // key path -> line
using Located = std::pair<int, std::string>;  // a problem's line (0: none)

// Every problem of `config`, each "key: message"; lines from `lines`, or
// none when it is null.
std::vector<Located> CheckConfig(const Config& config, const KeyLines* lines);

// INVALID_ARGUMENT with every problem, in line order, joined by "; ".
absl::Status Report(std::vector<Located> problems);

}  // namespace flyteoverride::config::internal

#endif  // FLYTEOVERRIDE_CONFIG_CONFIG_CHECKS_H_
