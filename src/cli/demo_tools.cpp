#include "cli/demo_tools.h"

#include <mutex>
#include <random>

#include <nlohmann/json.hpp>

#include "base/ids.h"
#include "cli/demo.h"

namespace ordo::cli {
namespace {

using nlohmann::json;

// Addresses the offline geocoder resolves, spread over the demo's cities.
struct Place {
  const char* name;
  const char* line1;
  const char* city;
  const char* postal_code;
  const char* country;
};
constexpr Place kPlaces[] = {
    {"Ada Lovelace", "Unter den Linden 5", "Berlin", "10117", "DE"},
    {"Grace Hopper", "Jungfernstieg 1", "Hamburg", "20095", "DE"},
    {"Alan Turing", "Marienplatz 8", "Munich", "80331", "DE"},
    {"Marie Curie", "Rue de Rivoli 10", "Paris", "75001", "FR"},
    {"Edsger Dijkstra", "Damrak 1", "Amsterdam", "1012", "NL"},
    {"Hedy Lamarr", "Graben 12", "Vienna", "1010", "AT"},
    {"Konrad Zuse", "Hohe Strasse 40", "Cologne", "50667", "DE"},
};
constexpr const char* kCustomers[] = {"cus_demo_customer", "cus_demo_customer2"};
constexpr int kSkus = 60;  // LoadDemo's SKU-0001 … SKU-0060

// What each scenario is, and how the order is brought there:
//   happy             an ERP order (paid at the ERP), pushed to the WMS, delivered by its callbacks
//   wms_failure       an ERP order whose pushes all fail (the simulator's test value
//                     "wms-fail-<n>"): its push job dies → the DLQ; a manual retry heals it
//   callback_drop     an ERP order whose shipped and delivered callbacks the WMS drops
//                     ("drop-callbacks"): reconciliation finds and heals it
//   payment_declined  a shop order paid with the declining test card (tok_decline): it fails
//   unpaid            a shop order never paid: its reservation expires after the TTL
//   out_of_stock      a shop order for more than any location holds: refused (409), nothing stored
constexpr std::string_view kMixed[] = {"happy", "happy", "happy", "happy", "happy", "wms_failure",
                                       "callback_drop", "payment_declined", "unpaid", "out_of_stock"};

class Tools final : public http::DemoTools {
 public:
  Tools(engine::Engine& engine, sim::Simulator* simulator, DemoToolsOptions options)
      : engine_(engine), simulator_(simulator), options_(options), rng_(std::random_device{}()) {}

  std::string Chaos() override {
    if (!simulator_) return json{{"simulator", false}}.dump();
    return sim::ToJson(simulator_->knobs()).dump();
  }

  Result<std::string> SetChaos(const std::string& update) override {
    if (!simulator_)
      return Error::Precondition("no-simulator", "the WMS and the payment gateway are real ones: no knobs to turn");
    auto knobs = sim::Update(simulator_->knobs(), json::parse(update));
    if (!knobs) return knobs.take_error();
    simulator_->SetKnobs(*knobs);
    return sim::ToJson(*knobs).dump();
  }

  Result<std::string> GenerateOrders(int count, std::string_view scenario, const std::string& principal) override {
    json created = json::array(), rejected = json::array();
    for (int i = 0; i < count; ++i) {
      std::string_view s = scenario;
      if (s == "mixed") s = kMixed[Draw(std::size(kMixed))];
      auto made = Make(s, principal);
      if (!made) return made.take_error();  // storage trouble: stop here
      (made->contains("id") ? created : rejected).push_back(std::move(*made));
    }
    return json{{"created", created}, {"rejected", rejected}}.dump();
  }

  Status Reset() override {
    engine::Outcome reset = engine_.Call(engine::ResetDemo{}, MetaFor("demo-reset", "system"));
    if (!reset.result.ok()) return reset.result.error();
    if (simulator_) {
      simulator_->Reset();
      simulator_->SetKnobs(sim::Knobs{});
    }
    auto loaded = LoadDemo(engine_, {kSkus, options_.demo_stock});
    if (!loaded) return loaded.take_error();
    return Ok();
  }

