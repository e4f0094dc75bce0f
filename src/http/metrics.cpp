#include "http/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <mutex>
#include <unordered_map>

namespace ordo::http {

namespace pm = prometheus;

struct Metrics::Impl {
  std::shared_ptr<pm::Registry> registry = std::make_shared<pm::Registry>();
  pm::Family<pm::Histogram>& request_duration =
      pm::BuildHistogram().Name("ordo_http_request_duration_seconds").Help("HTTP request duration by route and status").Register(*registry);
  pm::Family<pm::Counter>& orders = pm::BuildCounter().Name("ordo_orders_total").Help("Orders by outcome").Register(*registry);
  pm::Counter& placed = orders.Add({{"outcome", "placed"}});
  pm::Counter& rejected = orders.Add({{"outcome", "rejected"}});
  pm::Histogram& batch_size = pm::BuildHistogram().Name("ordo_batch_commands").Help("Commands per committed batch")
                                  .Register(*registry).Add({}, pm::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256, 512});
  pm::Histogram& commit = pm::BuildHistogram().Name("ordo_batch_duration_seconds").Help("Batch time from BEGIN to durable COMMIT")
                              .Register(*registry).Add({}, pm::Histogram::BucketBoundaries{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1});
  pm::Counter& failed_batches = pm::BuildCounter().Name("ordo_batches_failed_total").Help("Batches rolled back by a storage failure")
                                    .Register(*registry).Add({});
  pm::Family<pm::Counter>& reruns =
      pm::BuildCounter().Name("ordo_batch_reruns_total")
          .Help("Batch attempts run again, nothing of them committed: conflict (another node won a lock), stale (decided on this node's cached rows, which had changed)")
          .Register(*registry);
  pm::Counter& rerun_conflict = reruns.Add({{"reason", "conflict"}});
  pm::Counter& rerun_stale = reruns.Add({{"reason", "stale"}});
  pm::Family<pm::Counter>& reservations =
      pm::BuildCounter().Name("ordo_reservation_transitions_total").Help("Reservations by transition").Register(*registry);
  pm::Counter& created = reservations.Add({{"to", "pending"}});
  pm::Counter& committed = reservations.Add({{"to", "committed"}});
  pm::Counter& released = reservations.Add({{"to", "released"}});
  pm::Counter& expired = reservations.Add({{"to", "expired"}});
  pm::Gauge& pending = pm::BuildGauge().Name("ordo_reservations").Help("Reservations in a state").Register(*registry)
                           .Add({{"state", "pending"}});
  pm::Gauge& queue = pm::BuildGauge().Name("ordo_sequencer_queue_depth").Help("Commands waiting for the writer")
                         .Register(*registry).Add({});

