// 1. Last-units race: 300 concurrent clients fight over 15 units at 3 locations.
#include <atomic>
#include <latch>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "test_util.h"

namespace ordo::itest {
namespace {

// Once per backend: OrdoIntegration/Race.*/sqlite and …/postgres.
class Race : public OnBackend {};
INSTANTIATE_TEST_SUITE_P(OrdoIntegration, Race, kAllBackends, BackendParamName);

TEST_P(Race, LastUnitsRaceSellsExactlyTheStock) {
  OrdoServer server({"--demo"}, GetParam());
  ASSERT_TRUE(server.Start());
  HttpClient client(server.url());

  const std::string sku = "SKU-0007";
  json before = StockOf(client, sku);
  ASSERT_GE(before.size(), 3u) << "the demo should stock " << sku << " in at least 3 locations: " << before.dump();

  // 7 + 5 + 3 units at the first three locations, 0 everywhere else.
  const std::vector<long> amounts = {7, 5, 3};
  std::map<std::string, long> on_hand;
  for (std::size_t i = 0; i < before.size(); ++i) {
    std::string location = before[i]["location_id"];
    long units = i < amounts.size() ? amounts[i] : 0;
    on_hand[location] = units;
    HttpResponse r = client.Put("/v1/stock/" + location + "/" + sku, {{"on_hand", units}});
    ASSERT_EQ(r.status, 200) << r.Describe();
    ASSERT_EQ(r.Json()["on_hand"], units) << r.Describe();
  }
  const long total_units = 15;
  for (const auto& row : StockOf(client, sku)) {
    ASSERT_EQ(row["available"].get<long>(), on_hand[row["location_id"]]) << row.dump();
    ASSERT_EQ(row["reserved"].get<long>(), 0) << row.dump();
  }

  constexpr int kClients = 300;
  struct Result {
    long quantity = 0;
    HttpResponse response;
  };
  std::vector<Result> results(kClients);
  std::latch ready(kClients + 1);
  std::vector<std::thread> threads;
  threads.reserve(kClients);
  const std::string url = server.url();
  for (int i = 0; i < kClients; ++i) {
    results[i].quantity = (i % 10 == 0) ? 2 : 1;  // every tenth client wants two units
    threads.emplace_back([&, i] {
      HttpClient own(url, 30s);
      json body = OrderBody(sku, results[i].quantity);
      body["customer_id"] = "race-" + std::to_string(i);
      std::string text = body.dump();
      ready.arrive_and_wait();
      results[i].response = own.Post("/v1/orders", text);
    });
  }
  ready.arrive_and_wait();
  for (auto& t : threads) t.join();

  long sold = 0;
  int created = 0, conflicts = 0;
  std::set<std::string> ids;
  std::map<std::string, long> allocated;  // location → units in the 201 bodies
  for (int i = 0; i < kClients; ++i) {
    const HttpResponse& r = results[i].response;
    SCOPED_TRACE("client " + std::to_string(i) + " wanting " + std::to_string(results[i].quantity));
    ASSERT_NE(r.status, 0) << r.Describe();
    ASSERT_LT(r.status, 500) << r.Describe();
    json body = r.Json();
    ASSERT_FALSE(body.is_discarded()) << r.Describe();
    if (r.status == 201) {
      ++created;
      sold += results[i].quantity;
      EXPECT_TRUE(ids.insert(body["id"].get<std::string>()).second) << "duplicate order id " << body["id"];
      EXPECT_EQ(body["status"], "pending");
      ASSERT_EQ(body["lines"].size(), 1u);
      EXPECT_EQ(body["lines"][0]["quantity"], results[i].quantity);
      long units = 0;
      for (const auto& a : body["allocations"])
        for (const auto& l : a["lines"]) {
          units += l["quantity"].get<long>();
          allocated[a["location_id"]] += l["quantity"].get<long>();
        }
      EXPECT_EQ(units, results[i].quantity) << "allocations do not cover the line: " << r.body;
    } else {
      ++conflicts;
      EXPECT_EQ(r.status, 409) << r.Describe();
      EXPECT_EQ(ProblemType(body), "insufficient-stock") << r.Describe();
      EXPECT_EQ(r.Header("content-type").rfind("application/problem+json", 0), 0u) << r.Header("content-type");
      ASSERT_TRUE(body.contains("shortfall") && body["shortfall"].is_array() && !body["shortfall"].empty())
          << r.Describe();
      EXPECT_EQ(body["shortfall"][0]["sku"], sku);
    }
  }
  EXPECT_EQ(sold, total_units) << created << " orders created, " << conflicts << " refused";
  EXPECT_EQ(created + conflicts, kClients);

  // Every unit is reserved, nothing is left, nothing went negative.
  long reserved = 0;
  for (const auto& row : StockOf(client, sku)) {
    SCOPED_TRACE(row.dump());
    std::string location = row["location_id"];
    EXPECT_EQ(row["on_hand"].get<long>(), on_hand[location]);
    EXPECT_EQ(row["reserved"].get<long>(), row["on_hand"].get<long>());
    EXPECT_EQ(row["available"].get<long>(), 0);
    EXPECT_GE(row["reserved"].get<long>(), 0);
    EXPECT_EQ(row["reserved"].get<long>(), allocated[location]) << "reserved differs from the 201 allocations";
    reserved += row["reserved"].get<long>();
  }
  EXPECT_EQ(reserved, total_units);

  // One more order now finds nothing.
  HttpResponse late = client.Post("/v1/orders", OrderBody(sku, 1));
  EXPECT_EQ(late.status, 409) << late.Describe();

  EXPECT_TRUE(server.Alive());
  ExpectCleanShutdownAndCheck(server);
}

}  // namespace
}  // namespace ordo::itest
