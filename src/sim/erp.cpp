#include "sim/erp.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "integrations/signature.h"
#include "sim/reply.h"

namespace ordo::sim {
namespace {

using nlohmann::json;

constexpr std::string_view kOrdersPath = "/v1/integrations/erp/orders";
constexpr double kMaxRate = 10'000;
constexpr std::size_t kMaxSkus = 1000;

// Real European cities, with an address in each.
struct City {
  const char* city;
  const char* zip;
  const char* country;      // ISO 3166-1 alpha-2
  const char* subdivision;  // the ISO 3166-2 code after the country's
  const char* street;
  const char* dial;         // the phone number's prefix
};
constexpr City kCities[] = {
    {"Berlin", "10117", "DE", "BE", "Friedrichstraße", "+4930"},
    {"Hamburg", "20095", "DE", "HH", "Mönckebergstraße", "+4940"},
    {"Munich", "80331", "DE", "BY", "Kaufingerstraße", "+4989"},
    {"Cologne", "50667", "DE", "NW", "Hohe Straße", "+49221"},
    {"Frankfurt am Main", "60313", "DE", "HE", "Zeil", "+4969"},
    {"Paris", "75001", "FR", "IDF", "Rue de Rivoli", "+331"},
    {"Lyon", "69002", "FR", "ARA", "Rue de la République", "+334"},
    {"Amsterdam", "1012 JS", "NL", "NH", "Damrak", "+3120"},
    {"Rotterdam", "3011 AD", "NL", "ZH", "Coolsingel", "+3110"},
    {"Vienna", "1010", "AT", "9", "Kärntner Straße", "+431"},
    {"Madrid", "28013", "ES", "M", "Gran Vía", "+3491"},
    {"Barcelona", "08007", "ES", "B", "Passeig de Gràcia", "+3493"},
    {"Milan", "20121", "IT", "MI", "Via Monte Napoleone", "+3902"},
    {"Rome", "00186", "IT", "RM", "Via del Corso", "+3906"},
    {"Brussels", "1000", "BE", "BRU", "Rue Neuve", "+322"},
    {"Copenhagen", "1160", "DK", "84", "Vimmelskaftet", "+45"},
    {"Prague", "110 00", "CZ", "10", "Na Příkopě", "+420"},
    {"Warsaw", "00-368", "PL", "14", "Nowy Świat", "+4822"},
    {"Lisbon", "1100-048", "PT", "11", "Rua Augusta", "+351"},
    {"Dublin", "D02 VF65", "IE", "D", "Grafton Street", "+3531"},
    {"Stockholm", "111 29", "SE", "AB", "Drottninggatan", "+468"},
    {"Zurich", "8001", "CH", "ZH", "Bahnhofstrasse", "+4144"},
};
constexpr const char* kFirstNames[] = {"Anna", "Lukas", "Marie", "Jonas", "Sofia", "Mateo", "Emma", "Noah",
                                       "Lea",  "Luca",  "Chloé", "Jakub", "Ines",  "Finn",  "Aoife", "Elin"};
constexpr const char* kLastNames[] = {"Müller", "Schmidt", "Dubois", "Rossi",  "García", "de Vries", "Novák",
                                      "Kowalski", "Jensen", "Silva", "Murphy", "Lindqvist", "Bauer", "Moreau"};
// What a SKU is (by its hash), with the customs tariff code of that kind of goods.
struct Kind {
  const char* name;
  const char* hs_code;
};
constexpr Kind kKinds[] = {{"Leather bag", "4202920000"},  {"Cotton T-shirt", "6109100010"},
                           {"Running shoes", "6404110000"}, {"Ceramic mug", "6912002310"},
                           {"Backpack", "4202929100"},      {"Headphones", "8518300000"},
                           {"Steel water bottle", "7323930000"}, {"Notebook", "4820102000"}};

// FNV-1a: the same product data for a SKU in every order and every run.
std::uint64_t Hash(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

template <typename T, std::size_t N>
const T& Pick(const T (&list)[N], std::mt19937_64& rng) {
  return list[rng() % N];
}

// Seed 000's Fulfil payload, keys in its order.
std::string FulfilOrder(const std::string& erp_order_id, const std::string& organization_id,
                        const std::vector<std::string>& skus, int max_quantity, std::mt19937_64& rng) {
  const City& city = Pick(kCities, rng);
  char phone[16];
  std::snprintf(phone, sizeof phone, "%07llu", static_cast<unsigned long long>(rng() % 10'000'000));
  nlohmann::ordered_json order = {
      {"erpOrderId", erp_order_id},
      {"organizationId", organization_id},
      {"channelId", "erp-sim"},
      {"deliveryAddress",
       {{"name", std::string(Pick(kFirstNames, rng)) + " " + Pick(kLastNames, rng)},
        {"address1", std::string(city.street) + " " + std::to_string(1 + rng() % 120)},
        {"city", city.city},
        {"zip", city.zip},
        {"countryCode", city.country},
        {"subdivisionCode", city.subdivision},
        {"phone", std::string(city.dial) + phone}}},
      {"lines", nlohmann::ordered_json::array()}};
  // 1 to 3 lines, each of another SKU.
  std::vector<std::string> chosen = skus;
  std::shuffle(chosen.begin(), chosen.end(), rng);
  chosen.resize(std::min<std::size_t>(chosen.size(), 1 + rng() % 3));
  int line_id = 0;
  for (const std::string& sku : chosen) {
    const std::uint64_t h = Hash(sku);
    const Kind& kind = kKinds[h % std::size(kKinds)];
    order["lines"].push_back({{"id", ++line_id},
                              {"product",
                               {{"id", 1000 + h % 900'000},
                                {"name", std::string(kind.name) + " " + sku},
                                {"code", sku},
                                {"hsCode", kind.hs_code}}},
                              {"quantity", 1 + static_cast<int>(rng() % static_cast<std::uint64_t>(max_quantity))},
                              {"currency", "EUR"},
                              {"unitCustomsValue", static_cast<double>(500 + (h >> 8) % 11'500) / 100.0}});
  }
  return order.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string StringAt(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The order status an Ordo event announces, or "" when it announces none.
std::string EventStatus(const std::string& type, const json& data) {
  const bool workflow = type.rfind("workflow.", 0) == 0;
  if (!workflow && type.rfind("order.", 0) != 0) return {};
  if (std::string status = StringAt(data, "status"); !status.empty()) return status;
  if (workflow) return type.substr(9);
  if (type == "order.status_changed") return StringAt(data, "to");
  static constexpr std::pair<std::string_view, std::string_view> kEffects[] = {
      {"order.confirmed", "confirmed"}, {"order.paid", "paid"},     {"order.shipped", "shipped"},
      {"order.delivered", "delivered"}, {"order.cancelled", "cancelled"}, {"order.failed", "failed"},
      {"order.expired", "expired"}};
  for (const auto& [event, status] : kEffects)
    if (type == event) return std::string(status);
  return {};
}

Result<std::vector<std::string>> Skus(const json& body) {
  std::vector<std::string> skus;
  auto it = body.find("skus");
  if (it == body.end()) {
    char sku[16];
    for (int i = 1; i <= 60; ++i) {
      std::snprintf(sku, sizeof sku, "SKU-%04d", i);
      skus.emplace_back(sku);
    }
    return skus;
  }
  if (!it->is_array() || it->empty() || it->size() > kMaxSkus)
    return Error::Invalid("/skus", "skus must be an array of 1 to " + std::to_string(kMaxSkus) + " SKUs");
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& sku = (*it)[i];
    if (!sku.is_string() || sku.get_ref<const std::string&>().empty() || sku.get_ref<const std::string&>().size() > 255)
      return Error::Invalid("/skus/" + std::to_string(i), "a SKU must be a string of 1 to 255 characters");
    skus.push_back(sku.get<std::string>());
  }
  return skus;
}

}  // namespace

std::string DefaultErpSecret() { return WhsecOf("ordo-sim-erp-secret"); }

Erp::Erp(Chaos& chaos, Peer ordo, std::function<std::string()> webhook_secret)
    : chaos_(chaos), webhook_secret_(std::move(webhook_secret)), ordo_(std::move(ordo)) {
  if (ordo_.secret.empty()) ordo_.secret = DefaultErpSecret();
}

Erp::~Erp() { Stop(); }

void Erp::Register(http::Router& router) {
  router.Add("POST", "/erp/v1/runs", [this](http::Request& r, http::Respond respond) { respond(StartRun(r)); });
  router.Add("GET", "/erp/v1/runs/current", [this](http::Request& r, http::Respond respond) {
    std::lock_guard lock(mu_);
    if (!run_) return respond(Problem(Error::NotFound("no run has been started"), r));
    respond(Json(200, ToJson(*run_)));
  });
  router.Add("POST", "/erp/v1/runs/stop", [this](http::Request& r, http::Respond respond) { respond(StopRun(r)); });
  router.Add("GET", "/erp/v1/orders", [this](http::Request& r, http::Respond respond) {
    auto page = ParsePage(r);
    if (!page) return respond(Problem(page.error(), r));
    std::lock_guard lock(mu_);
    respond(Json(200, PageOf(orders_, *page, [](const Order& o) { return ToJson(o); })));
  });
  router.Add("GET", "/erp/v1/orders/{erp_order_id}", [this](http::Request& r, http::Respond respond) {
    const std::string& id = r.params.at("erp_order_id");
    std::lock_guard lock(mu_);
    auto it = by_erp_id_.find(id);
    if (it == by_erp_id_.end()) return respond(Problem(Error::NotFound("no order " + id + " in the ERP"), r));
    respond(Json(200, ToJson(orders_[it->second])));
  });
  router.Add("POST", "/erp/v1/ordo-events", [this](http::Request& r, http::Respond respond) { respond(OrdoEvent(r)); });
  router.Add("GET", "/erp/v1/stats", [this](http::Request&, http::Respond respond) {
    std::lock_guard lock(mu_);
    respond(Json(200, {{"orders", orders_.size()},
                       {"events_received", stats_.events_received},
                       {"events_applied", stats_.events_applied},
                       {"events_unmatched", stats_.events_unmatched},
                       {"events_refused", stats_.events_refused}}));
  });
  RegisterPeerConfig(router, "/erp/v1/config", "ordo_url", mu_, ordo_);
}

void Erp::Stop() {
  std::lock_guard control(control_mu_);
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    if (run_) {
      run_->stop = true;
      if (run_->state == "running") {
        run_->state = "stopped";
        run_->finished_at = clock_.Now();
      }
    }
    workers = std::move(workers_);
    workers_.clear();
    cv_.notify_all();
  }
  for (std::thread& t : workers) t.join();
}

void Erp::Reset() {
  Stop();
  std::lock_guard lock(mu_);
  run_.reset();
  orders_.clear();
  by_erp_id_.clear();
  by_ordo_id_.clear();
  stats_ = {};
}

Peer Erp::ordo() const {
  std::lock_guard lock(mu_);
  return ordo_;
}

http::Response Erp::StartRun(const http::Request& request) {
  auto body = ParseObject(request.body);
  if (!body) return Problem(body.error(), request);
  if (auto s = OnlyFields(*body, {"rate", "count", "duplicate_pct", "skus", "organization_id", "max_quantity",
                                  "concurrency"});
      !s)
    return Problem(s.error(), request);
  auto rate = body->find("rate");
  if (rate == body->end() || !rate->is_number() || !(rate->get<double>() > 0) || rate->get<double>() > kMaxRate)
    return Problem(Error::Invalid("/rate", "rate must be a number of orders per second above 0, at most 10000"),
                   request);
  if (!body->contains("count")) return Problem(Error::Invalid("/count", "count is required"), request);
  auto count = Integer(*body, "count", 1, 1'000'000, 0);
  if (!count) return Problem(count.error(), request);
  auto duplicate_pct = Integer(*body, "duplicate_pct", 0, 100, 0);
  if (!duplicate_pct) return Problem(duplicate_pct.error(), request);
  auto skus = Skus(*body);
  if (!skus) return Problem(skus.error(), request);
  auto organization_id = OptionalText(*body, "organization_id");
  if (!organization_id) return Problem(organization_id.error(), request);
  auto max_quantity = Integer(*body, "max_quantity", 1, 1000, 3);
  if (!max_quantity) return Problem(max_quantity.error(), request);
  auto concurrency = Integer(*body, "concurrency", 1, 32, 4);
  if (!concurrency) return Problem(concurrency.error(), request);

  std::lock_guard control(control_mu_);
  {
    std::lock_guard lock(mu_);
    if (ordo_.url.empty())
      return Problem(Error::Precondition("not-configured", "no ordo_url: give --ordo-url or PUT /erp/v1/config"),
                     request);
    if (run_ && run_->workers_left > 0)
      return Problem(Error::Precondition("run-in-progress",
                                         run_->state == "running"
                                             ? "run " + run_->id + " is running; stop it first (POST /erp/v1/runs/stop)"
                                             : "run " + run_->id + " is stopping; try again in a moment"),
                     request);
  }
  for (std::thread& t : workers_) t.join();  // every one has left its loop
  workers_.clear();

  std::lock_guard lock(mu_);
  auto run = std::make_unique<Run>();
  run->started_at = clock_.Now();
  run->id = ids_.Next("run", run->started_at);
  run->token = run->id.substr(run->id.size() - 8);  // random bits of the id
  run->rate = rate->get<double>();
  run->count = *count;
  run->duplicate_pct = static_cast<int>(*duplicate_pct);
  run->skus = std::move(*skus);
  run->organization_id = organization_id->empty() ? "org-sim" : *organization_id;
  run->max_quantity = static_cast<int>(*max_quantity);
  run->concurrency = static_cast<int>(*concurrency);
  run->start = std::chrono::steady_clock::now();
  run->rng.seed(chaos_.Get().seed);
  run->workers_left = run->concurrency;
  run_ = std::move(run);
  for (int i = 0; i < run_->concurrency; ++i) workers_.emplace_back([this, r = run_.get()] { Work(r); });
  return Json(201, ToJson(*run_));
}

http::Response Erp::StopRun(const http::Request& request) {
  std::lock_guard lock(mu_);
  if (!run_) return Problem(Error::NotFound("no run has been started"), request);
  run_->stop = true;
  if (run_->state == "running") {
    run_->state = "stopped";
    run_->finished_at = clock_.Now();
  }
  cv_.notify_all();
  return Json(200, ToJson(*run_));
}

void Erp::Work(Run* run) {
  using Clock = std::chrono::steady_clock;
  const std::chrono::duration<double> period(1.0 / run->rate);
  auto has_work = [run] { return !run->resends.empty() || run->orders < run->count; };
  std::unique_lock lock(mu_);
  for (;;) {
    // Nothing to do and no first send unanswered (which could bring a re-send): the run is over.
    cv_.wait(lock, [&] { return run->stop || has_work() || run->first_in_flight == 0; });
    if (run->stop || !has_work()) break;
    auto due = run->start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(run->slots++));
    if (cv_.wait_until(lock, due, [run] { return run->stop; })) break;
    if (!has_work()) continue;  // another thread took it meanwhile
    const bool resend = !run->resends.empty();
    std::size_t index = 0;
    if (resend) {
      index = run->resends.front();
      run->resends.erase(run->resends.begin());
      ++run->duplicates_sent;
    } else {
      index = NewOrder(*run);
      ++run->orders;
      ++run->first_in_flight;
    }
    ++run->sent;
    ++run->in_flight;
    ++orders_[index].sends;
    const std::string body = orders_[index].body;
    Peer peer = ordo_;
    while (!peer.url.empty() && peer.url.back() == '/') peer.url.pop_back();
    peer.url += kOrdersPath;
    const std::string message_id = ids_.Next("msg", clock_.Now());
    lock.unlock();

    integrations::HttpResponse response;
    for (int attempt = 1;; ++attempt) {
      response = PostSigned(peer, message_id, body);
      if (!Retryable(response) || attempt >= kAttempts) break;
      lock.lock();
      ++run->retries;
      const bool stopped = cv_.wait_for(lock, std::chrono::milliseconds(BackoffMs(attempt)), [run] { return run->stop; });
      lock.unlock();
      if (stopped) break;
    }

    lock.lock();
    Record(*run, index, response);
    --run->in_flight;
    if (!resend) {
      --run->first_in_flight;
      run->answered.push_back(index);
      if (chaos_.Roll(run->duplicate_pct)) run->resends.push_back(run->answered[run->rng() % run->answered.size()]);
    }
    cv_.notify_all();
  }
  if (--run->workers_left == 0 && run->state == "running") {
    run->state = "finished";
    run->finished_at = clock_.Now();
  }
  cv_.notify_all();
}

std::size_t Erp::NewOrder(Run& run) {
  char erp_order_id[48];
  std::snprintf(erp_order_id, sizeof erp_order_id, "SO-%s-%06lld", run.token.c_str(),
                static_cast<long long>(run.orders + 1));
  Order o;
  o.erp_order_id = erp_order_id;
  o.organization_id = run.organization_id;
  o.run_id = run.id;
  o.body = FulfilOrder(o.erp_order_id, o.organization_id, run.skus, run.max_quantity, run.rng);
  o.status = "sent";
  o.updated_at = clock_.Now();
  by_erp_id_[o.erp_order_id] = orders_.size();
  orders_.push_back(std::move(o));
  return orders_.size() - 1;
}

void Erp::Record(Run& run, std::size_t index, const integrations::HttpResponse& response) {
  Order& o = orders_[index];
  o.last_http_status = response.status;
  o.updated_at = clock_.Now();
  json answer = json::parse(response.body, nullptr, false);
  if (Succeeded(response)) {
    ++(response.status == 200 ? run.duplicates : run.accepted);
    if (std::string id = answer.is_object() ? StringAt(answer, "id") : ""; !id.empty()) {
      o.ordo_order_id = id;
      by_ordo_id_[id] = index;
    }
    if (o.status == "sent" || o.status == "rejected") o.status = "accepted";
    o.last_error.clear();
    return;
  }
  o.last_error = Describe(response);
  if (std::string detail = answer.is_object() ? StringAt(answer, "detail") : ""; !detail.empty())
    o.last_error += ": " + detail;
  if (Retryable(response)) {
    ++run.errors;  // the outcome is unknown: the status stays as it was
    return;
  }
  ++run.rejected;
  if (o.status == "sent") o.status = "rejected";
}

http::Response Erp::OrdoEvent(const http::Request& request) {
  const Timestamp now = clock_.Now();
  Status verified =
      signature::Verify(webhook_secret_(), request.Header(signature::kIdHeader), request.Header(signature::kTimestampHeader),
                        request.Header(signature::kSignatureHeader), request.body, now / 1000);
  std::lock_guard lock(mu_);
  ++stats_.events_received;
  if (!verified) {
    ++stats_.events_refused;
    return Problem(401, "invalid-signature", "The webhook signature is invalid", verified.error().message, request);
  }
  auto event = ParseObject(request.body);
  if (!event) {
    ++stats_.events_refused;
    return Problem(event.error(), request);
  }
  const std::string type = StringAt(*event, "type");
  auto data = event->find("data");
  const json& fields = data != event->end() && data->is_object() ? *data : json::object();
  auto it = by_ordo_id_.find(StringAt(fields, "order_id"));
  if (it == by_ordo_id_.end()) {
    ++stats_.events_unmatched;  // not an order of this ERP: acknowledged all the same, or Ordo would retry
    return NoContent();
  }
  Order& o = orders_[it->second];
  o.last_event_type = type;
  o.updated_at = now;
  const std::string status = EventStatus(type, fields);
  const std::string at = StringAt(*event, "timestamp");
  if (!status.empty() && at >= o.last_event_at) {
    o.status = status;
    o.last_event_at = at;
    ++stats_.events_applied;
  }
  return NoContent();
}

json Erp::ToJson(const Run& r) {
  json out = {{"id", r.id},
              {"state", r.state},
              {"rate", r.rate},
              {"count", r.count},
              {"duplicate_pct", r.duplicate_pct},
              {"organization_id", r.organization_id},
              {"max_quantity", r.max_quantity},
              {"concurrency", r.concurrency},
              {"orders", r.orders},
              {"sent", r.sent},
              {"duplicates_sent", r.duplicates_sent},
              {"accepted", r.accepted},
              {"duplicates", r.duplicates},
              {"rejected", r.rejected},
              {"errors", r.errors},
              {"retries", r.retries},
              {"in_flight", r.in_flight},
              {"started_at", FormatTimestamp(r.started_at)}};
  if (r.finished_at) out["finished_at"] = FormatTimestamp(r.finished_at);
  return out;
}

json Erp::ToJson(const Order& o) {
  json out = {{"erp_order_id", o.erp_order_id},
              {"organization_id", o.organization_id},
              {"ordo_order_id", o.ordo_order_id.empty() ? json(nullptr) : json(o.ordo_order_id)},
              {"status", o.status},
              {"sends", o.sends},
              {"last_http_status", o.last_http_status},
              {"run_id", o.run_id},
              {"updated_at", FormatTimestamp(o.updated_at)}};
  if (!o.last_error.empty()) out["last_error"] = o.last_error;
  if (!o.last_event_type.empty()) out["last_event_type"] = o.last_event_type;
  return out;
}

}  // namespace ordo::sim