  pm::Family<pm::Counter>& job_attempts =
      pm::BuildCounter().Name("ordo_job_attempts_total").Help("Calls of durable jobs by kind and outcome (done, declined, failed, retry, exhausted)").Register(*registry);
  pm::Family<pm::Counter>& payments =
      pm::BuildCounter().Name("ordo_payments_total").Help("Charges by outcome (captured, declined, failed)").Register(*registry);
  pm::Family<pm::Gauge>& jobs = pm::BuildGauge().Name("ordo_jobs").Help("Jobs by kind and state (dead: the dead-letter queue)").Register(*registry);
  pm::Family<pm::Gauge>& breakers =
      pm::BuildGauge().Name("ordo_breaker_state").Help("1 for each integration's current circuit breaker state").Register(*registry);
  pm::Histogram& wms_sync =
      pm::BuildHistogram().Name("ordo_wms_sync_seconds")
          .Help("From an order's WMS push job being queued to the WMS's acknowledgement (seed 000 alerts past 10 s)")
          .Register(*registry)
          .Add({}, pm::Histogram::BucketBoundaries{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 60, 300});
  pm::Gauge& reconciliation_discrepancies =
      pm::BuildGauge().Name("ordo_reconciliation_discrepancies")
          .Help("Discrepancies the last reconciliation run on this node found (healed and flagged)").Register(*registry)
          .Add({});
  pm::Family<pm::Counter>& reconciliation_runs = pm::BuildCounter().Name("ordo_reconciliation_runs_total")
                                                     .Help("Reconciliation runs on this node, by trigger (timer, manual)").Register(*registry);
  pm::Counter& reconciliation_healed = pm::BuildCounter().Name("ordo_reconciliation_healed_total")
                                           .Help("Discrepancies reconciliation healed (re-pushed, missed callbacks applied)")
                                           .Register(*registry).Add({});
  pm::Gauge& reconciliation_seconds = pm::BuildGauge().Name("ordo_reconciliation_last_duration_seconds")
                                          .Help("How long the last reconciliation run took").Register(*registry).Add({});
  pm::Gauge& reconciliation_at = pm::BuildGauge().Name("ordo_reconciliation_last_run_timestamp_seconds")
                                     .Help("When the last reconciliation run on this node finished (Unix time)")
                                     .Register(*registry).Add({});
  // The relay's series appear once a relay runs (--nats); the relay thread alone adds them.
  pm::Family<pm::Counter>& relay_published_family = pm::BuildCounter().Name("ordo_relay_events_published_total")
                                                        .Help("Events NATS JetStream acknowledged from this node's relay").Register(*registry);
  pm::Family<pm::Histogram>& relay_lag_family = pm::BuildHistogram().Name("ordo_relay_publish_lag_seconds")
                                                    .Help("Time from an event's batch to its JetStream ack").Register(*registry);
  pm::Family<pm::Gauge>& relay_backlog_family = pm::BuildGauge().Name("ordo_relay_backlog_events")
                                                    .Help("Events of the log not yet in the JetStream stream (the relay's lag)").Register(*registry);
  pm::Family<pm::Gauge>& relay_connected_family = pm::BuildGauge().Name("ordo_relay_connected")
                                                      .Help("1 while the relay's NATS connection is up").Register(*registry);
  pm::Family<pm::Gauge>& relay_active_family = pm::BuildGauge().Name("ordo_relay_active")
                                                   .Help("1 while this node's relay publishes, 0 while it stands by for another node's").Register(*registry);
  pm::Counter* relay_published = nullptr;
  pm::Histogram* relay_lag = nullptr;
  pm::Gauge *relay_backlog = nullptr, *relay_connected = nullptr, *relay_active = nullptr;
  void AddRelaySeries() {
    if (relay_published) return;
    relay_published = &relay_published_family.Add({});
    relay_lag = &relay_lag_family.Add({}, pm::Histogram::BucketBoundaries{0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02,
                                                                          0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10});
    relay_backlog = &relay_backlog_family.Add({});
    relay_connected = &relay_connected_family.Add({});
    relay_active = &relay_active_family.Add({});
  }
  // Family::Add locks and hashes labels; cache the child per (route, method, status).
  std::mutex mu;
  std::unordered_map<std::string, pm::Histogram*> by_label;
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

namespace {
// Label values must stay few: unknown methods share one label.
std::string_view MethodLabel(std::string_view m) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
    if (m == known) return known;
  return "OTHER";
}
}  // namespace

void Metrics::OnRequest(const Request& request, const Response& response, double seconds) {
  std::string_view method = MethodLabel(request.method);
  std::string key = std::string(method) + ' ' + request.route + ' ' + std::to_string(response.status);
  pm::Histogram* h;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->by_label.find(key);
    if (it == impl_->by_label.end()) {
      h = &impl_->request_duration.Add(
          {{"route", request.route.empty() ? "(none)" : request.route},
           {"method", std::string(method)},
           {"status", std::to_string(response.status)}},
          pm::Histogram::BucketBoundaries{0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5});
      impl_->by_label.emplace(std::move(key), h);
    } else {
      h = it->second;
    }
  }
  h->Observe(seconds);
}

