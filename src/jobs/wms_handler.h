// The push to the warehouse system (jobs of kind "wms.push", integration
// "wms", queued when an order enters a status with the wms.push action): the
// order in the WMS's format (sim/wms.h) is POSTed to {base_url}/wms/v1/orders
// with Idempotency-Key = the job's key (order id + step), so a retried push
// never makes a second WMS order (the WMS also answers a repeated order_id
// with the order it has). 2xx with a wms_order_id is the acknowledgement;
// no answer, an unreadable 2xx, 408, 429 and 5xx are retried with backoff;
// any other 4xx is permanent (the job is dead at once, the order shows why).
// The outcome goes on the order's timeline (domain/order/wms.h).
#pragma once

#include <string>

#include "domain/order/order.h"
#include "engine/engine.h"
#include "jobs/runner.h"

namespace ordo::jobs {

struct WmsOptions {
  std::string base_url;  // e.g. http://127.0.0.1:8090 (the WMS of `ordo sim`)
  long timeout_ms = 5000;
};

void RegisterWmsHandler(Runner& runner, engine::Engine& engine, WmsOptions options);

// The WMS's order for an Ordo order, or kFailedPrecondition when it cannot
// be one: the WMS ships an order from one warehouse, so a split order (or one
// with no allocation) is not pushed (public for tests).
Result<std::string> WmsOrderBody(const domain::Order& order);

// One push of an order (public for tests). `data` carries warehouse (always)
// and wms_order_id (when acknowledged).
CallOutcome PushToWms(const domain::Order& order, const store::Job& job, const WmsOptions& options);

}  // namespace ordo::jobs
