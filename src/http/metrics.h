// Prometheus metrics (prometheus-cpp core; served by our own /metrics route).
// Names carry the ordo_ prefix and base units (seconds).
#pragma once

#include <functional>
#include <map>
#include <vector>
#include <memory>
#include <string>

#include "engine/engine.h"
#include "http/request.h"

namespace ordo::http {

class Metrics final : public engine::Observer {
 public:
  Metrics();
  ~Metrics() override;

  void OnRequest(const Request& request, const Response& response, double seconds);
  void OnBatch(std::size_t commands, double commit_seconds, bool committed) override;
  void OnOrderPlaced() override;
  void OnOrderRejected() override;
  void OnReservations(std::int64_t created, std::int64_t committed, std::int64_t released,
                      std::int64_t expired) override;
  void OnJobAttempt(const std::string& kind, const std::string& outcome) override;
  void OnBatchRerun(const std::string& reason) override;  // ordo_batch_reruns_total
  void OnWmsSynced(double seconds) override;  // ordo_wms_sync_seconds
  // Scrape-time gauges: jobs by kind and state, and each integration's breaker.
  void SetJobCounts(const std::vector<store::JobCount>& counts);
  void SetBreakers(const std::map<std::string, std::string>& states);
  void SetPendingReservations(std::int64_t pending);
  void SetQueueDepth(std::size_t depth);
  // The NATS relay (--nats): each event JetStream acknowledged, with its lag
  // from commit to ack; and after each round, its connection, whether it is
  // the publishing relay (not standing by), and the events not yet in the stream.
  // Called from the relay's thread only.
  void OnRelayPublished(double lag_seconds);
  void SetRelayStatus(bool connected, bool active, std::int64_t backlog);

  // A reconciliation run this node made: the discrepancies it found (the
  // gauge ordo_reconciliation_discrepancies holds the last run's), what it
  // healed, how long it took. Called from the reconciler's thread.
  void OnReconciliation(const std::string& trigger, std::int64_t discrepancies, std::int64_t healed, double seconds,
                        double finished_at_seconds);

  std::string Render() const;  // text exposition format 0.0.4

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ordo::http
