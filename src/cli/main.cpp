// The composition root: flags (each also an ORDO_* environment variable),
// wiring, and the subcommands serve, migrate, demo, check, load and sim.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "base/clock.h"
#include "base/text.h"
#include "auth/api_key.h"
#include "auth/password.h"
#include "cli/auth_setup.h"
#include "cli/demo.h"
#include "cli/demo_tools.h"
#include "events/hub.h"
#include "engine/engine.h"
#include "http/api.h"
#include "http/metrics.h"
#include "http/server.h"
#include "integrations/http_client.h"
#include "integrations/payment/gateway.h"
#include "integrations/ssrf.h"
#include "jobs/email_handler.h"
#include "jobs/payment_handlers.h"
#include "jobs/webhook_handler.h"
#include "jobs/wms_handler.h"
#include "reconcile/reconciler.h"
#include "jobs/runner.h"
#include "load/load.h"
#include "relay/relay.h"
#include "sim/erp.h"
#include "sim/sim.h"
#include "sim/wms.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace ordo::cli {
namespace {

void Log(spdlog::level::level_enum level, const std::string& msg, nlohmann::json fields = nlohmann::json::object()) {
  fields["msg"] = msg;
  std::string line = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // The pattern writes {"time":…,"level":…, and the fields close the object.
  spdlog::log(level, "{}", std::string_view(line).substr(1));
}

void SetUpLogging(const std::string& level) {
  auto logger = spdlog::stdout_logger_mt("ordo");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v)", spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_every(std::chrono::seconds(1));
}

std::string DatabasePath(const std::string& data) {
  std::filesystem::path p(data);
  if (std::filesystem::is_directory(p) || p.extension() != ".db") return (p / "ordo.db").string();
  return p.string();
}

// --db (PostgreSQL, a postgresql:// URI or libpq key=value string) wins over
// --data (the embedded SQLite file).
Result<std::unique_ptr<store::Store>> OpenStore(const std::string& data, bool create, const std::string& db = {},
                                                bool pipelined_sync = true) {
  if (!db.empty()) {
    store::PostgresOptions options{db};
    options.pipelined_sync = pipelined_sync;
    auto store = store::OpenPostgres(options);
    if (!store) return store;
    auto version = (*store)->Migrate();
    if (!version) return version.take_error();
    return store;
  }
  std::string path = DatabasePath(data);
  if (create) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  } else if (!std::filesystem::exists(path)) {
    return Error::NotFound("no database at " + path);
  }
  store::SqliteOptions options{path};
  options.pipelined_sync = pipelined_sync;
  auto store = store::OpenSqlite(options);
  if (!store) return store;
  auto version = (*store)->Migrate();
  if (!version) return version.take_error();
  return store;
}

// Metrics plus a log line for what operators must see (storage failures).
class Observer final : public engine::Observer {
 public:
  explicit Observer(http::Metrics& metrics) : metrics_(metrics) {}
  void OnBatch(std::size_t n, double seconds, bool committed) override {
    metrics_.OnBatch(n, seconds, committed);
    if (committed)
      if (events::Hub* hub = hub_.load()) hub->Notify();
  }
  void SetHub(events::Hub* hub) { hub_ = hub; }
  void SetRunner(jobs::Runner* runner) { runner_ = runner; }
  void OnJobAttempt(const std::string& kind, const std::string& outcome) override {
    metrics_.OnJobAttempt(kind, outcome);
  }
  void OnWmsSynced(double seconds) override { metrics_.OnWmsSynced(seconds); }
  void OnBatchRerun(const std::string& reason) override { metrics_.OnBatchRerun(reason); }
  void OnJobsQueued() override {
    if (jobs::Runner* runner = runner_.load()) runner->Wake();
  }
  void OnOrderPlaced() override { metrics_.OnOrderPlaced(); }
  void OnOrderRejected() override { metrics_.OnOrderRejected(); }
  void OnReservations(std::int64_t c, std::int64_t m, std::int64_t r, std::int64_t e) override {
    metrics_.OnReservations(c, m, r, e);
  }
  void OnStorageError(const Error& error) override {
    if (error.type == store::kConflict)
      Log(spdlog::level::info, "batch rolled back: conflict with another node, running it again",
          {{"error", error.message}});
    else
      Log(spdlog::level::err, "batch rolled back: storage failed", {{"error", error.message}});
  }

 private:
  http::Metrics& metrics_;
  std::atomic<events::Hub*> hub_{nullptr};
  std::atomic<jobs::Runner*> runner_{nullptr};
};

// The demo's in-process WMS and ERP talk to this server: each has an API key
// of its scope that lives in this process only (http::ApiOptions::process_keys)
// and this server's URL, given through their runtime configuration (PUT
// /wms/v1/config, /erp/v1/config).
struct SimulatorKeys {
  auth::NewKey wms, erp;
};
Result<SimulatorKeys> MakeSimulatorKeys(Timestamp now) {
  auto wms = auth::MakeApiKey("demo: the in-process WMS", {"wms"}, now, "system");
  if (!wms) return wms.take_error();
  auto erp = auth::MakeApiKey("demo: the in-process ERP", {"erp"}, now, "system");
  if (!erp) return erp.take_error();
  return SimulatorKeys{std::move(*wms), std::move(*erp)};
}

void WireSimulator(sim::Simulator& simulator, const SimulatorKeys& keys, const std::string& self, bool wms) {
  auto configure = [&](const std::string& path, nlohmann::json config) {
    auto res = integrations::Send({"PUT", simulator.base_url() + path, {}, config.dump(), 5000, {}});
    if (res.status != 200)
      Log(spdlog::level::warn, "cannot configure the simulator", {{"path", path}, {"status", res.status}, {"error", res.error}});
  };
  if (wms) configure("/wms/v1/config", {{"callback_url", self + "/v1/integrations/wms/events"}, {"api_key", keys.wms.plaintext}});
  configure("/erp/v1/config", {{"ordo_url", self}, {"api_key", keys.erp.plaintext}});
  Log(spdlog::level::info, "the simulated ERP sends orders here (POST " + simulator.base_url() + "/erp/v1/runs)",
      {{"wms_callbacks", wms}});
}

