// Demo data: a catalogue, locations in several cities, and stock. Loaded
// through the engine like any other write, so it has its events.
#pragma once

#include "base/result.h"
#include "engine/engine.h"

namespace ordo::cli {

struct DemoSize {
  int skus = 60;
  std::int64_t units = 0;  // units per stocked (location, sku); 0 = the demo's varied 200-999
};

// Loads the demo data unless the catalogue already has products.
// Returns the number of products loaded (0 when skipped).
Result<int> LoadDemo(engine::Engine& engine, DemoSize size = {});

}  // namespace ordo::cli
