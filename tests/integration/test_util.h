// Helpers shared by the integration tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "server.h"

namespace ordo::itest {

using nlohmann::json;
using namespace std::chrono_literals;

inline json Address() {
  return {{"name", "Ada Lovelace"}, {"line1", "Unter den Linden 1"}, {"city", "Berlin"},
          {"country", "DE"},        {"lat", 52.52},                  {"lng", 13.40}};
}

// A valid order body for the demo catalogue.
inline json OrderBody(const std::string& sku = "SKU-0001", long quantity = 1) {
  return {{"currency", "EUR"},
          {"lines", json::array({{{"sku", sku}, {"quantity", quantity}}})},
          {"shipping_address", Address()}};
}

// GET /v1/stock?sku=… items; fails the test (and returns an empty array) on error.
inline json StockOf(HttpClient& client, const std::string& sku) {
  HttpResponse r = client.Get("/v1/stock?sku=" + UrlEncode(sku));
  EXPECT_EQ(r.status, 200) << r.Describe();
  json body = r.Json();
  if (body.is_discarded() || !body.contains("items") || !body["items"].is_array()) {
    ADD_FAILURE() << "GET /v1/stock?sku=" << sku << ": " << r.Describe();
    return json::array();
  }
  return body["items"];
}

// The problem type with the base URL removed: "https://…/problems/validation" → "validation".
inline std::string ProblemType(const json& body) {
  if (!body.is_object() || !body.contains("type") || !body["type"].is_string()) return "";
  std::string type = body["type"].get<std::string>();
  auto slash = type.rfind('/');
  return slash == std::string::npos ? type : type.substr(slash + 1);
}

// "checked …: 12 orders, 345 events, 6 pending reservations" → {12, 345}
struct CheckCounts {
  long orders = -1, events = -1, pending = -1;
};
inline CheckCounts ParseCheck(const std::string& output) {
  CheckCounts c;
  std::smatch m;
  static const std::regex re(R"((\d+) orders, (\d+) events, (\d+) pending reservations)");
  if (std::regex_search(output, m, re)) {
    c.orders = std::stol(m[1]);
    c.events = std::stol(m[2]);
    c.pending = std::stol(m[3]);
  }
  return c;
}

// The value of an un-labelled or labelled sample in a /metrics text, e.g.
// `ordo_orders_total{outcome="placed"}`; -1 when it is not there.
inline double Sample(const std::string& metrics, const std::string& series) {
  std::istringstream in(metrics);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return -1;
}

// Polls `condition` every `every` until it is true or `deadline` passes.
inline bool PollUntil(std::chrono::milliseconds deadline, const std::function<bool()>& condition,
                      std::chrono::milliseconds every = 50ms) {
  auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(every);
  }
}

// Stops the server gracefully and asserts `ordo check` passes on its data.
inline void ExpectCleanShutdownAndCheck(OrdoServer& server) {
  StopResult stop = server.Terminate();
  EXPECT_TRUE(stop.exited && stop.exit_code == 0) << "SIGTERM: " << stop.Describe();
  CheckResult check = server.RunCheck();
  EXPECT_EQ(check.exit_code, 0) << "ordo check:\n" << check.output;
}


// True when a test on `backend` cannot run: PostgreSQL without ORDO_TEST_PG.
// That only happens when the binary is run by hand: CTest always sets the
// variable (CMakeLists.txt), so there the PostgreSQL variants never skip.
inline bool MissingBackend(Backend backend) { return backend == Backend::kPostgres && TestPgConninfo().empty(); }
#define ORDO_SKIP_WITHOUT_BACKEND(backend)                                                                    \
  if (!::ordo::itest::MissingBackend(backend)) {                                                              \
  } else                                                                                                      \
    GTEST_SKIP() << "ORDO_TEST_PG is not set: the PostgreSQL variant needs a server (run it through ctest, " \
                  "which starts one, or set ORDO_TEST_PG to a libpq conninfo)"

// Tests run once per backend: TEST_P on a subclass, instantiated with
// INSTANTIATE_TEST_SUITE_P(OrdoIntegration, Suite, kAllBackends, BackendParamName).
class OnBackend : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { ORDO_SKIP_WITHOUT_BACKEND(GetParam()); }
};
inline const auto kAllBackends = ::testing::Values(Backend::kSqlite, Backend::kPostgres);
inline std::string BackendParamName(const ::testing::TestParamInfo<Backend>& info) { return BackendName(info.param); }

inline void PrintTo(Backend backend, std::ostream* os) { *os << BackendName(backend); }

// A TEST_P suite whose tests share one `ordo serve --demo` per backend, started
// by the first test on that backend (from the main thread), shut down cleanly
// and checked at the end of the suite.
class SharedServerOnBackend : public OnBackend {
 protected:
  void SetUp() override {
    OnBackend::SetUp();
    if (IsSkipped()) return;
    auto& shared = servers_[GetParam()];
    if (!shared) {
      shared = std::make_unique<OrdoServer>(std::vector<std::string>{"--demo"}, GetParam());
      ASSERT_TRUE(shared->Start());
    }
    server_ = shared.get();
    ASSERT_TRUE(server_->Alive()) << "the shared server died";
  }
  static void TearDownTestSuite() {
    for (auto& [backend, server] : servers_)
      if (server && server->Alive()) ExpectCleanShutdownAndCheck(*server);
    servers_.clear();
  }
  OrdoServer* server_ = nullptr;

 private:
  static inline std::map<Backend, std::unique_ptr<OrdoServer>> servers_;
};

// A suite that shares one `ordo serve --demo` across its tests (Tag makes
// each suite's server its own). Shut down cleanly and checked at the end.
template <typename Tag>
class SharedServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new OrdoServer({"--demo"});
    ASSERT_TRUE(server_->Start());
  }
  static void TearDownTestSuite() {
    if (server_->Alive()) ExpectCleanShutdownAndCheck(*server_);
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    ASSERT_TRUE(server_->Alive()) << "the shared server died";
  }
  static inline OrdoServer* server_ = nullptr;
};

}  // namespace ordo::itest
