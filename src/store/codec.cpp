#include "store/codec.h"

#include <nlohmann/json.hpp>

#include "base/json_writer.h"

namespace ordo::store {

using nlohmann::json;

std::string EncodeOrderBody(const domain::Order& o) {
  JsonWriter w;
  w.BeginObject().Key("lines").BeginArray();
  for (const auto& l : o.lines) {
    w.BeginObject()
        .Key("sku").String(l.sku)
        .Key("name").String(l.name)
        .Key("quantity").Int(l.quantity)
        .Key("unit_price_minor").Int(l.unit_price_minor)
        .Key("total_minor").Int(l.total_minor);
    if (l.refunded_quantity) w.Key("refunded_quantity").Int(l.refunded_quantity);
    w.EndObject();
  }
  w.EndArray();
  const auto& a = o.shipping_address;
  w.Key("shipping_address").BeginObject()
      .Key("name").String(a.name)
      .Key("line1").String(a.line1)
      .Key("line2").String(a.line2)
      .Key("city").String(a.city)
      .Key("region").String(a.region)
      .Key("postal_code").String(a.postal_code)
      .Key("country").String(a.country);
  if (!a.phone.empty()) w.Key("phone").String(a.phone);
  if (a.lat) w.Key("lat").Double(*a.lat);
  if (a.lng) w.Key("lng").Double(*a.lng);
  w.EndObject();
  w.Key("ship_to").BeginObject().Key("lat").Double(o.ship_to.lat).Key("lng").Double(o.ship_to.lng).EndObject();
  w.Key("allocations").BeginArray();
  for (const auto& al : o.allocations) {
    w.BeginObject().Key("location_id").String(al.location_id).Key("distance_km").Double(al.distance_km);
    w.Key("lines").BeginArray();
    for (const auto& l : al.lines) w.BeginObject().Key("sku").String(l.sku).Key("quantity").Int(l.quantity).EndObject();
    w.EndArray().EndObject();
  }
  w.EndArray();
  // Lifecycle: written only once there is something to say (a new order has
  // none of it, and the placement path stays as short as it was); absent
  // fields decode to their defaults.
  if (o.payment_status != domain::payment_status::kNone || !o.payment_id.empty())
    w.Key("payment").BeginObject()
        .Key("status").String(o.payment_status)
        .Key("id").String(o.payment_id)
        .Key("authorized_minor").Int(o.authorized_minor)
        .Key("captured_minor").Int(o.captured_minor)
        .Key("refunded_minor").Int(o.refunded_minor)
        .Key("refund_pending_minor").Int(o.refund_pending_minor)
        .EndObject();
  if (!o.carrier.empty()) w.Key("carrier").String(o.carrier);
  if (!o.tracking.empty()) w.Key("tracking").String(o.tracking);
  if (!o.cancel_reason.empty()) w.Key("cancel_reason").String(o.cancel_reason);
  if (!o.organization_id.empty()) w.Key("organization_id").String(o.organization_id);
  if (o.wms.state != domain::wms_state::kNone)
    w.Key("wms").BeginObject()
        .Key("state").String(o.wms.state)
        .Key("order_id").String(o.wms.order_id)
        .Key("status").String(o.wms.status)
        .EndObject();
  w.EndObject();
  return w.Take();
}

Status DecodeOrderBody(const std::string& text, domain::Order& o) {
  json body = json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return Error::Internal("stored order body is not JSON");
  try {
    o.lines.clear();
    for (const auto& l : body.at("lines"))
      o.lines.push_back({l.at("sku"), l.at("name"), l.at("quantity"), l.at("unit_price_minor"), l.at("total_minor"),
                         l.value("refunded_quantity", std::int64_t{0})});
    const auto& a = body.at("shipping_address");
    auto& sa = o.shipping_address;
    sa.name = a.at("name");
    sa.line1 = a.at("line1");
    sa.line2 = a.value("line2", "");
    sa.city = a.at("city");
    sa.region = a.value("region", "");
    sa.postal_code = a.value("postal_code", "");
    sa.country = a.at("country");
    sa.phone = a.value("phone", "");
    if (a.contains("lat")) sa.lat = a["lat"].get<double>();
    if (a.contains("lng")) sa.lng = a["lng"].get<double>();
    o.ship_to = {body.at("ship_to").at("lat"), body.at("ship_to").at("lng")};
    o.allocations.clear();
    for (const auto& al : body.at("allocations")) {
      domain::Allocation x{al.at("location_id"), al.at("distance_km"), {}};
      for (const auto& l : al.at("lines")) x.lines.push_back({l.at("sku"), l.at("quantity")});
      o.allocations.push_back(std::move(x));
    }
    if (auto p = body.find("payment"); p != body.end()) {
      o.payment_status = p->value("status", domain::payment_status::kNone);
      o.payment_id = p->value("id", "");
      o.authorized_minor = p->value("authorized_minor", std::int64_t{0});
      o.captured_minor = p->value("captured_minor", std::int64_t{0});
      o.refunded_minor = p->value("refunded_minor", std::int64_t{0});
      o.refund_pending_minor = p->value("refund_pending_minor", std::int64_t{0});
    }
    o.carrier = body.value("carrier", "");
    o.tracking = body.value("tracking", "");
    o.cancel_reason = body.value("cancel_reason", "");
    o.organization_id = body.value("organization_id", "");
    if (auto w = body.find("wms"); w != body.end()) {
      o.wms.state = w->value("state", domain::wms_state::kNone);
      o.wms.order_id = w->value("order_id", "");
      o.wms.status = w->value("status", "");
    }
  } catch (const json::exception&) {
    return Error::Internal("stored order body has an unexpected shape");
  }
  return Ok();
}

std::string EncodeWorkflow(const domain::Workflow& wf) {
  JsonWriter w;
  w.BeginObject().Key("version").Int(wf.version).Key("initial").String(wf.initial).Key("statuses").BeginArray();
  for (const auto& st : wf.statuses) {
    w.BeginObject().Key("name").String(st.name).Key("label").String(st.label).Key("effect").String(
        domain::ToString(st.effect));
    w.Key("actions").BeginArray();
    for (const auto& a : st.actions) w.String(a);
    w.EndArray().EndObject();
  }
  w.EndArray().Key("transitions").BeginArray();
  for (const auto& [from, to] : wf.transitions) w.BeginArray().String(from).String(to).EndArray();
  w.EndArray().EndObject();
  return w.Take();
}

Result<domain::Workflow> DecodeWorkflow(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Error::Invalid("", "the body is not valid JSON");
  if (!j.is_object()) return Error::Invalid("", "the workflow must be a JSON object");
  for (const auto& [key, value] : j.items())
    if (key != "version" && key != "initial" && key != "statuses" && key != "transitions")
      return Error::Invalid("/" + key, "unknown field " + key);
  domain::Workflow wf;
  wf.statuses.clear();
  wf.transitions.clear();
  if (j.contains("version")) {
    if (!j["version"].is_number_integer()) return Error::Invalid("/version", "must be an integer");
    wf.version = j["version"].get<std::int64_t>();
  }
  if (j.contains("initial")) {
    if (!j["initial"].is_string()) return Error::Invalid("/initial", "must be a string");
    wf.initial = j["initial"].get<std::string>();
  }
  if (!j.contains("statuses") || !j["statuses"].is_array()) return Error::Invalid("/statuses", "must be an array");
  if (j["statuses"].size() > domain::kMaxWorkflowStatuses)
    return Error::Invalid("/statuses", "at most " + std::to_string(domain::kMaxWorkflowStatuses) + " statuses");
  for (std::size_t i = 0; i < j["statuses"].size(); ++i) {
    const json& s = j["statuses"][i];
    std::string at = "/statuses/" + std::to_string(i);
    if (!s.is_object()) return Error::Invalid(at, "must be an object");
    for (const auto& [key, value] : s.items())
      if (key != "name" && key != "label" && key != "effect" && key != "actions")
        return Error::Invalid(at + "/" + key, "unknown field " + key);
    domain::StatusDef d;
    if (!s.contains("name") || !s["name"].is_string()) return Error::Invalid(at + "/name", "must be a string");
    d.name = s["name"].get<std::string>();
    if (s.contains("label")) {
      if (!s["label"].is_string()) return Error::Invalid(at + "/label", "must be a string");
      d.label = s["label"].get<std::string>();
    }
    if (s.contains("effect")) {
      if (!s["effect"].is_string() || !domain::ParseEffect(s["effect"].get<std::string>(), &d.effect))
        return Error::Invalid(at + "/effect", "must be one of none, confirm, pay, ship, deliver, cancel, fail, expire");
    }
    if (s.contains("actions")) {
      if (!s["actions"].is_array()) return Error::Invalid(at + "/actions", "must be an array");
      if (s["actions"].size() > domain::kMaxStatusActions)
        return Error::Invalid(at + "/actions", "at most " + std::to_string(domain::kMaxStatusActions) + " actions");
      for (std::size_t k = 0; k < s["actions"].size(); ++k) {
        if (!s["actions"][k].is_string())
          return Error::Invalid(at + "/actions/" + std::to_string(k), "must be a string");
        d.actions.push_back(s["actions"][k].get<std::string>());
      }
    }
    wf.statuses.push_back(std::move(d));
  }
  if (!j.contains("transitions") || !j["transitions"].is_array())
    return Error::Invalid("/transitions", "must be an array of [from, to] pairs");
  if (j["transitions"].size() > domain::kMaxWorkflowTransitions)
    return Error::Invalid("/transitions",
                          "at most " + std::to_string(domain::kMaxWorkflowTransitions) + " transitions");
  for (std::size_t i = 0; i < j["transitions"].size(); ++i) {
    const json& t = j["transitions"][i];
    std::string at = "/transitions/" + std::to_string(i);
    if (t.is_array() && t.size() == 2 && t[0].is_string() && t[1].is_string()) {
      wf.transitions.emplace_back(t[0].get<std::string>(), t[1].get<std::string>());
    } else if (t.is_object() && t.contains("from") && t.contains("to") && t["from"].is_string() &&
               t["to"].is_string()) {
      wf.transitions.emplace_back(t["from"].get<std::string>(), t["to"].get<std::string>());
    } else {
      return Error::Invalid(at, "must be [from, to] (or {from, to}) with status names");
    }
  }
  return wf;
}

std::string EncodeEventData(const domain::Event& event, std::string_view actor) {
  return EncodeValues(event.data, actor);
}

std::string EncodeValues(const std::vector<std::pair<std::string, domain::EventValue>>& values,
                         std::string_view actor) {
  JsonWriter w;
  w.BeginObject();
  bool has_actor = false;
  for (const auto& [key, value] : values) {
    has_actor = has_actor || key == "actor";
    w.Key(key);
    if (auto* i = std::get_if<std::int64_t>(&value)) w.Int(*i);
    else if (auto* b = std::get_if<bool>(&value)) w.Bool(*b);
    else w.String(std::get<std::string>(value));
  }
  if (!actor.empty() && !has_actor) w.Key("actor").String(actor);
  w.EndObject();
  return w.Take();
}

}  // namespace ordo::store

