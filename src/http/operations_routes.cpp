// Operations: reconciliation reports (seed 000) and the demo's tools.
//
//   GET  /v1/reconciliation                the latest report (404 no-reconciliation-yet)
//   GET  /v1/reconciliation/history        summaries, newest first (cursor paging)
//   GET  /v1/reconciliation/history/{id}   one report, with its discrepancies
//   POST /v1/reconciliation/run            runs one now → 201 its report
//   GET|PUT /v1/admin/chaos                the simulator's knobs           ┐ --demo only:
//   POST /v1/admin/demo/orders             orders with failure scenarios   │ 403 demo-mode-only
//   POST /v1/admin/reset                   empties the shop, reloads demo  ┘ otherwise
//
// Reconciliation and the demo tools block (HTTP calls to the other systems,
// commits): they run on the reconciler's thread and on the admin worker,
// never on an io thread, and answer from there.
#include <nlohmann/json.hpp>

#include "http/api.h"
#include "http/json_io.h"
#include "http/problem.h"

namespace ordo::http {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxQueuedAdminTasks = 4;
constexpr int kMaxDemoOrders = 200;

Response RawJson(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

void Api::OperationsRoutes() {
  admin_ = std::make_unique<Worker>(kMaxQueuedAdminTasks);

  Route("GET", "/v1/reconciliation", [this](Request& req, Respond respond) {
    auto view = engine_.Read();
    if (!view) return respond(ErrorResponse(view.error(), req));
    auto latest = (*view)->ListReconciliations({1, ""});
    if (!latest) return respond(ErrorResponse(latest.error(), req));
    if (latest->items.empty())
      return respond(ProblemResponse(404, "no-reconciliation-yet",
                                     "no reconciliation has run yet: POST /v1/reconciliation/run starts one", req));
    respond(RawJson(200, std::move(latest->items.front().body)));
  });
  Route("GET", "/v1/reconciliation/history", [this](Request& req, Respond respond) {
    auto limit = PageLimit(req);
    if (!limit) return respond(ErrorResponse(limit.error(), req));
    auto cursor = QueryFilter(req, "cursor", 64);
    if (!cursor) return respond(ErrorResponse(cursor.error(), req));
    auto view = engine_.Read();
    if (!view) return respond(ErrorResponse(view.error(), req));
    auto page = (*view)->ListReconciliations({*limit, *cursor});
    if (!page) return respond(ErrorResponse(page.error(), req));
    // The stored summaries are JSON objects already: joined, not parsed again.
    std::string body = "{\"items\":[";
    for (std::size_t i = 0; i < page->items.size(); ++i) body += (i ? "," : "") + page->items[i].summary;
    body += "],\"next_cursor\":" + (page->next_cursor.empty() ? std::string("null") : json(page->next_cursor).dump()) + "}";
    respond(RawJson(200, std::move(body)));
  });
  Route("GET", "/v1/reconciliation/history/{id}", [this](Request& req, Respond respond) {
    auto view = engine_.Read();
    if (!view) return respond(ErrorResponse(view.error(), req));
    auto found = (*view)->GetReconciliation(req.params["id"]);
    if (!found) return respond(ErrorResponse(found.error(), req));
    if (!*found) return respond(ProblemResponse(404, "not-found", "no reconciliation report with that id", req));
    respond(RawJson(200, std::move((*found)->body)));
  });
  Route("POST", "/v1/reconciliation/run", [this](Request& req, Respond respond) {
    if (auto empty = ParseEmptyBody(req.body); !empty) return respond(ErrorResponse(empty.error(), req));
    if (!options_.run_reconciliation)
      return respond(ProblemResponse(503, "reconciliation-not-running", "this server runs no reconciler", req));
    Idempotent(req, std::move(respond), [this, &req](Respond respond) {
      auto request = std::make_shared<Request>(req);  // the answer comes from the reconciler's thread
      options_.run_reconciliation(req.principal.Id(),
                                  [request, respond](Result<store::ReconciliationRecord> record) {
                                    if (!record) return respond(ErrorResponse(record.error(), *request));
                                    Response r = RawJson(201, std::move(record->body));
                                    r.headers.emplace_back("Location", "/v1/reconciliation/history/" + record->id);
                                    respond(std::move(r));
                                  });
    });
  });

  // ---- The demo's tools: admins of a --demo server only.
  auto demo = [this](const Request& req, const Respond& respond) {
    if (options_.demo_tools) return true;
    respond(ProblemResponse(403, "demo-mode-only", "this works only on a server started with ordo serve --demo", req));
    return false;
  };
  // Runs a blocking task on the admin worker; a full queue is a 429.
  auto on_worker = [this](const Request& req, const Respond& respond, std::function<Response(const Request&)> task) {
    auto request = std::make_shared<Request>(req);
    if (!admin_->Post([request, respond, task] { respond(task(*request)); })) {
      Response r = ProblemResponse(429, "busy", "the demo tools are busy; try again shortly", req);
      r.headers.emplace_back("Retry-After", "1");
      respond(std::move(r));
    }
  };
  Route("GET", "/v1/admin/chaos", [this, demo](Request& req, Respond respond) {
    if (!demo(req, respond)) return;
    respond(RawJson(200, options_.demo_tools->Chaos()));
  });
  Route("PUT", "/v1/admin/chaos", [this, demo](Request& req, Respond respond) {
    if (!demo(req, respond)) return;
    auto body = ParseBody(req.body, false);
    if (!body) return respond(ErrorResponse(body.error(), req));
    auto knobs = options_.demo_tools->SetChaos(body->dump());
    if (!knobs) return respond(ErrorResponse(knobs.error(), req));
    respond(RawJson(200, std::move(*knobs)));
  });
  Route("POST", "/v1/admin/demo/orders", [this, demo, on_worker](Request& req, Respond respond) {
    if (!demo(req, respond)) return;
    auto body = ParseBody(req.body, true);
    if (!body) return respond(ErrorResponse(body.error(), req));
    int count = 10;
    std::string scenario = "mixed";
    for (const auto& [key, value] : body->items()) {
      if (key == "count") {
        if (!value.is_number_integer() || value.get<std::int64_t>() < 1 || value.get<std::int64_t>() > kMaxDemoOrders)
          return respond(ErrorResponse(
              Error::Invalid("/count", "count must be a whole number from 1 to " + std::to_string(kMaxDemoOrders)), req));
        count = value.get<int>();
      } else if (key == "scenario") {
        bool known = false;
        if (value.is_string())
          for (std::string_view s : kDemoScenarios) known = known || value.get<std::string>() == s;
        if (!known) {
          std::string names;
          for (std::string_view s : kDemoScenarios) names += (names.empty() ? "" : ", ") + std::string(s);
          return respond(ErrorResponse(Error::Invalid("/scenario", "scenario must be one of " + names), req));
        }
        scenario = value.get<std::string>();
      } else {
        return respond(ErrorResponse(Error::Invalid("/" + key, "unknown field " + key), req));
      }
    }
    Idempotent(req, std::move(respond), [this, &req, on_worker, count, scenario](Respond respond) {
      on_worker(req, respond, [this, count, scenario](const Request& r) {
        auto made = options_.demo_tools->GenerateOrders(count, scenario, r.principal.Id());
        return made ? RawJson(201, std::move(*made)) : ErrorResponse(made.error(), r);
      });
    });
  });
  Route("POST", "/v1/admin/reset", [this, demo, on_worker](Request& req, Respond respond) {
    if (!demo(req, respond)) return;
    if (auto empty = ParseEmptyBody(req.body); !empty) return respond(ErrorResponse(empty.error(), req));
    Idempotent(req, std::move(respond), [this, &req, on_worker](Respond respond) {
      on_worker(req, respond, [this](const Request& r) {
        auto reset = options_.demo_tools->Reset();
        return reset ? JsonResponse(200, {{"reset", true}}) : ErrorResponse(reset.error(), r);
      });
    });
  });
}

}  // namespace ordo::http
