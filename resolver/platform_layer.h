// The PLATFORM layer (docs/design.md section 4): rules applied to one
// instance's merged values after the EXECUTION layer. The core knows only
// this interface, so it never depends on where the rules come from;
// policy/ implements it with the operator's policy.
#ifndef FLYTEOVERRIDE_RESOLVER_PLATFORM_LAYER_H_
#define FLYTEOVERRIDE_RESOLVER_PLATFORM_LAYER_H_

#include <string>
#include <vector>

#include "flyteoverride/v1/resolver.pb.h"
#include "resolver/leaf_set.h"

namespace flyteoverride::resolver {

// One per resolve; implementations may remember what they reported, so they
// need not be thread-safe.
class PlatformLayer {
 public:
  virtual ~PlatformLayer() = default;

  // Judges what the runtime layers set in `leaves` for the instance at
  // `node_path`: rejections go to `violations`; values it lowers are set
  // again by PLATFORM in `leaves` and reported in `warnings`. Called before
  // request <= limit is checked, so that check sees the final values.
  virtual void Apply(const std::string& node_path, LeafSet* leaves,
                     std::vector<v1::Violation>* violations,
                     std::vector<v1::Violation>* warnings) = 0;
};

}  // namespace flyteoverride::resolver

#endif  // FLYTEOVERRIDE_RESOLVER_PLATFORM_LAYER_H_