namespace ordo::store {

std::vector<std::pair<std::string, domain::EventValue>> DecodeValues(const std::string& text) {
  std::vector<std::pair<std::string, domain::EventValue>> out;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) {
    if (v.is_boolean()) out.emplace_back(k, v.get<bool>());
    else if (v.is_number_integer()) out.emplace_back(k, v.get<std::int64_t>());
    else if (v.is_string()) out.emplace_back(k, v.get<std::string>());
  }
  return out;
}

}  // namespace ordo::store

namespace ordo::store {

std::string EncodeSubscriptions(const std::vector<domain::Subscription>& subscriptions) {
  json list = json::array();
  for (const auto& s : subscriptions)
    list.push_back({{"id", s.id},
                    {"url", s.url},
                    {"event_types", s.event_types},
                    {"secret", s.secret},
                    {"description", s.description},
                    {"active", s.active},
                    {"created_at", s.created_at}});
  return json{{"subscriptions", list}}.dump();
}

Result<std::vector<domain::Subscription>> DecodeSubscriptions(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("subscriptions") || !j["subscriptions"].is_array())
    return Error::Internal("stored webhook subscriptions are not a document of subscriptions");
  std::vector<domain::Subscription> out;
  try {
    for (const auto& s : j["subscriptions"])
      out.push_back({s.at("id"), s.at("url"), s.at("event_types").get<std::vector<std::string>>(), s.at("secret"),
                     s.value("description", ""), s.value("active", true), s.value("created_at", std::int64_t{0})});
  } catch (const json::exception&) {
    return Error::Internal("stored webhook subscriptions have an unexpected shape");
  }
  return out;
}

}  // namespace ordo::store