struct ServeFlags {
  std::string listen = "127.0.0.1:8080";
  std::string data = "./data";
  std::string db;
  int threads = 2;
  bool demo = false;
  std::int64_t demo_stock = 0;
  bool bench_echo = false;
  std::string reservation_ttl = "30m";
  std::string expiry_sweep_interval = "1s";
  std::size_t batch_max = 512;
  std::int64_t batch_wait_us = -1;  // -1: by store (kPgBatchWaitUs on PostgreSQL, 0 on SQLite)
  bool no_split = false;
  bool pipelined_sync = true;
  std::size_t body_limit = 1 << 20;
  std::string read_timeout = "10s";
  std::size_t stream_buffer = 4 << 20;
  std::string drain_timeout = "10s";
  std::string log_level = "info";
  bool log_requests = false;
  // Jobs and the systems they call
  std::string payment_gateway;  // base URL; with --demo and none, an in-process `ordo sim`
  std::string node_id;
  int job_workers = 16;
  int job_retries = 3;
  std::string job_retry_base = "1s";
  std::string call_timeout = "5s";
  int breaker_failures = 3;
  std::string breaker_cooldown = "10s";
  bool webhooks_allow_private = false;
  std::string email_provider;  // base URL; with --demo and none, the in-process `ordo sim`
  std::string email_to = "operations@localhost";
  std::string job_lease;  // default: 4 call timeouts, at least 30 s
  std::string sweep_interval = "5s";
  std::string stuck_after = "30s";
  // The ERP and the WMS (seed 000)
  std::string wms_url;     // base URL; with --demo and none, the in-process `ordo sim`
  std::string erp_secret;  // signing secrets; with --demo and none, the simulator's defaults
  std::string wms_secret;
  std::string erp_url;  // the ERP's view for reconciliation; with --demo and none, the in-process `ordo sim`
  std::string reconcile_interval = "5m";
  std::string reconcile_settle = "60s";
  AuthFlags auth;  // cli/auth_setup.h
  // Events to NATS JetStream (src/relay)
  std::string nats;  // URL(s); empty: no relay
  std::string nats_stream = "ORDO_EVENTS";
};

