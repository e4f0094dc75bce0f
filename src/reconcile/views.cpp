#include "reconcile/views.h"

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "integrations/http_client.h"

namespace ordo::reconcile {

using nlohmann::json;
namespace rc = domain::reconcile;

namespace {

constexpr int kPage = 200;
constexpr int kMaxPages = 100'000;  // a cursor that never ends is an error, not a hang

// Calls `take` with each item of every page of GET base+path.
Status Pages(const ViewSource& src, const std::string& path, const std::function<Status(const json&)>& take) {
  std::string cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    integrations::HttpRequest req;
    req.url = src.base_url + path + "?limit=" + std::to_string(kPage) + (cursor.empty() ? "" : "&cursor=" + cursor);
    req.timeout_ms = src.timeout_ms;
    if (!src.bearer.empty()) req.headers.emplace_back("Authorization", "Bearer " + src.bearer);
    auto res = integrations::Send(req);
    if (res.status != 200)
      return Error::Unavailable("GET " + req.url + ": " + (res.status ? "HTTP " + std::to_string(res.status) : res.error));
    json body = json::parse(res.body, nullptr, false);
    if (!body.is_object() || !body.contains("items") || !body["items"].is_array())
      return Error::Unavailable("GET " + req.url + ": not a page of items");
    const json items = body["items"];
    for (const json& item : items) {
      if (!item.is_object()) return Error::Unavailable("GET " + req.url + ": an item is not an object");
      if (auto s = take(item); !s) return s;
    }
    if (!body.contains("next_cursor") || !body["next_cursor"].is_string() || items.empty()) return Ok();
    cursor = body["next_cursor"].get<std::string>();
    for (char c : cursor)  // cursors are opaque but must be safe in a query
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.' && c != ':')
        return Error::Unavailable("GET " + req.url + ": a cursor that is not URL-safe");
  }
  return Error::Unavailable("GET " + src.base_url + path + ": more than " + std::to_string(kMaxPages) + " pages");
}

std::string Text(const json& item, const char* key) {
  auto it = item.find(key);
  return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<std::vector<rc::WmsOrder>> FetchWmsView(const ViewSource& src) {
  std::vector<rc::WmsOrder> out;
  auto s = Pages(src, "/wms/v1/orders", [&](const json& item) -> Status {
    rc::WmsOrder o;
    o.order_id = Text(item, "order_id");
    if (o.order_id.empty()) return Error::Unavailable("a WMS order without order_id");
    if (!rc::ParseWmsStatus(Text(item, "status"), &o.status))
      return Error::Unavailable("the WMS order " + o.order_id + " has an unknown status " + Text(item, "status"));
    o.carrier = Text(item, "carrier");
    o.tracking = Text(item, "tracking");
    if (!ParseTimestamp(Text(item, "updated_at"), &o.updated_at)) o.updated_at = 0;
    out.push_back(std::move(o));
    return Ok();
  });
  if (!s) return s.take_error();
  return out;
}

Result<std::vector<rc::ErpOrder>> FetchErpView(const ViewSource& src) {
  std::vector<rc::ErpOrder> out;
  auto s = Pages(src, "/erp/v1/orders", [&](const json& item) -> Status {
    rc::ErpOrder o{Text(item, "erp_order_id"), Text(item, "ordo_order_id"), Text(item, "status")};
    if (o.erp_order_id.empty()) return Error::Unavailable("an ERP order without erp_order_id");
    out.push_back(std::move(o));
    return Ok();
  });
  if (!s) return s.take_error();
  return out;
}

}  // namespace ordo::reconcile
