// The other systems' views of the orders, read over HTTP for reconciliation:
// the WMS's (GET {wms}/wms/v1/orders) and the ERP's (GET {erp}/erp/v1/orders),
// page by page (cursor). Blocking (libcurl): call from the reconciler's thread.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "domain/reconcile/reconcile.h"

namespace ordo::reconcile {

struct ViewSource {
  std::string base_url;  // "" = this view is not read
  std::string bearer;    // Authorization: Bearer …, when the system wants one
  long timeout_ms = 5000;
};

// Every order the WMS holds. An order with a status this code does not know
// is an error (the views would be compared wrongly otherwise).
Result<std::vector<domain::reconcile::WmsOrder>> FetchWmsView(const ViewSource& source);
// Every order the ERP sent, with what it last knew of each.
Result<std::vector<domain::reconcile::ErpOrder>> FetchErpView(const ViewSource& source);

}  // namespace ordo::reconcile
