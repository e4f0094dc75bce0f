#include "jobs/wms_handler.h"

#include <nlohmann/json.hpp>

#include "integrations/http_client.h"

namespace ordo::jobs {

using nlohmann::json;
using OK = CallOutcome::Kind;

Result<std::string> WmsOrderBody(const domain::Order& o) {
  if (o.allocations.size() != 1)
    return Error::Precondition("not-one-warehouse", "order " + o.id + " is allocated to " +
                                                        std::to_string(o.allocations.size()) +
                                                        " locations; the WMS ships an order from one warehouse");
  const domain::Address& a = o.shipping_address;
  json ship_to = {{"name", a.name}, {"line1", a.line1}, {"city", a.city}, {"postal_code", a.postal_code},
                  {"country", a.country}};
  if (!a.phone.empty()) ship_to["phone"] = a.phone;
  json lines = json::array();
  for (const auto& line : o.allocations[0].lines) lines.push_back({{"sku", line.sku}, {"quantity", line.quantity}});
  json body = {{"order_id", o.id}, {"warehouse", o.allocations[0].location_id}, {"ship_to", ship_to}, {"lines", lines}};
  if (!o.external_id.empty()) body["external_id"] = o.external_id;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

CallOutcome PushToWms(const domain::Order& order, const store::Job& job, const WmsOptions& options) {
  std::string warehouse = order.allocations.empty() ? "" : order.allocations[0].location_id;
  auto with_warehouse = [&](CallOutcome o) {
    o.data.emplace_back("warehouse", warehouse);
    return o;
  };
  auto body = WmsOrderBody(order);
  if (!body) return with_warehouse({OK::kPermanent, 0, body.error().message, {}});
  integrations::HttpResponse res = integrations::Send(
      {"POST", options.base_url + "/wms/v1/orders", {{"Idempotency-Key", job.key()}}, *body, options.timeout_ms, {}});
  if (res.status >= 200 && res.status < 300) {
    json answer = json::parse(res.body, nullptr, false);
    if (!answer.is_object() || !answer.contains("wms_order_id") || !answer["wms_order_id"].is_string())
      // It may have taken the order: the retry's key replays what it did.
      return with_warehouse({OK::kTransient, res.status, "the WMS answered " + std::to_string(res.status) +
                                                             " without a wms_order_id", {}});
    CallOutcome ok{OK::kOk, res.status, "", {{"wms_order_id", answer["wms_order_id"].get<std::string>()}}};
    return with_warehouse(std::move(ok));
  }
  if (res.status >= 400 && res.status < 500 && res.status != 408 && res.status != 429)
    return with_warehouse({OK::kPermanent, res.status, "the WMS refused the order: " + res.body.substr(0, 300), {}});
  return with_warehouse(
      {OK::kTransient, res.status, res.status ? "the WMS answered " + std::to_string(res.status) : res.error, {}});
}

void RegisterWmsHandler(Runner& runner, engine::Engine& engine, WmsOptions options) {
  runner.Register(domain::action::kWmsPush, "wms", [&engine, options](const store::Job& job) -> CallOutcome {
    auto view = engine.Read();
    if (!view) return {OK::kTransient, 0, view.error().message, {}};
    auto order = (*view)->GetOrder(job.order_id);
    if (!order) return {OK::kTransient, 0, order.error().message, {}};
    if (!*order) return {OK::kPermanent, 0, "no order " + job.order_id, {}};
    return PushToWms(**order, job, options);
  });
}

}  // namespace ordo::jobs
