// The SQL of an order list (ReadView::ListOrders), shared by the adapters so
// that both filter alike. Only the filters that are set become conditions, so
// each one can use its index (a `(? = '' OR col = ?)` term would make every
// list a scan in id order); each distinct statement text is prepared once.
#pragma once

#include <string>
#include <vector>

#include "store/store.h"

namespace ordo::store {

enum class Dialect { kSqlite, kPostgres };

struct OrderListSql {
  const char* sql = nullptr;        // interned: stable for the process (statement caches key on it)
  std::vector<std::string> params;  // $1 … $n, text; then $n+1 is the row limit (an integer)
};

// The columns it selects, in this order (each adapter's OrderRow reads them).
inline constexpr const char* kOrderListColumns =
    "id, external_id, channel, customer_id, currency, status, total_minor, created_at, updated_at, expires_at,"
    " version, body";

// A statement text that lives as long as the process, the same pointer for
// the same text: what the adapters' statement caches key on, for SQL built at
// run time.
const char* InternSql(std::string sql);

// `locations`: the location ids as the dialect takes a list in one parameter
// (SQLite: a JSON array, PostgreSQL: a text[] literal).
OrderListSql BuildOrderList(const OrderFilter& filter, Dialect dialect, std::string locations);

}  // namespace ordo::store
