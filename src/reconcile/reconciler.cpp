#include "reconcile/reconciler.h"

#include <algorithm>
#include <chrono>
#include <latch>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "base/thread_name.h"
#include "store/codec.h"

namespace ordo::reconcile {

using nlohmann::json;
namespace rc = domain::reconcile;

namespace {

// The configured workflow (statuses are mapped to stages by their effects).
Result<domain::Workflow> WorkflowOf(store::ReadView& view) {
  auto doc = view.GetConfig("workflow");
  if (!doc) return doc.take_error();
  if (!*doc) return domain::DefaultWorkflow();
  return store::DecodeWorkflow((*doc)->body);
}

// Ordo's side, without reading every order: the open ones (each status
// whose effect leaves an order before or at the warehouse, but not the
// workflow's first, where nothing is handed over yet), and every order that
// either view names, read one by one. Orders in no view and past these
// statuses (delivered, cancelled, failed) are agreed on by construction.
Result<std::vector<rc::OrdoOrder>> OrdoView(store::ReadView& view, const domain::Workflow& wf,
                                             const std::vector<rc::WmsOrder>& wms, const std::vector<rc::ErpOrder>& erp) {
  std::vector<rc::OrdoOrder> out;
  std::unordered_set<std::string> seen;
  auto add = [&](const domain::Order& o) {
    if (seen.insert(o.id).second) out.push_back(rc::ViewOf(o, wf));
  };
  for (const domain::StatusDef& st : wf.statuses) {
    using domain::Effect;
    if (st.name == wf.initial || (st.effect != Effect::kNone && st.effect != Effect::kConfirm && st.effect != Effect::kPay))
      continue;
    store::OrderFilter filter;
    filter.status = st.name;
    filter.page.limit = store::kMaxPageLimit;
    while (true) {
      auto page = view.ListOrders(filter);
      if (!page) return page.take_error();
      for (const auto& o : page->items) add(o);
      if (page->next_cursor.empty()) break;
      filter.page.cursor = page->next_cursor;
    }
  }
  auto named = [&](const std::string& id) -> Status {
    if (id.empty() || seen.count(id)) return Ok();
    auto o = view.GetOrder(id);
    if (!o) return o.take_error();
    if (*o) add(**o);
    return Ok();
  };
  for (const auto& w : wms)
    if (auto s = named(w.order_id); !s) return s.take_error();
  for (const auto& e : erp)
    if (auto s = named(e.ordo_order_id); !s) return s.take_error();
  return out;
}

// A discrepancy about an order Ordo has (the others have no timeline).
bool OnAnOrder(rc::Kind kind) {
  return kind != rc::Kind::kMissingInOrdo && kind != rc::Kind::kUnknownToOrdo && kind != rc::Kind::kStockDrift;
}

// A view's state for the report.
template <typename T>
std::string Source(const ViewSource& src, const Result<T>& fetched) {
  if (src.base_url.empty()) return "not-configured";
  return fetched ? "ok" : "error: " + fetched.error().message;
}

}  // namespace

Reconciler::Reconciler(engine::Engine& engine, const Clock& clock, ReconcilerOptions options,
                       std::function<void(const RunSummary&)> on_run)
    : engine_(engine), clock_(clock), options_(std::move(options)), on_run_(std::move(on_run)) {}

Reconciler::~Reconciler() { Stop(); }

void Reconciler::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    NameThisThread("ordo-reconcile");
    Loop();
  });
}

void Reconciler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<std::pair<std::string, Done>> left;
  {
    std::lock_guard lock(mu_);
    left.swap(asked_);
  }
  for (auto& [who, done] : left) done(Error::Unavailable("the server is shutting down"));
}

void Reconciler::RunNow(std::string requested_by, Done done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && thread_.joinable()) {
      asked_.emplace_back(std::move(requested_by), std::move(done));
      cv_.notify_all();
      return;
    }
  }
  done(Error::Unavailable("the reconciler is not running"));
}

void Reconciler::Loop() {
  const std::int64_t interval = options_.interval_ms;
  Timestamp next = interval > 0 ? (clock_.Now() / interval + 1) * interval : 0;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (!asked_.empty()) {
      auto asked = std::move(asked_);
      asked_.clear();
      lock.unlock();
      auto record = Run("manual", asked.front().first);
      for (auto& [who, done] : asked) done(record);
      lock.lock();
      continue;
    }
    const Timestamp now = clock_.Now();
    if (interval > 0 && now >= next) {
      const std::int64_t slot = now / interval;
      next = (slot + 1) * interval;
      lock.unlock();
      // One node per interval: the first claim to commit runs it.
      engine::Outcome claim = engine_.Call(
          engine::ClaimReconciliation{std::to_string(interval) + ":" + std::to_string(slot)},
          {"reconcile-timer", "reconcile-timer", "system", "", ""});
      if (claim.result.ok() && std::get<std::int64_t>(claim.result.value()) == 1) (void)Run("timer", "system");
      lock.lock();
      continue;
    }
    const std::int64_t wait_ms = interval > 0 ? std::clamp<std::int64_t>(next - now, 1, 1000) : 1000;
    cv_.wait_for(lock, std::chrono::milliseconds(wait_ms));
  }
}