void Metrics::OnBatch(std::size_t commands, double seconds, bool committed) {
  if (!committed) {
    impl_->failed_batches.Increment();
    return;
  }
  impl_->batch_size.Observe(static_cast<double>(commands));
  impl_->commit.Observe(seconds);
}

void Metrics::OnBatchRerun(const std::string& reason) {
  (reason == store::kStale ? impl_->rerun_stale : impl_->rerun_conflict).Increment();
}

void Metrics::OnOrderPlaced() { impl_->placed.Increment(); }
void Metrics::OnOrderRejected() { impl_->rejected.Increment(); }

void Metrics::OnReservations(std::int64_t created, std::int64_t committed, std::int64_t released, std::int64_t expired) {
  impl_->created.Increment(static_cast<double>(created));
  impl_->committed.Increment(static_cast<double>(committed));
  impl_->released.Increment(static_cast<double>(released));
  impl_->expired.Increment(static_cast<double>(expired));
  impl_->pending.Increment(static_cast<double>(created - committed - released - expired));
}

void Metrics::OnWmsSynced(double seconds) { impl_->wms_sync.Observe(seconds); }

void Metrics::OnJobAttempt(const std::string& kind, const std::string& outcome) {
  impl_->job_attempts.Add({{"kind", kind}, {"outcome", outcome}}).Increment();
  if (kind != "payment.charge") return;
  const char* payment = outcome == "done" ? "captured" : outcome == "declined" ? "declined" : outcome == "failed" ? "failed" : nullptr;
  if (payment) impl_->payments.Add({{"outcome", payment}}).Increment();
}

void Metrics::SetJobCounts(const std::vector<store::JobCount>& counts) {
  std::map<std::string, std::map<std::string, double>> by_kind;
  for (const auto& c : counts) by_kind[c.kind][c.state] = static_cast<double>(c.count);
  for (auto& [kind, states] : by_kind)
    for (const char* state : {"queued", "running", "done", "dead"})
      impl_->jobs.Add({{"kind", kind}, {"state", state}}).Set(states[state]);
}

void Metrics::SetBreakers(const std::map<std::string, std::string>& states) {
  for (const auto& [integration, current] : states)
    for (const char* state : {"closed", "half_open", "open"})
      impl_->breakers.Add({{"integration", integration}, {"state", state}}).Set(current == state ? 1 : 0);
}

void Metrics::SetPendingReservations(std::int64_t pending) { impl_->pending.Set(static_cast<double>(pending)); }
void Metrics::SetQueueDepth(std::size_t depth) { impl_->queue.Set(static_cast<double>(depth)); }

void Metrics::OnRelayPublished(double lag_seconds) {
  impl_->AddRelaySeries();
  impl_->relay_published->Increment();
  impl_->relay_lag->Observe(lag_seconds);
}

void Metrics::SetRelayStatus(bool connected, bool active, std::int64_t backlog) {
  impl_->AddRelaySeries();
  impl_->relay_connected->Set(connected ? 1 : 0);
  impl_->relay_active->Set(active ? 1 : 0);
  impl_->relay_backlog->Set(static_cast<double>(backlog));
}

void Metrics::OnReconciliation(const std::string& trigger, std::int64_t discrepancies, std::int64_t healed,
                               double seconds, double finished_at_seconds) {
  impl_->reconciliation_discrepancies.Set(static_cast<double>(discrepancies));
  impl_->reconciliation_runs.Add({{"trigger", trigger}}).Increment();
  impl_->reconciliation_healed.Increment(static_cast<double>(healed));
  impl_->reconciliation_seconds.Set(seconds);
  impl_->reconciliation_at.Set(finished_at_seconds);
}

std::string Metrics::Render() const {
  pm::TextSerializer serializer;
  return serializer.Serialize(impl_->registry->Collect());
}

}  // namespace ordo::http
