#include "store/order_list.h"

#include <mutex>
#include <unordered_set>

#include "domain/order/order.h"

namespace ordo::store {

const char* InternSql(std::string sql) {
  static std::mutex mu;
  static std::unordered_set<std::string> texts;  // nodes never move: c_str() stays valid
  std::lock_guard lock(mu);
  return texts.insert(std::move(sql)).first->c_str();
}

OrderListSql BuildOrderList(const OrderFilter& f, Dialect dialect, std::string locations) {
  OrderListSql out;
  std::string sql = std::string("SELECT ") + kOrderListColumns + " FROM orders WHERE true";
  auto placeholder = [&](std::size_t n) { return (dialect == Dialect::kSqlite ? "?" : "$") + std::to_string(n); };
  auto param = [&](std::string value) {
    out.params.push_back(std::move(value));
    return placeholder(out.params.size());
  };
  if (!f.status.empty()) sql += " AND status = " + param(f.status);
  // The partial indexes leave out '' (and 'none'): saying so lets the planner use them.
  if (!f.customer_id.empty()) sql += " AND customer_id = " + param(f.customer_id) + " AND customer_id <> ''";
  if (!f.external_id.empty()) sql += " AND external_id = " + param(f.external_id) + " AND external_id <> ''";
  if (!f.wms_state.empty()) {
    sql += " AND wms_state = " + param(f.wms_state);
    if (f.wms_state != domain::wms_state::kNone) sql += " AND wms_state <> 'none'";
  }
  if (!f.page.cursor.empty()) sql += " AND id < " + param(f.page.cursor);
  if (!f.location_ids.empty()) {
    std::string p = param(std::move(locations));
    sql += " AND EXISTS (SELECT 1 FROM reservations r WHERE r.order_id = orders.id AND r.location_id ";
    sql += dialect == Dialect::kSqlite ? "IN (SELECT value FROM json_each(" + p + ")))" : "= ANY (" + p + "::text[]))";
  }
  sql += " ORDER BY id DESC LIMIT " + placeholder(out.params.size() + 1);
  out.sql = InternSql(std::move(sql));
  return out;
}

}  // namespace ordo::store