int Serve(const ServeFlags& f) {
  // Signals are taken by this thread only (sigwait), never by a worker: they
  // are blocked before any thread starts, so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  SetUpLogging(f.log_level);
  engine::Options options;
  std::int64_t read_timeout_ms = 0, drain_ms = 0;
  if (!ParseDuration(f.reservation_ttl, &options.reservation_ttl_ms) ||
      !ParseDuration(f.expiry_sweep_interval, &options.expiry_sweep_interval_ms) ||
      !ParseDuration(f.read_timeout, &read_timeout_ms) || !ParseDuration(f.drain_timeout, &drain_ms)) {
    Log(spdlog::level::err, "invalid duration flag (use e.g. 30m, 5s, 250ms)");
    return 2;
  }
  jobs::RunnerOptions runner_options;
  std::int64_t call_timeout_ms = 0;
  if (!ParseDuration(f.job_retry_base, &runner_options.retry.base_ms) ||
      !ParseDuration(f.breaker_cooldown, &runner_options.breaker.cooldown_ms) ||
      !ParseDuration(f.call_timeout, &call_timeout_ms) || !ParseDuration(f.sweep_interval, &options.sweep_interval_ms) ||
      !ParseDuration(f.stuck_after, &options.stuck_after_ms)) {
    Log(spdlog::level::err, "invalid duration flag (use e.g. 30m, 5s, 250ms)");
    return 2;
  }
  runner_options.retry.max_attempts = std::max(0, f.job_retries);
  runner_options.breaker.failures_to_open = std::max(1, f.breaker_failures);
  runner_options.workers = std::max(1, f.job_workers);
  runner_options.owner = f.node_id.empty() ? "node-" + std::to_string(::getpid()) : f.node_id;
  // A lease outlives every call a job makes (a charge is a lookup, an authorisation and a capture).
  runner_options.lease_ms = std::max<std::int64_t>(30'000, 4 * call_timeout_ms);
  if (!f.job_lease.empty() && !ParseDuration(f.job_lease, &runner_options.lease_ms)) {
    Log(spdlog::level::err, "invalid --job-lease (use e.g. 30s)");
    return 2;
  }
  options.job_max_attempts = runner_options.retry.max_attempts + 1;
  options.batch_max = std::max<std::size_t>(1, f.batch_max);
  // On PostgreSQL a batch costs a round trip or two and a commit that the nodes
  // take in turn, so a batch that gathers a little longer places more orders:
  // 0.5 ms gave 4,460 → 5,350 orders/s with two nodes (uniform), 4,040 → 5,570
  // (flash sale), same run. Since a batch of placements needs no read round
  // trip (RowCache), 0.3 ms beats 0.5 ms (+13 % uniform, four pairs; 0.15 and
  // 0.8 ms were slower). SQLite's batch is one local fsync and gains nothing
  // from waiting.
  constexpr std::int64_t kPgBatchWaitUs = 300;
  options.batch_wait_us = f.batch_wait_us >= 0 ? f.batch_wait_us : (f.db.empty() ? 0 : kPgBatchWaitUs);
  options.allow_split = !f.no_split;
  if (options.expiry_sweep_interval_ms < 10) options.expiry_sweep_interval_ms = 10;

  auto colon = f.listen.rfind(':');
  if (colon == std::string::npos) {
    Log(spdlog::level::err, "--listen must be host:port");
    return 2;
  }
  http::ServerOptions server_options;
  server_options.address = f.listen.substr(0, colon);
  try {
    server_options.port = static_cast<unsigned short>(std::stoi(f.listen.substr(colon + 1)));
  } catch (...) {
    Log(spdlog::level::err, "--listen must be host:port");
    return 2;
  }
  server_options.threads = std::max(1, f.threads);
  server_options.body_limit = f.body_limit;
  server_options.read_timeout_ms = static_cast<int>(read_timeout_ms);
  server_options.stream_buffer = std::max<std::size_t>(4096, f.stream_buffer);

  auto store = OpenStore(f.data, true, f.db, f.pipelined_sync);
  if (!store) {
    Log(spdlog::level::err, "cannot open the database", {{"error", store.error().message}});
    return 1;
  }
  SystemClock clock;
  http::Metrics metrics;
  Observer observer(metrics);
  engine::Engine engine(**store, clock, options, &observer);
  engine.Start();
  {
    auto view = engine.Read();
    if (view) {
      auto counts = (*view)->Count();
      if (counts) metrics.SetPendingReservations(counts->pending_reservations);
    }
  }
  if (f.demo) {
    auto loaded = LoadDemo(engine, {60, f.demo_stock});
    if (!loaded) {
      Log(spdlog::level::err, "cannot load the demo data", {{"error", loaded.error().message}});
      return 1;
    }
    Log(spdlog::level::info, "demo data", {{"products_loaded", *loaded}});
  }

  // Declared before the hub, so that it outlives the hub's wake-ups.
  std::unique_ptr<relay::Relay> nats_relay;
  // Replays go out in rounds of about a quarter of a stream's buffer (events are under 1 KiB).
  events::HubOptions hub_options;
  hub_options.replay_round = static_cast<int>(std::clamp<std::size_t>(server_options.stream_buffer / 4096, 16, 4096));
  events::Hub hub(**store, hub_options);
  if (!f.nats.empty()) {  // every event to NATS JetStream, woken by every commit the hub hears of
    relay::Options ro;
    ro.url = f.nats;
    ro.stream = f.nats_stream;
    ro.name = runner_options.owner;
    ro.hooks.published = [&metrics](double lag) { metrics.OnRelayPublished(lag); };
    ro.hooks.status = [&metrics](const relay::Status& st) { metrics.SetRelayStatus(st.connected, st.active, st.backlog()); };
    ro.hooks.log = [](bool error, const std::string& msg, const std::string& detail) {
      Log(error ? spdlog::level::warn : spdlog::level::info, msg, {{"component", "nats-relay"}, {"detail", detail}});
    };
    nats_relay = std::make_unique<relay::Relay>(**store, clock, std::move(ro));
    hub.OnCommit([r = nats_relay.get()] { r->Wake(); });
  }
  if (auto s = hub.Start(); !s) {
    Log(spdlog::level::err, "cannot start the event hub", {{"error", s.error().message}});
    return 1;
  }
  observer.SetHub(&hub);
  if (nats_relay) nats_relay->Start();

  // The outside world: the payment gateway and the WMS (with --demo and none
  // given, a simulator in this process on a loopback port).
  std::unique_ptr<sim::Simulator> simulator;
  std::string gateway_url = f.payment_gateway;
  std::string wms_url = f.wms_url;
  if (f.demo && (gateway_url.empty() || wms_url.empty())) {
    sim::Options sim_options;
    sim_options.wms_secret = f.wms_secret;
    sim_options.erp_secret = f.erp_secret;
    simulator = std::make_unique<sim::Simulator>(std::move(sim_options));
    if (auto started = simulator->Start("127.0.0.1", 0); !started) {
      Log(spdlog::level::err, "cannot start the simulator", {{"error", started.error().message}});
      return 1;
    }
    if (gateway_url.empty()) gateway_url = simulator->base_url();
    if (wms_url.empty()) wms_url = simulator->base_url();
    Log(spdlog::level::info, "simulator listening (payment gateway, webhook receiver, WMS, ERP)",
        {{"url", simulator->base_url() + "/"}});
  }
  integrations::payment::Gateway gateway(gateway_url, static_cast<long>(call_timeout_ms));
  jobs::Runner runner(engine, clock, runner_options);
  if (!gateway_url.empty()) jobs::RegisterPaymentHandlers(runner, gateway);
  else Log(spdlog::level::warn, "no --payment-gateway: payment jobs wait in the queue");
  if (!wms_url.empty()) jobs::RegisterWmsHandler(runner, engine, {wms_url, static_cast<long>(call_timeout_ms)});
  else Log(spdlog::level::warn, "no --wms-url: WMS pushes (wms.push jobs) wait in the queue");
  std::string email_url = f.email_provider.empty() && simulator ? simulator->base_url() : f.email_provider;
  if (!email_url.empty())
    jobs::RegisterEmailHandler(runner, {email_url, f.email_to, static_cast<long>(call_timeout_ms)});
  // Webhook targets on this machine or a private network are refused (SSRF)
  // unless --webhooks-allow-private.
  bool allow_private = f.webhooks_allow_private;
  jobs::RegisterWebhookHandler(runner, engine, {allow_private, static_cast<long>(call_timeout_ms)});
  observer.SetRunner(&runner);
  runner.Start();

  // Reconciliation (seed 000): Ordo against the WMS's and the ERP's views.
  reconcile::ReconcilerOptions reconcile_options;
  if (!ParseDuration(f.reconcile_interval, &reconcile_options.interval_ms) ||
      !ParseDuration(f.reconcile_settle, &reconcile_options.settle_ms)) {
    Log(spdlog::level::err, "invalid --reconcile-interval or --reconcile-settle (use e.g. 5m, 60s)");
    return 2;
  }
  reconcile_options.wms = {wms_url, "", static_cast<long>(call_timeout_ms)};
  reconcile_options.erp = {!f.erp_url.empty() ? f.erp_url : simulator ? simulator->base_url() : "", "",
                           static_cast<long>(call_timeout_ms)};
  if (reconcile_options.wms.base_url.empty() && reconcile_options.erp.base_url.empty())
    reconcile_options.interval_ms = 0;  // nothing to compare with: only runs asked for
  reconcile::Reconciler reconciler(engine, clock, reconcile_options, [&metrics](const reconcile::RunSummary& r) {
    metrics.OnReconciliation(r.trigger, r.discrepancies, r.healed, r.seconds, static_cast<double>(r.finished_at) / 1000);
    Log(spdlog::level::info, "reconciliation", {{"trigger", r.trigger}, {"discrepancies", r.discrepancies},
                                                {"healed", r.healed}, {"seconds", r.seconds}});
  });
  reconciler.Start();

  auto auth = SetUpAuth(f.auth, engine, f.demo);
  if (!auth) {
    Log(spdlog::level::err, "cannot set up authentication",
        {{"error", auth.error().message}, {"flag", auth.error().pointer}});
    return 2;
  }
  http::ApiOptions api_options;
  api_options.bench_echo = f.bench_echo;
  api_options.demo = f.demo;
  api_options.auth = auth->authenticator;
  api_options.users = auth->users;
  api_options.cors_origins = SplitList(f.auth.cors_origins);
  if (!ParseRate(f.auth.rate_limit, &api_options.customer_limit.per_second, &api_options.customer_limit.burst) ||
      !ParseRate(f.auth.rate_limit_staff, &api_options.staff_limit.per_second, &api_options.staff_limit.burst)) {
    Log(spdlog::level::err, "invalid --rate-limit (use e.g. 20/40: per second / burst; 0 = unlimited)");
    return 2;
  }
  // Without a secret an integration's endpoint answers 503; a demo takes the simulator's defaults.
  api_options.erp_secret = !f.erp_secret.empty() ? f.erp_secret : f.demo ? sim::DefaultErpSecret() : "";
  api_options.wms_secret = !f.wms_secret.empty() ? f.wms_secret : f.demo ? sim::DefaultWmsSecret() : "";
  std::optional<SimulatorKeys> simulator_keys;
  if (simulator) {
    auto keys = MakeSimulatorKeys(clock.Now());
    if (!keys) {
      Log(spdlog::level::err, "cannot make the simulator's API keys", {{"error", keys.error().message}});
      return 1;
    }
    api_options.process_keys = {keys->wms.record, keys->erp.record};
    simulator_keys = std::move(*keys);
  }
  api_options.run_reconciliation = [&reconciler](std::string requested_by, reconcile::Reconciler::Done done) {
    reconciler.RunNow(std::move(requested_by), std::move(done));
  };
  if (f.demo) api_options.demo_tools = MakeDemoTools(engine, simulator.get(), {options.job_max_attempts, f.demo_stock});
  api_options.max_open_orders = std::max(0, f.auth.max_open_orders);
  api_options.max_open_units = std::max<std::int64_t>(0, f.auth.max_open_units);
  if (f.demo && !auth->users.empty())
    Log(spdlog::level::info, "demo accounts (POST /v1/auth/token)",
        {{"customer", "customer@ordo.demo / Customer123!"}, {"seller", "seller@ordo.demo / Seller123!"},
         {"admin", "admin@ordo.demo / Admin123!"}});

  std::atomic<bool> ready{false};
  http::Api api(engine, &hub, metrics, std::move(api_options), [&] { return ready.load(); });
  api.SetBreakerStates([&runner] { return runner.BreakerStates(); });
  api.SetUrlGuard([allow_private](const std::string& url) -> Status {
    auto target = integrations::CheckTarget(url, allow_private);
    if (!target) return target.take_error();
    return Ok();
  });
  bool log_requests = f.log_requests;
  http::Server server(
      server_options, [&](http::Request& req, http::Respond respond) { api.Handle(req, std::move(respond)); },
      [&](const http::Request& req, const http::Response& res, double seconds) {
        metrics.OnRequest(req, res, seconds);
        if (log_requests || res.status >= 500)
          Log(res.status >= 500 ? spdlog::level::warn : spdlog::level::info, "request",
              {{"method", req.method}, {"path", req.path}, {"route", req.route}, {"status", res.status},
               {"duration_ms", seconds * 1000}, {"request_id", req.request_id}, {"correlation_id", req.correlation_id},
               {"principal", req.principal.Id()}});
      });

  std::string error;
  if (!server.Start(&error)) {
    Log(spdlog::level::err, error);
    return 1;
  }
  if (simulator) {  // before /readyz says yes: a client that waits for it finds the simulator wired
    std::string host = server_options.address == "0.0.0.0" || server_options.address == "::" ? "127.0.0.1"
                                                                                           : server_options.address;
    WireSimulator(*simulator, *simulator_keys, "http://" + host + ":" + std::to_string(server.port()),
                  f.wms_url.empty());
  }
  ready = true;
  Log(spdlog::level::info, "listening",
      {{"url", "http://" + server_options.address + ":" + std::to_string(server.port()) + "/"},
       {"store", (*store)->Describe()}, {"demo", f.demo}, {"io_threads", server_options.threads}});
  int sig = 0;
  sigwait(&signals, &sig);
  Log(spdlog::level::info, "draining", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  ready = false;
  if (simulator) simulator->StopSending();  // its callbacks need the server that stops next
  server.Stop(static_cast<int>(drain_ms));
  reconciler.Stop();
  observer.SetRunner(nullptr);
  runner.Stop();
  if (simulator) simulator->Stop();
  observer.SetHub(nullptr);
  hub.Stop();
  if (nats_relay) nats_relay->Stop();
  engine.Stop();
  Log(spdlog::level::info, "stopped");
  spdlog::default_logger()->flush();
  return 0;
}

int Check(const std::string& data, const std::string& db) {
  auto store = OpenStore(data, false, db);
  if (!store) {
    std::cerr << "ordo check: " << store.error().message << "\n";
    return 2;
  }
  auto view = (*store)->Read();
  if (!view) {
    std::cerr << "ordo check: " << view.error().message << "\n";
    return 2;
  }
  auto counts = (*view)->Count();
  auto violations = (*view)->CheckInvariants();
  if (!violations || !counts) {
    std::cerr << "ordo check: cannot read the database\n";
    return 2;
  }
  std::cout << "checked " << (*store)->Describe() << ": " << counts->orders << " orders, " << counts->events
            << " events, " << counts->pending_reservations << " pending reservations\n";
  for (const auto& v : *violations) std::cout << "VIOLATION " << v.invariant << ": " << v.detail << "\n";
  if (violations->empty()) std::cout << "all invariants hold\n";
  return violations->empty() ? 0 : 1;
}

int Demo(const std::string& data, const std::string& db, std::int64_t stock) {
  auto store = OpenStore(data, true, db);
  if (!store) {
    std::cerr << "ordo demo: " << store.error().message << "\n";
    return 1;
  }
  SystemClock clock;
  engine::Engine engine(**store, clock, {});
  engine.Start();
  auto loaded = LoadDemo(engine, {60, stock});
  engine.Stop();
  if (!loaded) {
    std::cerr << "ordo demo: " << loaded.error().message << "\n";
    return 1;
  }
  std::cout << (*loaded ? "loaded " + std::to_string(*loaded) + " products, 6 locations and their stock"
                        : std::string("the catalogue is not empty; nothing loaded"))
            << "\n";
  return 0;
}

// ordo sim: the payment gateway, webhook receiver, WMS and ERP simulators (src/sim).
struct SimFlags {
  std::string listen = "127.0.0.1:8090";
  int threads = 2;
  std::string webhook_secret;
  std::string wms_callback_url, wms_secret, wms_api_key;
  std::string ordo_url, erp_secret, erp_api_key;
  sim::Knobs knobs;
  std::string log_level = "info";
  bool log_requests = false;
};

int Sim(const SimFlags& f) {
  // Blocked before any thread starts (spdlog's flusher too), so only sigwait takes them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  SetUpLogging(f.log_level);
  auto colon = f.listen.rfind(':');
  int port = -1;
  try {
    if (colon != std::string::npos) port = std::stoi(f.listen.substr(colon + 1));
  } catch (...) {
  }
  if (port < 0 || port > 65535) {
    Log(spdlog::level::err, "--listen must be host:port");
    return 2;
  }
  sim::Options options{f.webhook_secret, f.knobs, std::max(1, f.threads), nullptr, f.wms_callback_url,
                       f.wms_secret, f.wms_api_key, f.ordo_url, f.erp_secret, f.erp_api_key};
  options.completed = [log = f.log_requests](const http::Request& req, const http::Response& res, double seconds) {
    if (log || res.status >= 500)
      Log(spdlog::level::info, "request",
          {{"method", req.method}, {"path", req.path}, {"status", res.status}, {"duration_ms", seconds * 1000}});
  };
  sim::Simulator simulator(std::move(options));
  if (auto started = simulator.Start(f.listen.substr(0, colon), static_cast<unsigned short>(port)); !started) {
    Log(spdlog::level::err, started.error().message);
    return 1;
  }
  Log(spdlog::level::info, "simulator listening",
      {{"url", simulator.base_url() + "/"}, {"chaos", sim::ToJson(f.knobs)},
       {"webhook_secret", f.webhook_secret.empty() ? "default" : "given"},
       {"wms_callback_url", f.wms_callback_url}, {"ordo_url", f.ordo_url}});
  int sig = 0;
  sigwait(&signals, &sig);
  simulator.Stop();
  Log(spdlog::level::info, "stopped", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  spdlog::default_logger()->flush();
  return 0;
}

int Token(std::string secret, const std::string& data, const std::string& db, const std::string& role,
          std::string subject, const std::string& customer_id, const std::string& locations, const std::string& ttl,
          const std::string& issuer, const std::string& audience) {
  std::int64_t ttl_ms = 0;
  if (!ParseDuration(ttl, &ttl_ms) || ttl_ms < 1000) {
    std::cerr << "ordo token: invalid --ttl\n";
    return 2;
  }
  if (secret.empty()) {
    // The secret the server generated and kept in its database.
    auto store = OpenStore(data, false, db);
    if (!store) return std::cerr << "ordo token: " << store.error().message << "\n", 2;
    auto view = (*store)->Read();
    if (!view) return std::cerr << "ordo token: " << view.error().message << "\n", 2;
    auto doc = (*view)->GetConfig("auth_signing");
    if (!doc || !*doc) return std::cerr << "ordo token: no secret kept in this database yet (start ordo serve once, or give --jwt-secret)\n", 2;
    auto j = nlohmann::json::parse((*doc)->body, nullptr, false);
    auto raw = j.is_object() && j.contains("hs256") ? auth::Base64UrlDecode(j["hs256"].get<std::string>()) : std::nullopt;
    if (!raw) return std::cerr << "ordo token: the kept secret does not decode\n", 2;
    secret = *raw;
  }
  auth::Principal p;
  auth::ParseUserRole(role, &p.role);
  p.subject = subject.empty() ? role : subject;
  p.customer_id = customer_id.empty() ? p.subject : customer_id;
  p.locations = SplitList(locations);
  auth::AuthOptions options;
  options.policy = {issuer, audience, 60};
  auth::Authenticator a(auth::KeySet{}, secret, options);
  auto t = a.IssueFor(p, SystemClock().Now() / 1000, static_cast<int>(ttl_ms / 1000));
  if (!t) return std::cerr << "ordo token: " << t.error().message << "\n", 2;
  std::cout << *t << "\n";
  return 0;
}

}  // namespace
}  // namespace ordo::cli

int main(int argc, char** argv) {
  using namespace ordo::cli;
  CLI::App app{"Ordo: order management with a two-phase stock ledger and group commit"};
  app.require_subcommand(1);

  ServeFlags serve;
  auto* s = app.add_subcommand("serve", "HTTP API, timers and (with --demo) demo data");
  s->add_option("--listen", serve.listen, "host:port to listen on")->envname("ORDO_LISTEN")->capture_default_str();
  s->add_option("--data", serve.data, "data directory (or .db file) of the embedded SQLite store")->envname("ORDO_DATA")->capture_default_str();
  s->add_option("--db", serve.db, "PostgreSQL instead of SQLite: postgresql://user@host:port/db (any number of nodes may share it)")->envname("ORDO_DB");
  s->add_option("--threads", serve.threads, "HTTP io threads")->envname("ORDO_THREADS")->capture_default_str();
  s->add_flag("--demo", serve.demo, "load demo data when the catalogue is empty")->envname("ORDO_DEMO");
  s->add_option("--demo-stock", serve.demo_stock, "with --demo: units per stocked location and SKU (0 = varied)")->envname("ORDO_DEMO_STOCK");
  s->add_flag("--bench-echo", serve.bench_echo, "add POST /v1/echo (parse + validate, no storage)")->envname("ORDO_BENCH_ECHO");
  s->add_option("--reservation-ttl", serve.reservation_ttl, "how long unpaid reservations hold stock")->envname("ORDO_RESERVATION_TTL")->capture_default_str();
  s->add_option("--expiry-sweep-interval", serve.expiry_sweep_interval, "how often expired reservations are released")->envname("ORDO_EXPIRY_SWEEP_INTERVAL")->capture_default_str();
  s->add_option("--batch-max", serve.batch_max, "most commands in one write transaction")->envname("ORDO_BATCH_MAX")->capture_default_str();
  s->add_option("--batch-wait-us", serve.batch_wait_us, "extra gathering time for a batch while under load (default: 300 on PostgreSQL, 0 on SQLite)")->envname("ORDO_BATCH_WAIT_US");
  s->add_flag("--pipelined-sync,!--inline-sync", serve.pipelined_sync, "commit first, then make the commit durable while the next batch runs (SQLite: the WAL is synced on a thread of its own; PostgreSQL: the commit frees its locks before the WAL flush, which a second transaction in the same round trip waits for); replies and reads still wait for the disk. --inline-sync: each COMMIT waits for it")->envname("ORDO_PIPELINED_SYNC")->capture_default_str();
  s->add_flag("--no-split", serve.no_split, "never split an order across locations")->envname("ORDO_NO_SPLIT");
  s->add_option("--body-limit", serve.body_limit, "largest request body in bytes")->envname("ORDO_BODY_LIMIT")->capture_default_str();
  s->add_option("--stream-buffer", serve.stream_buffer, "bytes a live stream (SSE) client may fall behind before it is disconnected (it resumes with Last-Event-ID)")->envname("ORDO_STREAM_BUFFER")->capture_default_str();
  s->add_option("--read-timeout", serve.read_timeout, "time allowed to send a whole request")->envname("ORDO_READ_TIMEOUT")->capture_default_str();
  s->add_option("--drain-timeout", serve.drain_timeout, "on SIGTERM, how long in-flight requests may finish")->envname("ORDO_DRAIN_TIMEOUT")->capture_default_str();
  s->add_option("--log-level", serve.log_level, "trace, debug, info, warn, error")->envname("ORDO_LOG_LEVEL")->capture_default_str();
  s->add_flag("--log-requests", serve.log_requests, "log every request (5xx are always logged)")->envname("ORDO_LOG_REQUESTS");
  s->add_option("--payment-gateway", serve.payment_gateway, "base URL of the payment gateway (with --demo and none: an in-process ordo sim)")->envname("ORDO_PAYMENT_GATEWAY");
  s->add_option("--node-id", serve.node_id, "this node's name in job leases (default node-<pid>)")->envname("ORDO_NODE_ID");
  s->add_option("--job-workers", serve.job_workers, "outbound calls in flight at once")->envname("ORDO_JOB_WORKERS")->capture_default_str();
  s->add_option("--job-retries", serve.job_retries, "retries of a failed call before its job is dead")->envname("ORDO_JOB_RETRIES")->capture_default_str();
  s->add_option("--job-retry-base", serve.job_retry_base, "wait before the first retry; doubles each time")->envname("ORDO_JOB_RETRY_BASE")->capture_default_str();
  s->add_option("--call-timeout", serve.call_timeout, "timeout of one outbound call")->envname("ORDO_CALL_TIMEOUT")->capture_default_str();
  s->add_option("--breaker-failures", serve.breaker_failures, "consecutive failures that open an integration's circuit breaker")->envname("ORDO_BREAKER_FAILURES")->capture_default_str();
  s->add_flag("--webhooks-allow-private", serve.webhooks_allow_private, "allow webhook targets on loopback and private networks (tests, local demos)")->envname("ORDO_WEBHOOKS_ALLOW_PRIVATE");
  s->add_option("--email-provider", serve.email_provider, "base URL of the e-mail provider for the workflow action email (POST /v1/emails; with --demo and none: the in-process ordo sim)")->envname("ORDO_EMAIL_PROVIDER");
  s->add_option("--email-to", serve.email_to, "who the workflow action email tells")->envname("ORDO_EMAIL_TO")->capture_default_str();
  s->add_option("--job-lease", serve.job_lease, "how long a claimed job is this node's before another may take it over (default 4 call timeouts, at least 30s)")->envname("ORDO_JOB_LEASE");
  s->add_option("--sweep-interval", serve.sweep_interval, "how often the sweeper looks for stuck jobs")->envname("ORDO_SWEEP_INTERVAL")->capture_default_str();
  s->add_option("--stuck-after", serve.stuck_after, "a job overdue this long is reported stuck (a lost lease is requeued)")->envname("ORDO_STUCK_AFTER")->capture_default_str();
  s->add_option("--wms-url", serve.wms_url, "base URL of the warehouse system the wms.push action sends orders to (POST /wms/v1/orders; with --demo and none: the in-process ordo sim)")->envname("ORDO_WMS_URL");
  s->add_option("--erp-url", serve.erp_url, "base URL of the ERP whose view of the orders reconciliation reads (GET /erp/v1/orders; with --demo and none: the in-process ordo sim)")->envname("ORDO_ERP_URL");
  s->add_option("--reconcile-interval", serve.reconcile_interval, "how often Ordo's orders are reconciled with the WMS's and the ERP's views (0 = only POST /v1/reconciliation/run)")->envname("ORDO_RECONCILE_INTERVAL")->capture_default_str();
  s->add_option("--reconcile-settle", serve.reconcile_settle, "orders changed this recently (on either side) wait for the next reconciliation run")->envname("ORDO_RECONCILE_SETTLE")->capture_default_str();
  s->add_option("--erp-secret", serve.erp_secret, "signing secret of POST /v1/integrations/erp/orders: whsec_<base64> or raw (with --demo and none: the simulator's; otherwise none: 503)")->envname("ORDO_ERP_SECRET");
  s->add_option("--wms-secret", serve.wms_secret, "signing secret of POST /v1/integrations/wms/events: whsec_<base64> or raw (with --demo and none: the simulator's; otherwise none: 503)")->envname("ORDO_WMS_SECRET");
  s->add_option("--breaker-cooldown", serve.breaker_cooldown, "how long an open breaker refuses calls")->envname("ORDO_BREAKER_COOLDOWN")->capture_default_str();
  // Authentication and abuse limits (cli/auth_setup.h)
  AuthFlags& a = serve.auth;
  s->add_option("--jwt-secret", a.jwt_secret, "HS256 secret, at least 32 bytes (default: generated at first start and kept in the database)")->envname("ORDO_JWT_SECRET");
  s->add_option("--jwks", a.jwks, "JWK Set file or http(s) URL of an OIDC provider (RS256 / ES256 tokens)")->envname("ORDO_JWKS");
  s->add_option("--jwt-issuer", a.issuer, "required iss of every token")->envname("ORDO_JWT_ISSUER")->capture_default_str();
  s->add_option("--jwt-audience", a.audience, "required aud of every token")->envname("ORDO_JWT_AUDIENCE")->capture_default_str();
  s->add_option("--token-ttl", a.token_ttl, "lifetime of the tokens POST /v1/auth/token issues")->envname("ORDO_TOKEN_TTL")->capture_default_str();
  s->add_option("--users", a.users_file, "JSON file of local users for POST /v1/auth/token (password hashes from `ordo hash-password`)")->envname("ORDO_USERS");
  s->add_option("--cors-origins", a.cors_origins, "comma-separated browser origins allowed to call the API (default: none, CORS off)")->envname("ORDO_CORS_ORIGINS");
  s->add_option("--rate-limit", a.rate_limit, "per customer and per anonymous address: requests per second/burst (0 = off)")->envname("ORDO_RATE_LIMIT")->capture_default_str();
  s->add_option("--rate-limit-staff", a.rate_limit_staff, "per seller, admin and API key: requests per second/burst (0 = off)")->envname("ORDO_RATE_LIMIT_STAFF")->capture_default_str();
  s->add_option("--max-open-orders", a.max_open_orders, "unpaid orders holding stock one customer may have (0 = no cap)")->envname("ORDO_MAX_OPEN_ORDERS")->capture_default_str();
  s->add_option("--max-open-units", a.max_open_units, "units one customer may hold reserved without paying (0 = no cap)")->envname("ORDO_MAX_OPEN_UNITS")->capture_default_str();
  s->add_option("--nats", serve.nats, "NATS server URL (nats://host:4222, several comma-separated): publish every event to JetStream as a CloudEvent on ordo.events.<type>")->envname("ORDO_NATS");
  s->add_option("--nats-stream", serve.nats_stream, "with --nats: the JetStream stream (created, or its subjects and duplicate window set, at start)")->envname("ORDO_NATS_STREAM")->capture_default_str();

  std::string data = "./data";
  std::string db;
  auto* migrate = app.add_subcommand("migrate", "apply schema migrations");
  migrate->add_option("--data", data, "data directory or .db file")->envname("ORDO_DATA")->capture_default_str();
  migrate->add_option("--db", db, "PostgreSQL URI instead of --data")->envname("ORDO_DB");
  auto* demo = app.add_subcommand("demo", "load the demo catalogue, locations and stock");
  demo->add_option("--data", data, "data directory or .db file")->envname("ORDO_DATA")->capture_default_str();
  demo->add_option("--db", db, "PostgreSQL URI instead of --data")->envname("ORDO_DB");
  std::int64_t demo_stock = 0;
  demo->add_option("--demo-stock", demo_stock, "units per stocked location and SKU (0 = varied)")->envname("ORDO_DEMO_STOCK");
  auto* check = app.add_subcommand("check", "verify the invariants of a database; exit 1 on a violation");
  check->add_option("data", data, "data directory or .db file")->envname("ORDO_DATA")->capture_default_str();
  check->add_option("--db", db, "PostgreSQL URI instead of a SQLite file")->envname("ORDO_DB");

  ordo::load::Options load;
  auto* l = app.add_subcommand("load", "HTTP load generator for the order API");
  l->add_option("--url", load.url, "server base URL (loopback only)")->envname("ORDO_LOAD_URL")->capture_default_str();
  l->add_option("-c,--connections", load.connections, "keep-alive connections")->envname("ORDO_LOAD_CONNECTIONS")->capture_default_str();
  l->add_option("-d,--duration", load.duration_s, "seconds")->envname("ORDO_LOAD_DURATION")->capture_default_str();
  l->add_option("--rate", load.rate, "requests per second in total; 0 = closed loop")->envname("ORDO_LOAD_RATE")->capture_default_str();
  l->add_option("--scenario", load.scenario, "uniform | flash-sale | echo | lifecycle (create, pay, poll until paid, ship, deliver)")->envname("ORDO_LOAD_SCENARIO")->check(CLI::IsMember({"uniform", "flash-sale", "echo", "lifecycle"}))->capture_default_str();
  l->add_option("--sku", load.sku, "flash-sale SKU (default: the first)")->envname("ORDO_LOAD_SKU");
  l->add_option("--quantity", load.quantity, "units per order line")->envname("ORDO_LOAD_QUANTITY")->capture_default_str();
  l->add_option("--threads", load.threads, "client io threads")->envname("ORDO_LOAD_THREADS")->capture_default_str();
  l->add_option("--json-out", load.json_out, "write the summary as JSON to this file")->envname("ORDO_LOAD_JSON_OUT");
  l->add_flag("--idempotency-keys", load.idempotency_keys, "send a unique Idempotency-Key per request")->envname("ORDO_LOAD_IDEMPOTENCY_KEYS");
  l->add_option("--poll-interval-ms", load.poll_interval_ms, "lifecycle: wait between polls for paid")->envname("ORDO_LOAD_POLL_INTERVAL_MS")->check(CLI::NonNegativeNumber)->capture_default_str();
  l->add_option("--paid-timeout", load.paid_timeout_s, "lifecycle: seconds after the pay answer a flow waits for paid")->envname("ORDO_LOAD_PAID_TIMEOUT")->check(CLI::PositiveNumber)->capture_default_str();
  l->add_option("--slow-connections", load.slow_connections, "slowloris: this many extra connections that trickle a header line a second and never finish their request")->envname("ORDO_LOAD_SLOW_CONNECTIONS")->check(CLI::Range(0, 10000))->capture_default_str();
  l->add_option("--token", load.bearer, "bearer token sent with every request (see ordo token)")->envname("ORDO_LOAD_TOKEN");
  bool quiet = false;
  l->add_flag("-q,--quiet", quiet, "no progress line")->envname("ORDO_LOAD_QUIET");

  // ordo token: a signed token for scripts, benchmarks and operators.
  struct TokenFlags {
    std::string secret, data = "./data", db, role = "admin", subject, customer_id, locations, ttl = "1h";
    std::string issuer = "ordo", audience = "ordo";
  } tok;
  auto* token = app.add_subcommand("token", "print a signed bearer token (HS256 with --jwt-secret or the database's secret)");
  token->add_option("--jwt-secret", tok.secret, "the server's --jwt-secret (default: the one kept in the database)")->envname("ORDO_JWT_SECRET");
  token->add_option("--data", tok.data, "data directory or .db file (to read the kept secret)")->envname("ORDO_DATA")->capture_default_str();
  token->add_option("--db", tok.db, "PostgreSQL URI instead of --data")->envname("ORDO_DB");
  token->add_option("--role", tok.role, "admin, seller or customer")->check(CLI::IsMember({"admin", "seller", "customer"}))->capture_default_str();
  token->add_option("--subject", tok.subject, "sub (default: the role)");
  token->add_option("--customer-id", tok.customer_id, "customers: their customer id (default: the subject)");
  token->add_option("--locations", tok.locations, "sellers: comma-separated location ids");
  token->add_option("--ttl", tok.ttl, "lifetime, e.g. 1h, 30m")->capture_default_str();
  token->add_option("--jwt-issuer", tok.issuer, "iss")->envname("ORDO_JWT_ISSUER")->capture_default_str();
  token->add_option("--jwt-audience", tok.audience, "aud")->envname("ORDO_JWT_AUDIENCE")->capture_default_str();
  auto* hash = app.add_subcommand("hash-password", "read a password on stdin and print its scrypt hash for a --users file");

  SimFlags simf;  // ordo sim: runs from its callback, so the dispatch below stays as it is
  auto* sim = app.add_subcommand("sim", "simulated payment gateway, webhook receiver, WMS and ERP with chaos knobs");
  sim->add_option("--listen", simf.listen, "host:port to listen on")->envname("ORDO_SIM_LISTEN")->capture_default_str();
  sim->add_option("--threads", simf.threads, "HTTP io threads")->envname("ORDO_SIM_THREADS")->capture_default_str();
  sim->add_option("--webhook-secret", simf.webhook_secret, "receiver secret: whsec_<base64> or raw text (default whsec_ + base64 of ordo-sim-secret)")->envname("ORDO_SIM_WEBHOOK_SECRET");
  auto pct = CLI::Range(0, 100), ms = CLI::Range(0, ordo::sim::kMaxDelayMs);
  sim->add_option("--failure-pct", simf.knobs.failure_pct, "% of money requests and webhooks answered 500/503, nothing applied")->envname("ORDO_SIM_FAILURE_PCT")->check(pct)->capture_default_str();
  sim->add_option("--decline-pct", simf.knobs.decline_pct, "% of authorizations declined (402)")->envname("ORDO_SIM_DECLINE_PCT")->check(pct)->capture_default_str();
  sim->add_option("--latency-ms", simf.knobs.latency_ms, "delay added to every money answer and webhook")->envname("ORDO_SIM_LATENCY_MS")->check(ms)->capture_default_str();
  sim->add_option("--hang-pct", simf.knobs.hang_pct, "% of money requests that hang for --hang-ms, then 504, nothing applied")->envname("ORDO_SIM_HANG_PCT")->check(pct)->capture_default_str();
  sim->add_option("--hang-ms", simf.knobs.hang_ms, "how long a hang lasts")->envname("ORDO_SIM_HANG_MS")->check(ms)->capture_default_str();
  sim->add_option("--drop-after-charge-pct", simf.knobs.drop_after_charge_pct, "% of successful money requests applied, then the connection dropped unanswered")->envname("ORDO_SIM_DROP_AFTER_CHARGE_PCT")->check(pct)->capture_default_str();
  sim->add_option("--malformed-pct", simf.knobs.malformed_pct, "% of successful money requests applied, then answered 200 with a body that is not JSON")->envname("ORDO_SIM_MALFORMED_PCT")->check(pct)->capture_default_str();
  sim->add_option("--wms-failure-pct", simf.knobs.wms_failure_pct, "% of WMS pushes and cancels answered 503, nothing stored")->envname("ORDO_SIM_WMS_FAILURE_PCT")->check(pct)->capture_default_str();
  sim->add_option("--wms-step-ms", simf.knobs.wms_step_ms, "time between a WMS order's picked, packed, shipped and delivered")->envname("ORDO_SIM_WMS_STEP_MS")->check(ms)->capture_default_str();
  sim->add_option("--callback-duplicate-pct", simf.knobs.callback_duplicate_pct, "% of WMS callbacks sent twice (same event_id)")->envname("ORDO_SIM_CALLBACK_DUPLICATE_PCT")->check(pct)->capture_default_str();
  sim->add_option("--callback-reorder-pct", simf.knobs.callback_reorder_pct, "% of WMS callbacks sent after the next step's")->envname("ORDO_SIM_CALLBACK_REORDER_PCT")->check(pct)->capture_default_str();
  sim->add_option("--callback-drop-pct", simf.knobs.callback_drop_pct, "% of WMS callbacks never sent (the order still moves on)")->envname("ORDO_SIM_CALLBACK_DROP_PCT")->check(pct)->capture_default_str();
  sim->add_option("--seed", simf.knobs.seed, "seed of the chaos dice")->envname("ORDO_SIM_SEED")->capture_default_str();
  sim->add_option("--wms-callback-url", simf.wms_callback_url, "where the WMS posts status callbacks, e.g. http://127.0.0.1:8080/v1/integrations/wms/events (none: no callbacks)")->envname("ORDO_SIM_WMS_CALLBACK_URL");
  sim->add_option("--wms-secret", simf.wms_secret, "WMS callback signing secret: whsec_<base64> or raw text (default whsec_ + base64 of ordo-sim-wms-secret)")->envname("ORDO_SIM_WMS_SECRET");
  sim->add_option("--wms-api-key", simf.wms_api_key, "sent as Authorization: Bearer with every WMS callback")->envname("ORDO_SIM_WMS_API_KEY");
  sim->add_option("--ordo-url", simf.ordo_url, "Ordo's base URL, where the ERP sends orders (POST …/v1/integrations/erp/orders)")->envname("ORDO_SIM_ORDO_URL");
  sim->add_option("--erp-secret", simf.erp_secret, "ERP order signing secret: whsec_<base64> or raw text (default whsec_ + base64 of ordo-sim-erp-secret)")->envname("ORDO_SIM_ERP_SECRET");
  sim->add_option("--erp-api-key", simf.erp_api_key, "sent as Authorization: Bearer with every ERP order")->envname("ORDO_SIM_ERP_API_KEY");
  sim->add_option("--log-level", simf.log_level, "trace, debug, info, warn, error")->envname("ORDO_SIM_LOG_LEVEL")->capture_default_str();
  sim->add_flag("--log-requests", simf.log_requests, "log every request (5xx are always logged)")->envname("ORDO_SIM_LOG_REQUESTS");
  sim->callback([&] {
    if (int rc = Sim(simf)) throw CLI::RuntimeError(rc);
  });

  CLI11_PARSE(app, argc, argv);

  if (*s) return Serve(serve);
  if (*migrate) {
    auto store = OpenStore(data, true, db);
    if (!store) {
      std::cerr << "ordo migrate: " << store.error().message << "\n";
      return 1;
    }
    std::cout << "schema is current at " << (*store)->Describe() << "\n";
    return 0;
  }
  if (*demo) return Demo(data, db, demo_stock);
  if (*hash) {
    std::string password;
    std::getline(std::cin, password);
    auto hashed = ordo::auth::HashPassword(password);
    if (!hashed) {
      std::cerr << "ordo hash-password: " << hashed.error().message << "\n";
      return 2;
    }
    std::cout << *hashed << "\n";
    return 0;
  }
  if (*token) return Token(tok.secret, tok.data, tok.db, tok.role, tok.subject, tok.customer_id, tok.locations, tok.ttl,
                           tok.issuer, tok.audience);
  if (*check) return Check(data, db);
  if (*l) {
    load.progress = !quiet;
    try {
      auto summary = ordo::load::Run(load);
      if (load.scenario == "lifecycle") return summary.lifecycle.flows_completed > 0 ? 0 : 1;
      return summary.ok_2xx + summary.conflict_409 > 0 ? 0 : 1;
    } catch (const std::exception& e) {
      std::cerr << "ordo load: " << e.what() << "\n";
      return 2;
    }
  }
  return 0;
}
