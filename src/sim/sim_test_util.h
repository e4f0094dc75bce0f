// For the WMS and ERP tests: a Simulator started on a loopback port, and a
// stand-in for Ordo (a real HTTP server on another loopback port) that records
// every request it gets and answers as the test says.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "http_client.h"
#include "integrations/signature.h"
#include "sim/sim.h"

namespace ordo::sim {

class Recorder {
 public:
  struct Arrival {
    std::string path;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // lower-case names

    std::string Header(std::string_view name) const {
      for (const auto& [k, v] : headers)
        if (k == name) return v;
      return {};
    }
    nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
    // The Standard Webhooks headers check out against `secret`.
    bool Signed(const std::string& secret) const {
      const std::int64_t now_s =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      return signature::Verify(secret, Header("webhook-id"), Header("webhook-timestamp"), Header("webhook-signature"),
                               body, now_s)
          .ok();
    }
  };
  // The answer to the n-th arrival (0-based), called one at a time.
  using Answer = std::function<http::Response(const Arrival& arrival, std::size_t n)>;

  explicit Recorder(Answer answer = {}) : answer_(std::move(answer)) {
    http::ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<http::Server>(
        options, [this](http::Request& r, http::Respond respond) { respond(Record(r)); }, nullptr);
    std::string error;
    started_ = server_->Start(&error);
    EXPECT_TRUE(started_) << error;
  }
  ~Recorder() {
    if (started_) server_->Stop(1000);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::vector<Arrival> arrivals() const {
    std::lock_guard lock(mu_);
    return arrivals_;
  }
  // True once at least n requests have arrived.
  bool WaitFor(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(4)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return arrivals_.size() >= n; });
  }

 private:
  http::Response Record(const http::Request& r) {
    std::lock_guard lock(mu_);
    arrivals_.push_back({r.path, r.body, r.headers});
    cv_.notify_all();
    if (answer_) return answer_(arrivals_.back(), arrivals_.size() - 1);
    http::Response none;
    none.status = 204;
    return none;
  }

  Answer answer_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Arrival> arrivals_;
  std::unique_ptr<http::Server> server_;
  bool started_ = false;
};

// A Simulator on a loopback port with `options`, and a client of it.
class SimHarness {
 public:
  explicit SimHarness(Options options) : sim_(std::move(options)) {
    auto started = sim_.Start("127.0.0.1", 0);
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
    client_ = std::make_unique<itest::HttpClient>(sim_.base_url(), std::chrono::seconds(5));
  }
  Simulator& sim() { return sim_; }
  itest::HttpClient& client() { return *client_; }
  void Chaos(const nlohmann::json& knobs) {
    auto r = client_->Put("/v1/chaos", knobs);
    ASSERT_EQ(r.status, 200) << r.Describe();
  }

 private:
  Simulator sim_;
  std::unique_ptr<itest::HttpClient> client_;
};

// Polls `done` every 10 ms until it holds or `timeout` passes.
inline bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(4)) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace ordo::sim