 private:
  std::size_t Draw(std::size_t n) {
    std::lock_guard lock(mu_);
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  engine::Meta MetaFor(const std::string& correlation, const std::string& principal) {
    return {correlation, "demo-tools", principal, "", ""};
  }

  domain::OrderRequest Request(const std::string& external_id, const std::string& customer, std::int64_t quantity) {
    const Place& p = kPlaces[Draw(std::size(kPlaces))];
    domain::OrderRequest r;
    r.external_id = external_id;
    r.channel = "demo";
    r.customer_id = customer;
    r.currency = "EUR";
    r.shipping_address = {p.name, p.line1, "", p.city, "", p.postal_code, p.country, std::nullopt, std::nullopt, ""};
    char sku[16];
    std::snprintf(sku, sizeof sku, "SKU-%04d", static_cast<int>(Draw(kSkus)) + 1);
    r.lines.push_back({sku, quantity});
    return r;
  }

  // One order of the scenario: {id, scenario, status}, or {scenario, type, reason} when refused.
  Result<json> Make(std::string_view scenario, const std::string& principal) {
    const std::string name(scenario);
    const std::string tag = ids_.Next("demo", engine_.clock().Now()).substr(5);
    engine::CommandBody body;
    bool erp = scenario == "happy" || scenario == "wms_failure" || scenario == "callback_drop";
    domain::OrderRequest request;
    if (erp) {
      std::string mark = scenario == "wms_failure"     ? "wms-fail-" + std::to_string(options_.push_attempts) + "-"
                         : scenario == "callback_drop" ? "drop-callbacks-"
                                                       : "";
      request = Request("DEMO-" + mark + tag, "cus_demo_erp", 1 + static_cast<std::int64_t>(Draw(2)));
    } else {
      std::int64_t quantity = scenario == "out_of_stock" ? 1'000'000 : 1 + static_cast<std::int64_t>(Draw(2));
      request = Request("", kCustomers[Draw(std::size(kCustomers))], quantity);
    }
    auto point = engine_.PrepareOrder(request);
    if (!point) return point.take_error();
    if (erp) body = engine::IntakeErpOrder{{std::move(request), *point, {}}, {"demo"}};
    else body = engine::PlaceOrder{std::move(request), *point, {}};
    engine::Outcome placed = engine_.Call(std::move(body), MetaFor("demo-" + tag, principal));
    if (!placed.result.ok()) {
      const Error& e = placed.result.error();
      if (e.code == Code::kInternal || e.code == Code::kUnavailable) return e;
      return json{{"scenario", name}, {"type", e.type}, {"reason", e.message}};
    }
    domain::Order order = std::get<domain::Order>(placed.result.value());
    if (scenario == "payment_declined") {
      engine::Outcome paid = engine_.Call(engine::PayOrder{order.id, {std::nullopt, "tok_decline"}},
                                          MetaFor("demo-" + tag, principal));
      if (!paid.result.ok()) return json{{"scenario", name}, {"id", order.id}, {"reason", paid.result.error().message}};
      order = std::get<domain::Order>(paid.result.value());
    }
    return json{{"id", order.id}, {"scenario", name}, {"status", order.status}};
  }

  engine::Engine& engine_;
  sim::Simulator* simulator_;
  DemoToolsOptions options_;
  IdGenerator ids_;
  std::mutex mu_;
  std::mt19937_64 rng_;
};

}  // namespace

std::shared_ptr<http::DemoTools> MakeDemoTools(engine::Engine& engine, sim::Simulator* simulator,
                                               DemoToolsOptions options) {
  return std::make_shared<Tools>(engine, simulator, options);
}

}  // namespace ordo::cli
