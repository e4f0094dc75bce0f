#include "domain/order/order.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "base/money.h"
#include "base/text.h"

namespace ordo::domain {
namespace {

Status CheckText(const std::string& value, const char* pointer, std::size_t max, bool required) {
  if (required && value.empty()) return Error::Invalid(pointer, std::string(pointer) + " is required");
  if (!IsCleanText(value, max))
    return Error::Invalid(pointer, std::string(pointer) + " must be at most " + std::to_string(max) +
                                       " characters of printable text");
  return Ok();
}

Status ValidateAddress(const Address& a) {
  if (auto s = CheckText(a.name, "/shipping_address/name", 200, true); !s) return s;
  if (auto s = CheckText(a.line1, "/shipping_address/line1", 200, true); !s) return s;
  if (auto s = CheckText(a.line2, "/shipping_address/line2", 200, false); !s) return s;
  if (auto s = CheckText(a.city, "/shipping_address/city", 100, true); !s) return s;
  if (auto s = CheckText(a.region, "/shipping_address/region", 100, false); !s) return s;
  if (auto s = CheckText(a.postal_code, "/shipping_address/postal_code", 20, false); !s) return s;
  if (auto s = CheckText(a.phone, "/shipping_address/phone", 32, false); !s) return s;
  if (a.country.size() != 2 || !std::isupper(static_cast<unsigned char>(a.country[0])) ||
      !std::isupper(static_cast<unsigned char>(a.country[1])))
    return Error::Invalid("/shipping_address/country", "country must be an ISO 3166-1 alpha-2 code such as DE");
  if (a.lat.has_value() != a.lng.has_value())
    return Error::Invalid(a.lat ? "/shipping_address/lng" : "/shipping_address/lat",
                          "lat and lng come together or not at all");
  if (a.lat && (!std::isfinite(*a.lat) || *a.lat < -90 || *a.lat > 90))
    return Error::Invalid("/shipping_address/lat", "lat must be between -90 and 90");
  if (a.lng && (!std::isfinite(*a.lng) || *a.lng < -180 || *a.lng > 180))
    return Error::Invalid("/shipping_address/lng", "lng must be between -180 and 180");
  return Ok();
}

std::string LinePointer(std::size_t i, const char* field) {
  return "/lines/" + std::to_string(i) + "/" + field;
}

}  // namespace

Status ValidateOrderRequest(const OrderRequest& r) {
  if (!r.external_id.empty() && !IsIdentifier(r.external_id, 128))
    return Error::Invalid("/external_id", "external_id must be 1-128 characters of [A-Za-z0-9._:-]");
  if (!r.channel.empty() && !IsIdentifier(r.channel, 64))
    return Error::Invalid("/channel", "channel must be 1-64 characters of [A-Za-z0-9._:-]");
  if (!r.customer_id.empty() && !IsIdentifier(r.customer_id, 128))
    return Error::Invalid("/customer_id", "customer_id must be 1-128 characters of [A-Za-z0-9._:-]");
  if (!IsCurrencyCode(r.currency))
    return Error::Invalid("/currency", "currency must be an ISO 4217 code such as USD");
  if (r.lines.empty()) return Error::Invalid("/lines", "an order needs at least one line");
  if (r.lines.size() > kMaxOrderLines) return Error::Invalid("/lines", "an order has at most 100 lines");
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < r.lines.size(); ++i) {
    const RequestedLine& line = r.lines[i];
    if (!IsSku(line.sku)) return Error::Invalid(LinePointer(i, "sku"), "sku must be 1-64 characters of [A-Za-z0-9._:-]");
    if (!seen.insert(line.sku).second)
      return Error::Invalid(LinePointer(i, "sku"), "sku " + line.sku + " appears on more than one line");
    if (line.quantity < 1 || line.quantity > kMaxLineQuantity)
      return Error::Invalid(LinePointer(i, "quantity"), "quantity must be a whole number from 1 to 1000000");
  }
  return ValidateAddress(r.shipping_address);
}

