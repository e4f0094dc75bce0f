#include "sim/wms.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string_view>

#include "sim/reply.h"

namespace ordo::sim {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxLines = 500;
constexpr std::size_t kMaxKey = 255;

// The statuses an order moves through on the timer, in order.
constexpr const char* kSteps[] = {"accepted", "picked", "packed", "shipped", "delivered"};
struct Carrier {
  const char* name;
  const char* prefix;  // of its tracking numbers
};
constexpr Carrier kCarriers[] = {{"DHL", "JJD"}, {"DPD", "0150"}, {"GLS", "ZG"}, {"UPS", "1Z"}, {"PostNL", "3S"}};

const char* NextStep(const std::string& status) {
  for (std::size_t i = 0; i + 1 < std::size(kSteps); ++i)
    if (status == kSteps[i]) return kSteps[i + 1];
  return nullptr;  // delivered or cancelled: no step left
}

bool Shipped(const std::string& status) { return status == "shipped" || status == "delivered"; }

Status CheckShipTo(const json& body) {
  auto it = body.find("ship_to");
  if (it == body.end()) return Error::Invalid("/ship_to", "ship_to is required");
  if (!it->is_object()) return Error::Invalid("/ship_to", "ship_to must be an object");
  if (auto s = OnlyFields(*it, {"name", "line1", "city", "postal_code", "country", "phone"}, "/ship_to"); !s) return s;
  for (const char* field : {"name", "line1", "city", "postal_code", "country"})
    if (auto text = Text(*it, field, "/ship_to"); !text) return text.take_error();
  const std::string& country = (*it)["country"].get_ref<const std::string&>();
  if (country.size() != 2 || !std::all_of(country.begin(), country.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return Error::Invalid("/ship_to/country", "country must be two upper-case letters (ISO 3166-1 alpha-2)");
  if (auto phone = OptionalText(*it, "phone", "/ship_to"); !phone) return phone.take_error();
  return Ok();
}

Status CheckLines(const json& body) {
  auto it = body.find("lines");
  if (it == body.end()) return Error::Invalid("/lines", "lines is required");
  if (!it->is_array() || it->empty() || it->size() > kMaxLines)
    return Error::Invalid("/lines", "lines must be an array of 1 to " + std::to_string(kMaxLines) + " lines");
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& line = (*it)[i];
    const std::string at = "/lines/" + std::to_string(i);
    if (!line.is_object()) return Error::Invalid(at, "a line must be an object");
    if (auto s = OnlyFields(line, {"sku", "quantity"}, at); !s) return s;
    if (auto sku = Text(line, "sku", at); !sku) return sku.take_error();
    if (!line.contains("quantity")) return Error::Invalid(at + "/quantity", "quantity is required");
    if (auto quantity = Integer(line, "quantity", 1, 1'000'000, 0, at); !quantity) return quantity.take_error();
  }
  return Ok();
}

}  // namespace

std::string DefaultWmsSecret() { return WhsecOf("ordo-sim-wms-secret"); }

Wms::Wms(Chaos& chaos, Delayer& delayer, Peer callback)
    : chaos_(chaos),
      delayer_(delayer),
      callback_(std::move(callback)),
      steps_([this](std::string wms_order_id) { Step(wms_order_id); }) {
  if (callback_.secret.empty()) callback_.secret = DefaultWmsSecret();
  for (int i = 0; i < kCallbackSenders; ++i)
    outboxes_.push_back(std::make_unique<TimedQueue<Callback>>([this](Callback c) { Send(std::move(c)); }));
}

TimedQueue<Wms::Callback>& Wms::Outbox(const std::string& wms_order_id) {
  return *outboxes_[std::hash<std::string>{}(wms_order_id) % outboxes_.size()];
}

Wms::~Wms() { Stop(); }

void Wms::Register(http::Router& router) {
  router.Add("POST", "/wms/v1/orders", [this](http::Request& r, http::Respond respond) {
    {
      std::lock_guard lock(mu_);
      ++stats_.pushes_received;
    }
    Write(r, std::move(respond), &Wms::DoPush, &Stats::pushes_failed);
  });
  router.Add("POST", "/wms/v1/orders/{order_id}/cancel", [this](http::Request& r, http::Respond respond) {
    Write(r, std::move(respond), &Wms::DoCancel, &Stats::cancels_failed);
  });
  router.Add("GET", "/wms/v1/orders/{order_id}", [this](http::Request& r, http::Respond respond) {
    std::lock_guard lock(mu_);
    const Order* order = Find(r.params.at("order_id"));
    if (!order) return respond(Problem(Error::NotFound("no order " + r.params.at("order_id") + " in the WMS"), r));
    respond(Json(200, ToJson(*order)));
  });
  router.Add("GET", "/wms/v1/orders", [this](http::Request& r, http::Respond respond) {
    auto page = ParsePage(r);
    if (!page) return respond(Problem(page.error(), r));
    std::lock_guard lock(mu_);
    respond(Json(200, PageOf(orders_, *page, [](const Order& o) { return ToJson(o); })));
  });
  router.Add("GET", "/wms/v1/stats", [this](http::Request&, http::Respond respond) { respond(Json(200, StatsJson())); });
  RegisterPeerConfig(router, "/wms/v1/config", "callback_url", mu_, callback_);
}

void Wms::Start() {
  steps_.Start();
  for (auto& outbox : outboxes_) outbox->Start();
}

void Wms::Stop() {
  steps_.Stop();
  for (auto& outbox : outboxes_) outbox->Stop();
}

namespace {
// "wms-fail-<n>" in an external_id: its first n pushes fail (test values, wms.h).
int ForcedFailures(const std::string& external_id) {
  constexpr std::string_view kMark = "wms-fail-";
  auto at = external_id.find(kMark);
  if (at == std::string::npos) return 0;
  int n = 0;
  for (std::size_t i = at + kMark.size(); i < external_id.size() && std::isdigit(static_cast<unsigned char>(external_id[i])) && n < 100; ++i)
    n = n * 10 + (external_id[i] - '0');
  return n;
}
}  // namespace

void Wms::Reset() {
  std::lock_guard lock(mu_);
  orders_.clear();
  by_order_id_.clear();
  by_wms_id_.clear();
  keys_.clear();
  held_.clear();
  forced_failures_.clear();
  stats_ = {};
  steps_.Clear();
  for (auto& outbox : outboxes_) outbox->Clear();
}

Peer Wms::callback() const {
  std::lock_guard lock(mu_);
  return callback_;
}

void Wms::Write(const http::Request& request, http::Respond respond, http::Response (Wms::*apply)(const http::Request&),
                std::int64_t Stats::*failed) {
  const Knobs knobs = chaos_.Get();
  int delay_ms = knobs.latency_ms;
  http::Response response;
  if (chaos_.Roll(knobs.wms_failure_pct)) {
    response = Problem(Error::Unavailable("simulated WMS outage; nothing was stored"), request);
  } else if (chaos_.Roll(knobs.hang_pct)) {
    response = Problem(504, "timeout", "The WMS did not answer in time", "simulated WMS hang; nothing was stored", request);
    delay_ms += knobs.hang_ms;
  } else {
    response = (this->*apply)(request);
  }
  if (response.status == 503 || response.status == 504) {
    std::lock_guard lock(mu_);
    ++(stats_.*failed);
  }
  delayer_.After(delay_ms, std::move(response), std::move(respond));
}

http::Response Wms::DoPush(const http::Request& request) {
  auto refuse = [&](const Error& error) {
    std::lock_guard lock(mu_);
    ++stats_.pushes_rejected;
    return Problem(error, request);
  };
  const std::string key(request.Header("idempotency-key"));
  if (key.size() > kMaxKey) return refuse(Error::Invalid("", "the Idempotency-Key is longer than 255 characters"));
  auto body = ParseObject(request.body);
  if (!body) return refuse(body.error());
  if (auto s = OnlyFields(*body, {"order_id", "external_id", "warehouse", "ship_to", "lines"}); !s)
    return refuse(s.error());
  auto order_id = Text(*body, "order_id");
  if (!order_id) return refuse(order_id.error());
  auto external_id = OptionalText(*body, "external_id");
  if (!external_id) return refuse(external_id.error());
  auto warehouse = Text(*body, "warehouse");
  if (!warehouse) return refuse(warehouse.error());
  if (auto s = CheckShipTo(*body); !s) return refuse(s.error());
  if (auto s = CheckLines(*body); !s) return refuse(s.error());

  std::lock_guard lock(mu_);
  if (int n = ForcedFailures(*external_id); n > 0) {
    int& failed = forced_failures_[*order_id];
    if (failed < n) {
      ++failed;
      return Problem(Error::Unavailable("simulated WMS outage: this order's external_id asks for its first " +
                                        std::to_string(n) + " pushes to fail; nothing was stored"),
                     request);
    }
  }
  if (auto used = keys_.find(key); !key.empty() && used != keys_.end() && used->second != *order_id) {
    ++stats_.pushes_rejected;
    return Problem({Code::kInvalidArgument, "idempotency-key-reused",
                    "this Idempotency-Key was used for order " + used->second, {}, {}},
                   request);
  }
  if (!key.empty()) keys_[key] = *order_id;
  if (const Order* existing = Find(*order_id)) {
    ++stats_.pushes_duplicate;
    http::Response replay = Json(
        200, {{"wms_order_id", existing->wms_order_id}, {"status", "accepted"}, {"order_status", existing->status}});
    replay.headers.emplace_back("Idempotent-Replayed", "true");
    return replay;
  }
  Order o;
  o.created_at = o.updated_at = clock_.Now();
  o.order_id = *order_id;
  o.wms_order_id = ids_.Next("wms", o.created_at);
  o.external_id = *external_id;
  o.warehouse = *warehouse;
  o.status = kSteps[0];
  by_order_id_[o.order_id] = orders_.size();
  by_wms_id_[o.wms_order_id] = orders_.size();
  orders_.push_back(o);
  ++stats_.pushes_accepted;
  steps_.Add(TimedQueue<std::string>::Clock::now() + std::chrono::milliseconds(chaos_.Get().wms_step_ms),
             o.wms_order_id);
  return Json(201, {{"wms_order_id", o.wms_order_id}, {"status", "accepted"}, {"order_status", o.status}});
}

http::Response Wms::DoCancel(const http::Request& request) {
  auto body = ParseObject(request.body);
  if (!body) return Problem(body.error(), request);
  if (auto s = OnlyFields(*body, {"reason"}); !s) return Problem(s.error(), request);
  if (auto reason = OptionalText(*body, "reason"); !reason) return Problem(reason.error(), request);
  const std::string& id = request.params.at("order_id");
  std::lock_guard lock(mu_);
  Order* o = Find(id);
  if (!o) return Problem(Error::NotFound("no order " + id + " in the WMS"), request);
  if (Shipped(o->status))
    return Problem(Error::Precondition("already-shipped", "order " + id + " is " + o->status + "; too late to cancel"),
                   request);
  if (o->status != "cancelled") {
    o->status = "cancelled";
    o->updated_at = clock_.Now();
    ++stats_.cancels;
    Emit(*o);  // the step still queued finds it cancelled and does nothing
  }
  return Json(200, ToJson(*o));
}

void Wms::Step(const std::string& wms_order_id) {
  std::lock_guard lock(mu_);
  auto it = by_wms_id_.find(wms_order_id);
  if (it == by_wms_id_.end()) return;  // forgotten by a Reset
  Order& o = orders_[it->second];
  const char* next = NextStep(o.status);
  if (!next) return;
  o.status = next;
  o.updated_at = clock_.Now();
  if (o.status == "shipped") {
    const Carrier& carrier = kCarriers[shipments_ % std::size(kCarriers)];
    char tracking[40];
    std::snprintf(tracking, sizeof tracking, "%s%010llu", carrier.prefix,
                  static_cast<unsigned long long>(++shipments_));
    o.carrier = carrier.name;
    o.tracking = tracking;
  }
  Emit(o);
  if (NextStep(o.status))
    steps_.Add(TimedQueue<std::string>::Clock::now() + std::chrono::milliseconds(chaos_.Get().wms_step_ms),
               wms_order_id);
}

void Wms::Emit(const Order& o) {
  json body = {{"event_id", ids_.Next("wmsevt", o.updated_at)},
               {"order_id", o.order_id},
               {"wms_order_id", o.wms_order_id},
               {"status", o.status},
               {"occurred_at", FormatTimestamp(o.updated_at)}};
  if (!o.carrier.empty()) body["carrier"] = o.carrier;
  if (!o.tracking.empty()) body["tracking"] = o.tracking;
  if (callback_.url.empty()) {
    ++stats_.callbacks_unsent;
    return;
  }
  const Knobs knobs = chaos_.Get();
  Callback callback{o.wms_order_id, body["event_id"], body.dump(), 1};
  std::vector<Callback> copies;
  const bool dropped_by_test_value = o.external_id.find("drop-callbacks") != std::string::npos &&
                                     (o.status == "shipped" || o.status == "delivered");
  if (dropped_by_test_value || chaos_.Roll(knobs.callback_drop_pct)) {
    ++stats_.callbacks_dropped;
  } else {
    copies.push_back(callback);
    if (chaos_.Roll(knobs.callback_duplicate_pct)) {
      ++stats_.callbacks_duplicated;
      copies.push_back(callback);  // the same event_id
    }
  }
  // A callback held back goes right after this one; this one is held back
  // only when none is, and never the last (nothing would follow it).
  auto held = held_.extract(o.wms_order_id);
  if (!copies.empty() && held.empty() && NextStep(o.status) && chaos_.Roll(knobs.callback_reorder_pct)) {
    ++stats_.callbacks_reordered;
    held_.emplace(o.wms_order_id, std::move(copies));
    return;
  }
  if (!held.empty()) copies.insert(copies.end(), held.mapped().begin(), held.mapped().end());
  for (Callback& c : copies) Outbox(o.wms_order_id).Add(TimedQueue<Callback>::Clock::now(), std::move(c));
}

void Wms::Send(Callback callback) {
  const Peer peer = this->callback();
  if (peer.url.empty()) {
    std::lock_guard lock(mu_);
    ++stats_.callbacks_unsent;
    return;
  }
  integrations::HttpResponse response = PostSigned(peer, callback.event_id, callback.body);
  std::lock_guard lock(mu_);
  if (Succeeded(response)) {
    ++stats_.callbacks_sent;
    return;
  }
  ++stats_.callback_attempts_failed;
  if (callback.attempt >= kAttempts) {
    ++stats_.callbacks_failed;
    return;
  }
  const int wait_ms = BackoffMs(callback.attempt);
  ++callback.attempt;
  TimedQueue<Callback>& outbox = Outbox(callback.wms_order_id);
  outbox.Add(TimedQueue<Callback>::Clock::now() + std::chrono::milliseconds(wait_ms), std::move(callback));
}

Wms::Order* Wms::Find(const std::string& order_id) {
  auto it = by_order_id_.find(order_id);
  return it == by_order_id_.end() ? nullptr : &orders_[it->second];
}

json Wms::ToJson(const Order& o) {
  json out = {{"order_id", o.order_id},
              {"wms_order_id", o.wms_order_id},
              {"warehouse", o.warehouse},
              {"status", o.status},
              {"created_at", FormatTimestamp(o.created_at)},
              {"updated_at", FormatTimestamp(o.updated_at)}};
  if (!o.external_id.empty()) out["external_id"] = o.external_id;
  if (!o.carrier.empty()) out["carrier"] = o.carrier;
  if (!o.tracking.empty()) out["tracking"] = o.tracking;
  return out;
}

json Wms::StatsJson() const {
  std::lock_guard lock(mu_);
  const Stats& s = stats_;
  std::size_t held = 0, pending = 0;
  for (const auto& [id, copies] : held_) held += copies.size();
  for (const auto& outbox : outboxes_) pending += outbox->size();
  return {{"orders", orders_.size()},
          {"pushes_received", s.pushes_received},
          {"pushes_accepted", s.pushes_accepted},
          {"pushes_duplicate", s.pushes_duplicate},
          {"pushes_rejected", s.pushes_rejected},
          {"pushes_failed", s.pushes_failed},
          {"cancels", s.cancels},
          {"cancels_failed", s.cancels_failed},
          {"callbacks_sent", s.callbacks_sent},
          {"callbacks_failed", s.callbacks_failed},
          {"callback_attempts_failed", s.callback_attempts_failed},
          {"callbacks_dropped", s.callbacks_dropped},
          {"callbacks_duplicated", s.callbacks_duplicated},
          {"callbacks_reordered", s.callbacks_reordered},
          {"callbacks_unsent", s.callbacks_unsent},
          {"callbacks_pending", pending + held}};
}

}  // namespace ordo::sim
