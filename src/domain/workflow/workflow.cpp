#include "domain/workflow/workflow.h"

#include <algorithm>
#include <set>

#include "base/text.h"
#include "domain/order/order.h"

namespace ordo::domain {
namespace {

struct SystemStatus {
  const char* name;
  Effect effect;
  bool required;
};

// The statuses the code moves orders into by name, with the effect each must
// keep. `confirmed` may be left out of a workflow (shops without a seller
// confirmation); the others may not.
constexpr SystemStatus kSystemStatuses[] = {
    {status::kPending, Effect::kNone, true},      {status::kConfirmed, Effect::kConfirm, false},
    {status::kPaid, Effect::kPay, true},          {status::kShipped, Effect::kShip, true},
    {status::kDelivered, Effect::kDeliver, true}, {status::kCancelled, Effect::kCancel, true},
    {status::kFailed, Effect::kFail, true},       {status::kExpired, Effect::kExpire, true},
};

const SystemStatus* FindSystem(std::string_view name) {
  for (const SystemStatus& s : kSystemStatuses)
    if (name == s.name) return &s;
  return nullptr;
}

// Effects after which an order never moves again.
bool EndsTheOrder(Effect e) {
  return e == Effect::kDeliver || e == Effect::kCancel || e == Effect::kFail || e == Effect::kExpire;
}

// Effects that must not follow a ship: stock is committed once, and money is
// taken, failed or given up only before the goods leave.
bool ForbiddenAfterShip(Effect e) {
  return e == Effect::kShip || e == Effect::kPay || e == Effect::kCancel || e == Effect::kFail ||
         e == Effect::kExpire;
}

bool IsStatusName(std::string_view s) {
  if (s.empty() || s.size() > kMaxStatusNameLength) return false;
  if (s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

std::string StatusPointer(std::size_t i, const char* field) {
  return "/statuses/" + std::to_string(i) + "/" + field;
}

std::string TransitionPointer(std::size_t k, int end) {
  return "/transitions/" + std::to_string(k) + "/" + std::to_string(end);
}

// The statuses reachable from `starts` by zero or more transitions.
std::set<std::string> Reachable(const Workflow& w, std::vector<std::string> starts) {
  std::set<std::string> reached(starts.begin(), starts.end());
  while (!starts.empty()) {
    std::string from = std::move(starts.back());
    starts.pop_back();
    for (std::string& to : w.Successors(from))
      if (reached.insert(to).second) starts.push_back(std::move(to));
  }
  return reached;
}

// The rules of one status apart from its name.
Status ValidateStatus(const StatusDef& s, std::size_t i) {
  if (!IsCleanText(s.label, kMaxStatusLabelLength))
    return Error::Invalid(StatusPointer(i, "label"), "a label is at most 100 characters of printable text");
  if (s.actions.size() > kMaxStatusActions)
    return Error::Invalid(StatusPointer(i, "actions"), "a status has at most 8 actions");
  for (std::size_t j = 0; j < s.actions.size(); ++j) {
    std::string pointer = StatusPointer(i, "actions") + "/" + std::to_string(j);
    if (!IsKnownAction(s.actions[j]))
      return Error::Invalid(pointer, "unknown action '" + s.actions[j] +
                                         "'; the actions are webhook, email and wms.push (charging is the pay path)");
    if (std::find(s.actions.begin(), s.actions.begin() + static_cast<std::ptrdiff_t>(j), s.actions[j]) !=
        s.actions.begin() + static_cast<std::ptrdiff_t>(j))
      return Error::Invalid(pointer, "action " + s.actions[j] + " is bound twice");
  }
  if (const SystemStatus* system = FindSystem(s.name)) {
    if (s.effect != system->effect)
      return Error::Invalid(StatusPointer(i, "effect"), s.name + " must keep effect " + ToString(system->effect));
  } else if (s.effect != Effect::kNone && s.effect != Effect::kShip) {
    return Error::Invalid(StatusPointer(i, "effect"), std::string("effect ") + ToString(s.effect) +
                                                          " belongs to a system status; " + s.name +
                                                          " may have effect none or ship");
  }
  return Ok();
}

}  // namespace

const char* ToString(Effect e) {
  switch (e) {
    case Effect::kNone: return "none";
    case Effect::kConfirm: return "confirm";
    case Effect::kPay: return "pay";
    case Effect::kShip: return "ship";
    case Effect::kDeliver: return "deliver";
    case Effect::kCancel: return "cancel";
    case Effect::kFail: return "fail";
    case Effect::kExpire: return "expire";
  }
  return "none";
}

bool ParseEffect(std::string_view t, Effect* out) {
  for (Effect e : {Effect::kNone, Effect::kConfirm, Effect::kPay, Effect::kShip, Effect::kDeliver, Effect::kCancel,
                   Effect::kFail, Effect::kExpire}) {
    if (t == ToString(e)) {
      *out = e;
      return true;
    }
  }
  return false;
}

bool IsKnownAction(std::string_view name) {
  return name == action::kWebhook || name == action::kEmail || name == action::kWmsPush;
}

bool Workflow::Allows(const std::string& from, const std::string& to) const {
  return std::find(transitions.begin(), transitions.end(), std::pair(from, to)) != transitions.end();
}

const StatusDef* Workflow::Find(const std::string& name) const {
  for (const StatusDef& s : statuses)
    if (s.name == name) return &s;
  return nullptr;
}

bool Workflow::Terminal(const std::string& name) const {
  return Find(name) != nullptr && Successors(name).empty();
}

std::vector<std::string> Workflow::Successors(const std::string& from) const {
  std::vector<std::string> out;
  for (const auto& [f, t] : transitions)
    if (f == from) out.push_back(t);
  return out;
}

Workflow DefaultWorkflow() {
  Workflow w;
  w.statuses = {
      {status::kPending, "Pending", Effect::kNone, {}},
      {status::kConfirmed, "Confirmed", Effect::kConfirm, {}},
      {status::kPaid, "Paid", Effect::kPay, {}},
      // Handing the order to the warehouse system is what fulfilling means.
      {status::kFulfilling, "Fulfilling", Effect::kNone, {action::kWmsPush}},
      {status::kShipped, "Shipped", Effect::kShip, {}},
      {status::kDelivered, "Delivered", Effect::kDeliver, {}},
      {status::kCancelled, "Cancelled", Effect::kCancel, {}},
      {status::kFailed, "Payment failed", Effect::kFail, {}},
      {status::kExpired, "Expired", Effect::kExpire, {}},
  };
  w.transitions = {
      // The seller accepts the order (seed 004).
      {status::kPending, status::kConfirmed},
      // Paying needs no confirmation: shops without a seller step (seeds 001,
      // 003) pay straight from pending; with one, after it (seed 004).
      {status::kPending, status::kPaid},
      {status::kConfirmed, status::kPaid},
      // Handed to the warehouse system (wms.push) ...
      {status::kPaid, status::kFulfilling},
      // ... or shipped by the seller directly (seed 004's "fulfil").
      {status::kPaid, status::kShipped},
      {status::kFulfilling, status::kShipped},
      {status::kShipped, status::kDelivered},
      // Cancel until the warehouse has the order. A paid order is refunded
      // (seed 004: "order cancelled? refund happens"). Once fulfilling,
      // stopping the order is a call to the warehouse, which is not modelled;
      // a configuration may add fulfilling → cancelled.
      {status::kPending, status::kCancelled},
      {status::kConfirmed, status::kCancelled},
      {status::kPaid, status::kCancelled},
      // A declined or failed payment ends an unpaid order and releases its
      // stock (seeds 003, 004). Remove these two edges to let customers retry
      // with another card until the reservation expires.
      {status::kPending, status::kFailed},
      {status::kConfirmed, status::kFailed},
      // Unpaid orders expire with their reservations (30 min, seed 004). Paid
      // orders never expire: there is no edge from paid onwards.
      {status::kPending, status::kExpired},
      {status::kConfirmed, status::kExpired},
  };
  return w;
}

Status ValidateWorkflow(const Workflow& w) {
  if (w.version < 1) return Error::Invalid("/version", "version must be at least 1");
  if (w.statuses.empty()) return Error::Invalid("/statuses", "a workflow needs statuses");
  if (w.statuses.size() > kMaxWorkflowStatuses)
    return Error::Invalid("/statuses", "a workflow has at most 64 statuses");
  if (w.transitions.size() > kMaxWorkflowTransitions)
    return Error::Invalid("/transitions", "a workflow has at most 512 transitions");

  std::set<std::string_view> names;
  for (std::size_t i = 0; i < w.statuses.size(); ++i) {
    const std::string& name = w.statuses[i].name;
    if (!IsStatusName(name))
      return Error::Invalid(StatusPointer(i, "name"),
                            "a status name is 1-64 characters of [a-z0-9_] starting with a letter");
    if (!names.insert(name).second)
      return Error::Invalid(StatusPointer(i, "name"), "status " + name + " is defined twice");
    if (auto s = ValidateStatus(w.statuses[i], i); !s) return s;
  }
  for (const SystemStatus& system : kSystemStatuses)
    if (system.required && !names.contains(system.name))
      return Error::Invalid("/statuses", std::string("the workflow must keep status ") + system.name +
                                             " (effect " + ToString(system.effect) + ")");
  const StatusDef* initial = w.Find(w.initial);
  if (initial == nullptr) return Error::Invalid("/initial", "initial status " + w.initial + " is not defined");
  if (initial->effect != Effect::kNone)
    return Error::Invalid("/initial", "the initial status must have effect none");

  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (std::size_t k = 0; k < w.transitions.size(); ++k) {
    const auto& [from, to] = w.transitions[k];
    const StatusDef* f = w.Find(from);
    if (f == nullptr) return Error::Invalid(TransitionPointer(k, 0), "unknown status " + from);
    if (w.Find(to) == nullptr) return Error::Invalid(TransitionPointer(k, 1), "unknown status " + to);
    if (from == to) return Error::Invalid(TransitionPointer(k, 1), "a status cannot move to itself");
    if (!seen.emplace(from, to).second)
      return Error::Invalid("/transitions/" + std::to_string(k), from + " → " + to + " is listed twice");
    if (EndsTheOrder(f->effect))
      return Error::Invalid(TransitionPointer(k, 0), from + " ends the order: no transition may leave it");
  }

  // Walk forward from the ship statuses, nearest first, so that the edge
  // named is the first mistake after the goods leave.
  std::vector<std::string> frontier;
  for (const StatusDef& s : w.statuses)
    if (s.effect == Effect::kShip) frontier.push_back(s.name);
  std::set<std::string> shipped(frontier.begin(), frontier.end());  // at or after a ship
  for (std::size_t next = 0; next < frontier.size(); ++next) {
    for (std::size_t k = 0; k < w.transitions.size(); ++k) {
      const auto& [from, to] = w.transitions[k];
      if (from != frontier[next]) continue;
      Effect effect = w.Find(to)->effect;
      if (ForbiddenAfterShip(effect))
        return Error::Invalid(TransitionPointer(k, 1),
                              to + " (effect " + ToString(effect) + ") cannot follow " + from +
                                  ", which is at or after shipping: stock is committed once, and money is "
                                  "taken or given up only before the goods leave");
      if (shipped.insert(to).second) frontier.push_back(to);
    }
  }
  for (std::size_t k = 0; k < w.transitions.size(); ++k) {
    const auto& [from, to] = w.transitions[k];
    if (w.Find(to)->effect == Effect::kDeliver && !shipped.contains(from))
      return Error::Invalid(TransitionPointer(k, 0),
                            to + " can only follow a status at or after shipping; " + from + " is before it");
  }

  std::set<std::string> reached = Reachable(w, {w.initial});
  for (std::size_t i = 0; i < w.statuses.size(); ++i)
    if (!reached.contains(w.statuses[i].name))
      return Error::Invalid(StatusPointer(i, "name"),
                            w.statuses[i].name + " cannot be reached from " + w.initial);
  return Ok();
}

bool SettableByPatch(const StatusDef& s) {
  return s.effect == Effect::kNone || s.effect == Effect::kConfirm || s.effect == Effect::kShip ||
         s.effect == Effect::kDeliver || s.effect == Effect::kCancel;
}

}  // namespace ordo::domain
