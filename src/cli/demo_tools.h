// The demo's tools (http/demo_tools.h) for `ordo serve --demo`: the
// in-process simulator's knobs, seed 000's order generator and the reset.
#pragma once

#include <memory>

#include "engine/engine.h"
#include "http/demo_tools.h"
#include "sim/sim.h"

namespace ordo::cli {

struct DemoToolsOptions {
  int push_attempts = 4;  // the WMS push job's attempts: a wms_failure order fails this many
  std::int64_t demo_stock = 0;  // as --demo-stock, for the reset's reload
};

// `simulator` may be null (the WMS and gateway are real ones): the chaos
// knobs then answer 409 and only the scenarios that need no simulator run.
std::shared_ptr<http::DemoTools> MakeDemoTools(engine::Engine& engine, sim::Simulator* simulator,
                                               DemoToolsOptions options);

}  // namespace ordo::cli
