// The simulators' chaos knobs, settable at runtime (GET/PUT /v1/chaos), and
// the seeded dice that decide, request by request, which fault happens.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>

#include "base/result.h"

namespace ordo::sim {

inline constexpr int kMaxDelayMs = 60'000;  // latency and hangs are capped: hung requests never pile up

struct Knobs {
  int failure_pct = 0;            // 500/503 before any effect (gateway and webhook receiver)
  int decline_pct = 0;            // authorize answers 402 card_declined
  int latency_ms = 0;             // added to every answer of a money endpoint or a webhook
  int hang_pct = 0;               // no effect; the answer (504) comes only after hang_ms
  int hang_ms = 30'000;
  int drop_after_charge_pct = 0;  // the effect is applied, then the connection dropped unanswered
  int malformed_pct = 0;          // the effect is applied, then 200 with a body that is not JSON
  // The WMS (wms.h).
  int wms_failure_pct = 0;         // a push or cancel answered 503, nothing stored
  int wms_step_ms = 200;           // between an order's picked, packed, shipped and delivered
  int callback_duplicate_pct = 0;  // a status callback is sent twice (same event_id)
  int callback_reorder_pct = 0;    // a status callback is held back until after the next step's
  int callback_drop_pct = 0;       // a status callback is never sent (the WMS's state still advances)
  std::uint64_t seed = 1;          // of the dice

  bool operator==(const Knobs&) const = default;
};

nlohmann::json ToJson(const Knobs& knobs);
// A partial update: only the fields present change. Unknown fields, wrong
// types and values out of range are errors naming the field (as a JSON pointer).
Result<Knobs> Update(Knobs knobs, const nlohmann::json& update);

// Thread-safe.
class Chaos {
 public:
  explicit Chaos(Knobs knobs = {});
  Knobs Get() const;
  // Also restarts the dice from knobs.seed, so what follows a change is repeatable.
  void Set(const Knobs& knobs);
  // True with probability pct/100 (never at 0, always at 100, and without
  // using the dice at either, so a test at 0 or 100 is deterministic).
  bool Roll(int pct);
  // 0 or 1, evenly.
  int Coin();

 private:
  mutable std::mutex mu_;
  Knobs knobs_;
  std::mt19937_64 rng_;
};

}  // namespace ordo::sim
