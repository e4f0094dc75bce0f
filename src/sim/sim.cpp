#include "sim/sim.h"

#include <mutex>

#include "http/router.h"
#include "sim/delayer.h"
#include "sim/erp.h"
#include "sim/gateway.h"
#include "sim/receiver.h"
#include "sim/reply.h"
#include "sim/wms.h"

namespace ordo::sim {

struct Simulator::Impl {
  explicit Impl(Options o)
      : options(std::move(o)),
        chaos(options.knobs),
        gateway(chaos, delayer),
        receiver(chaos, delayer, options.webhook_secret.empty() ? DefaultWebhookSecret() : options.webhook_secret),
        wms(chaos, delayer, {options.wms_callback_url, options.wms_secret, options.wms_api_key}),
        erp(chaos, {options.ordo_url, options.erp_secret, options.erp_api_key}, [this] { return receiver.secret(); }) {
    gateway.Register(router);
    receiver.Register(router);
    wms.Register(router);
    erp.Register(router);
    router.Add("GET", "/v1/chaos", [this](http::Request&, http::Respond respond) {
      respond(Json(200, ToJson(chaos.Get())));
    });
    router.Add("PUT", "/v1/chaos", [this](http::Request& r, http::Respond respond) {
      auto body = ParseObject(r.body);
      if (!body) return respond(Invalid(body.error()));
      auto knobs = Update(chaos.Get(), *body);
      if (!knobs) return respond(Invalid(knobs.error()));
      chaos.Set(*knobs);
      respond(Json(200, ToJson(*knobs)));
    });
    router.Add("POST", "/v1/chaos/reset", [this](http::Request&, http::Respond respond) {
      chaos.Set(Knobs{});
      respond(Json(200, ToJson(Knobs{})));
    });
    router.Add("POST", "/v1/reset", [this](http::Request&, http::Respond respond) {
      ForgetAll();
      respond(NoContent());
    });
    router.Add("GET", "/livez", [](http::Request&, http::Respond respond) { respond(Json(200, {{"status", "ok"}})); });
    // A mail catcher (the e-mail provider): messages are kept, one per Idempotency-Key.
    router.Add("POST", "/v1/emails", [this](http::Request& r, http::Respond respond) {
      auto body = ParseObject(r.body);
      if (!body) return respond(Invalid(body.error()));
      for (const char* field : {"to", "subject", "text"})
        if (!body->contains(field) || !(*body)[field].is_string())
          return respond(Json(400, {{"error", "invalid_request"}, {"field", field}, {"message", std::string(field) + " must be a string"}}));
      if (chaos.Roll(chaos.Get().failure_pct))
        return respond(Json(503, {{"error", "unavailable"}, {"message", "simulated failure; nothing was sent"}}));
      std::string key(r.Header("idempotency-key"));
      std::lock_guard lock(mail_mu);
      for (const auto& m : emails)
        if (!key.empty() && m["idempotency_key"] == key) return respond(Json(200, m));
      nlohmann::json message = *body;
      message["id"] = "em_" + std::to_string(emails.size() + 1);
      message["idempotency_key"] = key;
      emails.push_back(message);
      respond(Json(202, message));
    });
    router.Add("GET", "/v1/emails", [this](http::Request&, http::Respond respond) {
      std::lock_guard lock(mail_mu);
      respond(Json(200, {{"emails", emails}}));
    });
  }

  // Every simulated system forgets what it holds (orders, payments, mail).
  void ForgetAll() {
    gateway.Reset();
    receiver.Reset();
    wms.Reset();
    erp.Reset();
    std::lock_guard lock(mail_mu);
    emails.clear();
  }

  std::mutex mail_mu;
  std::vector<nlohmann::json> emails;

  Options options;
  Chaos chaos;
  Delayer delayer;
  Gateway gateway;
  Receiver receiver;
  Wms wms;
  Erp erp;
  http::Router router;

  mutable std::mutex mu;  // Start and Stop
  std::unique_ptr<http::Server> server;
  std::string address;
};

Simulator::Simulator(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Simulator::~Simulator() { Stop(); }

Status Simulator::Start(const std::string& address, unsigned short port) {
  std::lock_guard lock(impl_->mu);
  if (impl_->server) return Error::Precondition("already-started", "the simulator is already running");
  http::ServerOptions options;
  options.address = address;
  options.port = port;
  options.threads = impl_->options.threads;
  auto server = std::make_unique<http::Server>(
      options, [this](http::Request& r, http::Respond respond) { impl_->router.Dispatch(r, std::move(respond)); },
      impl_->options.completed);
  impl_->delayer.Start();
  std::string error;
  if (!server->Start(&error)) {
    impl_->delayer.Stop();
    return Error::Unavailable(error);
  }
  impl_->server = std::move(server);
  impl_->address = address;
  impl_->wms.Start();
  return Ok();
}

void Simulator::Stop() {
  std::lock_guard lock(impl_->mu);
  if (!impl_->server) return;
  impl_->delayer.Stop();      // hung and delayed requests are answered now…
  impl_->server->Stop(2000);  // …and written before the server goes
  impl_->server.reset();
  impl_->erp.Stop();
  impl_->wms.Stop();
}

void Simulator::StopSending() {
  std::lock_guard lock(impl_->mu);
  impl_->erp.Stop();
  impl_->wms.Stop();
}

unsigned short Simulator::port() const {
  std::lock_guard lock(impl_->mu);
  return impl_->server ? impl_->server->port() : 0;
}

std::string Simulator::base_url() const {
  std::lock_guard lock(impl_->mu);
  if (!impl_->server) return {};
  const std::string& a = impl_->address;
  return "http://" + (a.find(':') == std::string::npos ? a : "[" + a + "]") + ":" +
         std::to_string(impl_->server->port());
}

std::size_t Simulator::waiting() const { return impl_->delayer.waiting(); }

Knobs Simulator::knobs() const { return impl_->chaos.Get(); }
void Simulator::SetKnobs(const Knobs& knobs) { impl_->chaos.Set(knobs); }
void Simulator::Reset() { impl_->ForgetAll(); }
std::string Simulator::webhook_secret() const { return impl_->receiver.secret(); }
std::string Simulator::wms_secret() const { return impl_->wms.callback().secret; }
std::string Simulator::erp_secret() const { return impl_->erp.ordo().secret; }

}  // namespace ordo::sim
