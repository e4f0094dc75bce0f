// The configurable order workflow (seed 002): statuses, the transitions
// allowed between them, and the actions bound to entering a status.
//
// Configuration can rename labels, add statuses, bind actions and restrict
// transitions; it cannot break the ledger rules, which ValidateWorkflow
// enforces: stock is committed once (by a status whose effect is ship), money
// is taken only before shipping, and the system statuses keep their effects.
// Values only; nothing here reads a clock or does I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace ordo::domain {

constexpr std::size_t kMaxWorkflowStatuses = 64;
constexpr std::size_t kMaxWorkflowTransitions = 512;
constexpr std::size_t kMaxStatusActions = 8;
constexpr std::size_t kMaxStatusNameLength = 64;
constexpr std::size_t kMaxStatusLabelLength = 100;

// What entering a status does to the ledger and the money.
//   none     status only
//   confirm  status only (the seller accepted the order)
//   pay      status only; entered when the payment is captured
//   ship     commits every pending reservation (on_hand and reserved drop)
//   deliver  status only
//   cancel   releases pending reservations; refunds or voids the money
//   fail     like cancel; entered when the payment is declined or fails
//   expire   like cancel; entered when the reservations' time has passed
enum class Effect { kNone, kConfirm, kPay, kShip, kDeliver, kCancel, kFail, kExpire };
const char* ToString(Effect effect);
bool ParseEffect(std::string_view text, Effect* out);

// The actions a configuration may bind to a status. Each becomes a job when
// an order enters the status. Charging is not among them: it is implied by
// the pay path (POST /pay), not by a status.
namespace action {
inline constexpr const char* kWebhook = "webhook";
inline constexpr const char* kEmail = "email";
inline constexpr const char* kWmsPush = "wms.push";
}  // namespace action
bool IsKnownAction(std::string_view name);

struct StatusDef {
  std::string name;   // [a-z][a-z0-9_]*, at most 64 characters; what orders store
  std::string label;  // shown to people; may be empty (the name is shown)
  Effect effect = Effect::kNone;
  std::vector<std::string> actions;
};

struct Workflow {
  std::int64_t version = 1;
  std::string initial = "pending";
  std::vector<StatusDef> statuses;
  std::vector<std::pair<std::string, std::string>> transitions;  // {from, to}

  bool Allows(const std::string& from, const std::string& to) const;
  const StatusDef* Find(const std::string& name) const;
  // A status no transition leaves. In a valid workflow the statuses with
  // effect deliver, cancel, fail and expire are terminal.
  bool Terminal(const std::string& name) const;
  // Where an order in `from` may go next, in configuration order.
  std::vector<std::string> Successors(const std::string& from) const;
};

// pending → confirmed → paid → fulfilling → shipped → delivered, with
// cancelled, failed and expired; the edges are documented in workflow.cpp.
Workflow DefaultWorkflow();

// kInvalidArgument naming the offending field as the client sends it
// (/statuses/3/name, /transitions/5/1, /initial, …); Ok for a usable workflow.
Status ValidateWorkflow(const Workflow& workflow);

// Whether PATCH /status may move an order into this status. Pay, fail and
// expire are reached only through their own paths: the pay endpoint and the
// payment result, the payment result, and the expiry timer.
bool SettableByPatch(const StatusDef& status);

}  // namespace ordo::domain
