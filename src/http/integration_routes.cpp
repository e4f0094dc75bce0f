// The endpoints other systems call (seed 000): an ERP's orders and the WMS's
// status callbacks. Both are signed Standard-Webhooks style with a secret per
// integration (--erp-secret, --wms-secret) and reachable only with an API key
// of the integration's scope (or as an admin): access.cpp.
//
//   POST /v1/integrations/erp/orders   a Fulfil order → 201 the new order, 200 the order an
//                                      earlier copy made (deduplicated by organizationId + erpOrderId)
//   POST /v1/integrations/wms/events   a status callback → 200 {result: applied | ignored | duplicate}
//
// Checks in this order: the caller (Admit), the secret (503 integration-not-
// configured without one), the signature (401 invalid-signature), the body
// (400/422). Nothing changes before all of them pass.
#include <nlohmann/json.hpp>

#include "http/api.h"
#include "http/integration_io.h"
#include "http/json_io.h"
#include "http/problem.h"
#include "integrations/signature.h"

namespace ordo::http {

bool Api::Verified(const Request& req, const Respond& respond, const std::string& secret,
                   const std::string& integration, const std::string& flag) {
  if (secret.empty()) {
    respond(ProblemResponse(503, "integration-not-configured",
                            "the " + integration + " integration has no signing secret: start ordo serve with " + flag,
                            req));
    return false;
  }
  auto valid = signature::Verify(secret, req.Header(signature::kIdHeader), req.Header(signature::kTimestampHeader),
                                 req.Header(signature::kSignatureHeader), req.body, engine_.clock().Now() / 1000);
  if (!valid) {
    Response r = ErrorResponse({Code::kUnauthenticated, "invalid-signature", valid.error().message, "", {}}, req);
    respond(std::move(r));
    return false;
  }
  return true;
}

void Api::IntegrationRoutes() {
  Route("POST", "/v1/integrations/erp/orders", [this](Request& req, Respond respond) {
    if (!Verified(req, respond, options_.erp_secret, "ERP", "--erp-secret")) return;
    auto body = ParseBody(req.body, false);
    if (!body) return respond(ErrorResponse(body.error(), req));
    auto erp = ParseErpOrder(*body);
    if (!erp) return respond(ErrorResponse(erp.error(), req));
    {
      // Products are never deleted: one known now is known when the order is placed.
      auto view = engine_.Read();
      if (!view) return respond(ErrorResponse(view.error(), req));
      std::vector<std::string> skus;
      for (const auto& line : erp->request.lines) skus.push_back(line.sku);
      auto products = (*view)->GetProducts(skus);
      if (!products) return respond(ErrorResponse(products.error(), req));
      if (auto known = CheckErpProducts(*erp, *products); !known) return respond(ErrorResponse(known.error(), req));
    }
    auto point = engine_.PrepareOrder(erp->request);
    if (!point) return respond(ErrorResponse(ErpPointers(point.take_error()), req));
    Submit(req, std::move(respond), engine::IntakeErpOrder{{std::move(erp->request), *point, {}}, std::move(erp->ref)},
           [](const engine::Outcome& o) {
             Response r;
             r.status = o.created ? 201 : 200;
             r.body = OrderJson(std::get<domain::Order>(o.result.value()));
             return r;
           },
           "/v1/orders/", ErpPointers);
  });
  Route("POST", "/v1/integrations/wms/events", [this](Request& req, Respond respond) {
    if (!Verified(req, respond, options_.wms_secret, "WMS", "--wms-secret")) return;
    auto body = ParseBody(req.body, false);
    if (!body) return respond(ErrorResponse(body.error(), req));
    auto event = ParseWmsEvent(*body);
    if (!event) return respond(ErrorResponse(event.error(), req));
    // Ignored callbacks are answered 200 too: the WMS must stop sending them.
    Submit(req, std::move(respond), std::move(*event), [](const engine::Outcome& o) {
      Response r;
      r.body = Dump(ToJson(std::get<engine::WmsEventResult>(o.result.value())));
      return r;
    });
  });
}

}  // namespace ordo::http
