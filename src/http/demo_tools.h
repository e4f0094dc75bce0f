// The demo's tools behind /v1/admin (seed 000's order generator and reset,
// and the simulator's chaos knobs), answered only by a server started with
// --demo. The CLI implements them: it owns the in-process simulator. The
// methods may block (they wait for commits); the API calls them on a worker
// thread, never on an io thread.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace ordo::http {

// What POST /v1/admin/demo/orders can make (demo_tools.cpp in src/cli says
// how each is brought about). "mixed" draws one of the others per order.
inline constexpr std::string_view kDemoScenarios[] = {"mixed",         "happy",            "wms_failure", "callback_drop",
                                                      "payment_declined", "unpaid",       "out_of_stock"};

class DemoTools {
 public:
  virtual ~DemoTools() = default;
  // The simulator's knobs, as a JSON object.
  virtual std::string Chaos() = 0;
  // A partial update (a JSON object); the knobs after it, or kInvalidArgument naming the field.
  virtual Result<std::string> SetChaos(const std::string& update) = 0;
  // `count` orders of the scenario, placed as `principal`: {"created": […], "rejected": […]}.
  virtual Result<std::string> GenerateOrders(int count, std::string_view scenario, const std::string& principal) = 0;
  // Empties the shop and loads the demo data again.
  virtual Status Reset() = 0;
};

}  // namespace ordo::http