Result<store::ReconciliationRecord> Reconciler::Run(const std::string& trigger, const std::string& requested_by) {
  const Timestamp started = clock_.Now();
  const std::string run_id = ids_.Next("rec", started);
  std::vector<rc::WmsOrder> wms;
  std::vector<rc::ErpOrder> erp;
  json sources = json::object();
  {
    auto fetched = options_.wms.base_url.empty() ? Result<std::vector<rc::WmsOrder>>(Error::Unavailable(""))
                                                 : FetchWmsView(options_.wms);
    sources["wms"] = Source(options_.wms, fetched);
    if (fetched) wms = std::move(*fetched);
  }
  {
    auto fetched = options_.erp.base_url.empty() ? Result<std::vector<rc::ErpOrder>>(Error::Unavailable(""))
                                                 : FetchErpView(options_.erp);
    sources["erp"] = Source(options_.erp, fetched);
    if (fetched) erp = std::move(*fetched);
  }
  const rc::Sources read{sources["wms"] == "ok", sources["erp"] == "ok"};

  // Ordo's side, read after the others': what changed meanwhile is newer
  // than the settle time and waits for the next run.
  std::vector<rc::OrdoOrder> ordo;
  rc::Report report;
  {
    auto view = engine_.Read();
    if (!view) return view.take_error();
    auto wf = WorkflowOf(**view);
    if (!wf) return wf.take_error();
    auto orders = OrdoView(**view, *wf, wms, erp);
    if (!orders) return orders.take_error();
    ordo = std::move(*orders);
    report = rc::Reconcile(ordo, wms, erp, clock_.Now(), options_.settle_ms, read);
    // Ordo's own ledger: stock rows that disagree with the reservations.
    auto violations = (*view)->CheckStock();
    if (!violations) return violations.take_error();
    for (const auto& v : *violations)
      report.discrepancies.push_back({rc::Kind::kStockDrift, v.detail, "", "", rc::Heal::kNone, {}, {}});
  }
  std::unordered_map<std::string, std::int64_t> versions;
  for (const auto& o : ordo) versions.emplace(o.id, o.version);

  // Each discrepancy on an order goes to the engine; they commit in batches.
  const std::size_t n = report.discrepancies.size();
  std::vector<engine::ReconcileResult> results(n, {"flagged", ""});
  std::vector<std::size_t> on_orders;
  for (std::size_t i = 0; i < n; ++i)
    if (OnAnOrder(report.discrepancies[i].kind) && versions.count(report.discrepancies[i].order_id)) on_orders.push_back(i);
  std::latch finished(static_cast<std::ptrdiff_t>(on_orders.size()));
  const std::string actor = trigger == "manual" ? requested_by : "system";
  for (std::size_t i : on_orders) {
    const rc::Discrepancy& d = report.discrepancies[i];
    engine::ReconcileOrder cmd{d.order_id, run_id, d, versions[d.order_id]};
    engine_.Submit({std::move(cmd),
                    {run_id, run_id, actor, "", ""},
                    [](const engine::Outcome&) { return engine::Reply{}; },
                    [&results, &finished, i](engine::Completion c) {
                      if (c.outcome.result.ok())
                        results[i] = std::get<engine::ReconcileResult>(c.outcome.result.value());
                      else
                        results[i] = {"failed", c.outcome.result.error().message};
                      finished.count_down();
                    }});
  }
  finished.wait();

  const Timestamp finished_at = clock_.Now();
  std::map<std::string, std::int64_t> by_result, by_kind;
  json listed = json::array();
  for (std::size_t i = 0; i < n; ++i) {
    const rc::Discrepancy& d = report.discrepancies[i];
    ++by_result[results[i].result];
    ++by_kind[rc::KindName(d.kind)];
    if (listed.size() >= options_.max_listed) continue;
    json item = {{"kind", rc::KindName(d.kind)}, {"action", rc::HealName(d.heal)}, {"result", results[i].result}};
    if (d.kind == rc::Kind::kStockDrift) {
      item["detail"] = d.order_id;
    } else {
      item[d.kind == rc::Kind::kMissingInOrdo ? "erp_order_id" : "order_id"] = d.order_id;
      item["ordo_status"] = d.ordo_status;
      item["other_status"] = d.other_status;
      if (!results[i].detail.empty()) item["detail"] = results[i].detail;
    }
    listed.push_back(std::move(item));
  }
  json summary = {{"id", run_id},
                  {"trigger", trigger},
                  {"requested_by", requested_by},
                  {"started_at", FormatTimestamp(started)},
                  {"finished_at", FormatTimestamp(finished_at)},
                  {"duration_ms", finished_at - started},
                  {"settle_ms", options_.settle_ms},
                  {"sources", sources},
                  {"counts",
                   {{"ordo_orders", report.ordo_orders},
                    {"wms_orders", report.wms_orders},
                    {"erp_orders", report.erp_orders},
                    {"matched", report.matched},
                    {"settling", report.settling},
                    {"discrepancies", static_cast<std::int64_t>(n)},
                    {"healed", by_result["healed"]},
                    {"flagged", by_result["flagged"]},
                    {"skipped", by_result["skipped"]},
                    {"failed", by_result["failed"]}}},
                  {"by_kind", by_kind}};
  json body = summary;
  body["discrepancies"] = std::move(listed);
  body["truncated"] = n > options_.max_listed;
  store::ReconciliationRecord record{run_id, started, finished_at, summary.dump(), body.dump()};
  engine::Outcome stored = engine_.Call(engine::RecordReconciliation{record}, {run_id, run_id, actor, "", ""});
  if (!stored.result.ok()) return stored.result.error();
  if (on_run_) on_run_({trigger, static_cast<std::int64_t>(n), by_result["healed"], (finished_at - started) / 1000.0,
                        finished_at});
  return record;
}

}  // namespace ordo::reconcile
