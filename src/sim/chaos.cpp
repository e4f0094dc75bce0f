#include "sim/chaos.h"

namespace ordo::sim {

nlohmann::json ToJson(const Knobs& k) {
  return {{"failure_pct", k.failure_pct},
          {"decline_pct", k.decline_pct},
          {"latency_ms", k.latency_ms},
          {"hang_pct", k.hang_pct},
          {"hang_ms", k.hang_ms},
          {"drop_after_charge_pct", k.drop_after_charge_pct},
          {"malformed_pct", k.malformed_pct},
          {"wms_failure_pct", k.wms_failure_pct},
          {"wms_step_ms", k.wms_step_ms},
          {"callback_duplicate_pct", k.callback_duplicate_pct},
          {"callback_reorder_pct", k.callback_reorder_pct},
          {"callback_drop_pct", k.callback_drop_pct},
          {"seed", k.seed}};
}

Result<Knobs> Update(Knobs knobs, const nlohmann::json& update) {
  if (!update.is_object()) return Error::Invalid("", "the body must be a JSON object");
  struct Field {
    const char* name;
    int* value;
    int max;
  };
  const Field fields[] = {{"failure_pct", &knobs.failure_pct, 100},
                          {"decline_pct", &knobs.decline_pct, 100},
                          {"latency_ms", &knobs.latency_ms, kMaxDelayMs},
                          {"hang_pct", &knobs.hang_pct, 100},
                          {"hang_ms", &knobs.hang_ms, kMaxDelayMs},
                          {"drop_after_charge_pct", &knobs.drop_after_charge_pct, 100},
                          {"malformed_pct", &knobs.malformed_pct, 100},
                          {"wms_failure_pct", &knobs.wms_failure_pct, 100},
                          {"wms_step_ms", &knobs.wms_step_ms, kMaxDelayMs},
                          {"callback_duplicate_pct", &knobs.callback_duplicate_pct, 100},
                          {"callback_reorder_pct", &knobs.callback_reorder_pct, 100},
                          {"callback_drop_pct", &knobs.callback_drop_pct, 100}};
  for (const auto& [name, value] : update.items()) {
    if (name == "seed") {
      if (!value.is_number_unsigned()) return Error::Invalid("/seed", "seed must be a non-negative integer");
      knobs.seed = value.get<std::uint64_t>();
      continue;
    }
    const Field* field = nullptr;
    for (const Field& f : fields)
      if (name == f.name) field = &f;
    if (!field) return Error::Invalid("/" + name, "unknown knob " + name);
    if (!value.is_number_integer() || value.get<std::int64_t>() < 0 || value.get<std::int64_t>() > field->max)
      return Error::Invalid("/" + name, name + " must be an integer from 0 to " + std::to_string(field->max));
    *field->value = value.get<int>();
  }
  return knobs;
}

Chaos::Chaos(Knobs knobs) : knobs_(knobs), rng_(knobs.seed) {}

Knobs Chaos::Get() const {
  std::lock_guard lock(mu_);
  return knobs_;
}

void Chaos::Set(const Knobs& knobs) {
  std::lock_guard lock(mu_);
  rng_.seed(knobs.seed);
  knobs_ = knobs;
}

bool Chaos::Roll(int pct) {
  if (pct <= 0) return false;
  if (pct >= 100) return true;
  std::lock_guard lock(mu_);
  return static_cast<int>(rng_() % 100) < pct;
}

int Chaos::Coin() {
  std::lock_guard lock(mu_);
  return static_cast<int>(rng_() & 1);
}

}  // namespace ordo::sim
