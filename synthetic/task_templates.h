// The task templates generated closures draw from, as flytekit registers
// them: python tasks with a pyflyte-execute container (image, args,
// resources, env), Spark and PyTorch tasks with custom config (PyTorch with a
// GPU and an accelerator), a sidecar pod task; metadata with retries, some
// cached, some interruptible; an interface and runtime metadata.
#ifndef FLYTEOVERRIDE_SYNTHETIC_TASK_TEMPLATES_H_
#define FLYTEOVERRIDE_SYNTHETIC_TASK_TEMPLATES_H_

#include <string>

#include "flyteidl/core/tasks.pb.h"

namespace flyteoverride::synthetic {

// The short name of template `t` ("train_model"); ids are MakeId(TASK, it).
std::string TaskName(int t);

// Template `t` (t >= 0); the kind repeats every twenty.
flyteidl::core::TaskTemplate MakeTaskTemplate(int t);

}  // namespace flyteoverride::synthetic

#endif  // FLYTEOVERRIDE_SYNTHETIC_TASK_TEMPLATES_H_
