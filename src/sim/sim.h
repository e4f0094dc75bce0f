// `ordo sim`: the outside world over real HTTP, on one port — a payment
// gateway (gateway.h), a webhook receiver (receiver.h), a warehouse system
// (wms.h) and an ERP (erp.h), with chaos knobs (chaos.h). Usable in-process:
// tests and `ordo serve --demo` start one on an ephemeral loopback port.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "http/server.h"
#include "sim/chaos.h"

namespace ordo::sim {

struct Options {
  std::string webhook_secret;  // empty: DefaultWebhookSecret()
  Knobs knobs;                 // at start; POST /v1/chaos/reset returns to Knobs{}
  int threads = 2;
  http::Completed completed;   // after every answer (logs); may be empty
  // The WMS's status callbacks to Ordo (wms.h); no URL: none are sent. No secret: DefaultWmsSecret().
  std::string wms_callback_url;  // e.g. http://127.0.0.1:8080/v1/integrations/wms/events
  std::string wms_secret;
  std::string wms_api_key;       // sent as "Authorization: Bearer"; empty: none
  // The ERP's orders to Ordo (erp.h). No secret: DefaultErpSecret().
  std::string ordo_url;          // Ordo's base URL, e.g. http://127.0.0.1:8080
  std::string erp_secret;
  std::string erp_api_key;
};

// Thread-safe. Payments, deliveries and the WMS's and ERP's orders outlive a
// Stop and a later Start; Stop pauses the WMS's timer and ends an ERP run.
class Simulator {
 public:
  explicit Simulator(Options options = {});
  ~Simulator();  // Stop()
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Listens on address:port (0 = an ephemeral port; see port()).
  Status Start(const std::string& address, unsigned short port);
  // Answers every delayed or hung request at once, then stops listening.
  void Stop();
  // Stops the simulated systems' own calls to Ordo (the WMS's callbacks, the
  // ERP's runs); the endpoints stay up. An in-process simulator does this
  // before Ordo's server stops, so no callback waits out its timeout
  // against a server that no longer answers.
  void StopSending();
  unsigned short port() const;  // 0 while stopped
  std::string base_url() const;  // "http://<address>:<port>"
  // Requests whose answer is held back (latency, hangs).
  std::size_t waiting() const;

  Knobs knobs() const;
  void SetKnobs(const Knobs& knobs);
  // What POST /v1/reset does: every simulated system forgets what it holds.
  void Reset();
  std::string webhook_secret() const;
  std::string wms_secret() const;
  std::string erp_secret() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ordo::sim