Result<Placement> PlaceOrder(const OrderRequest& request, std::string order_id, const PlaceContext& ctx) {
  Placement p;
  Order& o = p.order;
  o.id = std::move(order_id);
  o.external_id = request.external_id;
  o.channel = request.channel;
  o.customer_id = request.customer_id;
  o.currency = request.currency;
  o.shipping_address = request.shipping_address;
  o.ship_to = ctx.ship_to;
  o.status = ctx.initial_status;
  o.created_at = o.updated_at = ctx.now;
  o.reservation_expires_at = ctx.now + ctx.reservation_ttl_ms;

  std::vector<Demand> demands;
  for (std::size_t i = 0; i < request.lines.size(); ++i) {
    const RequestedLine& line = request.lines[i];
    auto it = ctx.products->find(line.sku);
    if (it == ctx.products->end())
      return Error::Invalid(LinePointer(i, "sku"), "unknown sku " + line.sku);
    const Product& product = it->second;
    if (product.price.currency != request.currency)
      return Error::Invalid("/currency", "sku " + line.sku + " is priced in " + product.price.currency +
                                             ", not " + request.currency);
    auto line_total = CheckedMul(product.price.minor, line.quantity);
    auto total = line_total ? CheckedAdd(o.total_minor, *line_total) : std::nullopt;
    if (!total) return Error::Invalid(LinePointer(i, "quantity"), "the order total is too large");
    o.total_minor = *total;
    o.lines.push_back({line.sku, product.name, line.quantity, product.price.minor, *line_total});
    demands.push_back({line.sku, line.quantity});
  }

  auto allocation = Allocate(demands, ctx.candidates, ctx.ship_to, ctx.policy);
  if (!allocation) return allocation.take_error();
  o.allocations = std::move(allocation.value());

  Event created{"order.created", o.id, {}};
  created.With("total", FormatDecimal(o.total_minor, CurrencyExponent(o.currency)))
      .With("currency", o.currency)
      .With("lines", static_cast<std::int64_t>(o.lines.size()))
      .With("channel", o.channel)
      .With("external_id", o.external_id)
      .With("customer_id", o.customer_id);
  p.change.events.push_back(std::move(created));

  for (const Allocation& a : o.allocations) {
    for (const AllocatedLine& line : a.lines) {
      Reservation r{ctx.next_reservation_id(), o.id, a.location_id, line.sku, line.quantity,
                    ReservationState::kPending, ctx.now, o.reservation_expires_at, 0};
      p.change.deltas.push_back({r.location_id, r.sku, 0, r.quantity});
      Event e{"reservation.created", o.id, {}};
      e.With("reservation_id", r.id)
          .With("location_id", r.location_id)
          .With("sku", r.sku)
          .With("quantity", r.quantity)
          .With("expires_at", r.expires_at);
      p.change.events.push_back(std::move(e));
      p.reservations.push_back(std::move(r));
    }
  }
  return p;
}

bool AmountsElsewhereDidNotDecide(const Order& placed, const std::vector<Location>& locations,
                                  const std::function<bool(const std::string&, const std::string&)>& keeps) {
  if (placed.allocations.size() != 1) return false;
  const std::string& chosen = placed.allocations.front().location_id;
  auto at = std::find_if(locations.begin(), locations.end(), [&](const Location& l) { return l.id == chosen; });
  if (at == locations.end()) return false;
  const double chosen_km = GreatCircleKm(placed.ship_to, {at->lat, at->lng});
  for (const Location& l : locations) {
    if (!l.active || l.id == chosen) continue;
    if (!RanksBefore(GreatCircleKm(placed.ship_to, {l.lat, l.lng}), l.id, chosen_km, chosen)) continue;
    bool could_fill = std::all_of(placed.lines.begin(), placed.lines.end(),
                                  [&](const OrderLine& line) { return keeps(l.id, line.sku); });
    if (could_fill) return false;  // passed over for its amounts
  }
  return true;
}

}  // namespace ordo::domain
