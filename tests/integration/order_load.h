// Order load for the durability tests: client threads that place orders with
// Idempotency-Keys and record every acknowledgement, and the checks that every
// acknowledged order (and its key) survived.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "test_util.h"

namespace ordo::itest {

// One order request of the load: its Idempotency-Key, exact body and (unique) customer.
struct Sent {
  std::string key;
  std::string body;
  std::string customer;
};

struct Acknowledged {
  std::string id;
  json body;     // the 201 body as parsed
  std::string raw;  // the 201 body as sent
  Sent request;
};

// Client threads that place orders until stopped, recording every 2xx body.
// Every order carries its own Idempotency-Key and customer id, so a request
// cut off by a crash can be retried and counted afterwards.
class OrderLoad {
 public:
  // `tag` keeps the keys and customers of two loads apart.
  OrderLoad(std::string url, int threads, std::string tag = "load") {
    for (int t = 0; t < threads; ++t)
      threads_.emplace_back([this, url, t, tag] {
        HttpClient client(url, 10s);
        std::mt19937 rng(static_cast<unsigned>(1000 + t));
        for (long n = 0; !stop_.load(); ++n) {
          char sku[16];
          std::snprintf(sku, sizeof sku, "SKU-%04d", static_cast<int>(rng() % 60) + 1);
          long quantity = 1 + static_cast<long>(rng() % 3);
          json body = OrderBody(sku, quantity);
          Sent sent{tag + "-key-" + std::to_string(t) + "-" + std::to_string(n), "",
                    tag + "-" + std::to_string(t) + "-" + std::to_string(n)};
          body["customer_id"] = sent.customer;
          if (rng() % 4 == 0) {  // a second line now and then
            char second[16];
            std::snprintf(second, sizeof second, "SKU-%04d", static_cast<int>(rng() % 60) + 1);
            if (std::string(second) != sku) body["lines"].push_back({{"sku", second}, {"quantity", 1}});
          }
          sent.body = body.dump();
          HttpResponse r = client.Post("/v1/orders", sent.body, {{"Idempotency-Key", sent.key}});
          bool gone = false;
          {
            std::lock_guard lock(mu_);
            ++sent_;
            if (r.status == 0) {
              ++transport_errors_;
              cut_off_.push_back(sent);
              gone = true;
            } else if (r.status >= 200 && r.status < 300) {
              json parsed = r.Json();
              acknowledged_.push_back({parsed.value("id", ""), parsed, r.body, sent});
              if (r.status != 201) unexpected_.push_back(r.Describe());
            } else if (r.status != 409) {  // 409 insufficient stock is a fine answer
              unexpected_.push_back(r.Describe());
            }
          }
          if (gone) {
            if (stop_after_error_.load()) return;
            std::this_thread::sleep_for(5ms);  // the server is gone; do not spin
          }
        }
      });
  }
  ~OrderLoad() { Stop(); }

  void Stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  void StopAfterTransportError() { stop_after_error_ = true; }
  std::size_t acknowledged_count() {
    std::lock_guard lock(mu_);
    return acknowledged_.size();
  }
  // Valid after Stop().
  const std::vector<Acknowledged>& acknowledged() const { return acknowledged_; }
  const std::vector<Sent>& cut_off() const { return cut_off_; }
  const std::vector<std::string>& unexpected() const { return unexpected_; }
  long sent() const { return sent_; }
  long transport_errors() const { return transport_errors_; }

 private:
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> stop_after_error_{false};
  std::mutex mu_;
  std::vector<Acknowledged> acknowledged_;
  std::vector<Sent> cut_off_;
  std::vector<std::string> unexpected_;
  long sent_ = 0;
  long transport_errors_ = 0;
};

// Every acknowledged order is readable with the lines, total and status of its 201.
inline void ExpectAllPersisted(const std::string& url, const std::vector<Acknowledged>& acked) {
  HttpClient client(url);
  int missing = 0, different = 0;
  for (const auto& a : acked) {
    ASSERT_FALSE(a.id.empty()) << "a 2xx without an order id: " << a.body.dump();
    HttpResponse r = client.Get("/v1/orders/" + a.id);
    if (r.status != 200) {
      if (++missing <= 5) ADD_FAILURE() << "acknowledged order " << a.id << " is gone: " << r.Describe();
      continue;
    }
    json got = r.Json();
    bool same = got["lines"] == a.body["lines"] && got["total"] == a.body["total"] &&
                got["status"] == a.body["status"] && got["currency"] == a.body["currency"] &&
                got["allocations"] == a.body["allocations"] && got["created_at"] == a.body["created_at"];
    if (!same && ++different <= 5)
      ADD_FAILURE() << "order " << a.id << " differs from its 201\n  201: " << a.body.dump() << "\n  now: " << r.body;
  }
  EXPECT_EQ(missing, 0) << "of " << acked.size() << " acknowledged orders";
  EXPECT_EQ(different, 0) << "of " << acked.size() << " acknowledged orders";
}

// Idempotency keys are durable with their orders: an acknowledged request replays
// its exact 201 after the restart, and a request cut off by the crash, retried
// with its key, ends up as exactly one order (replayed if it had committed).
inline void ExpectKeysSurvive(const std::string& url, const OrderLoad& load) {
  HttpClient client(url);
  const auto& acked = load.acknowledged();
  std::size_t step = std::max<std::size_t>(1, acked.size() / 100);
  for (std::size_t i = 0; i < acked.size(); i += step) {
    const Acknowledged& a = acked[i];
    HttpResponse r = client.Post("/v1/orders", a.request.body, {{"Idempotency-Key", a.request.key}});
    EXPECT_EQ(r.status, 201) << a.request.key << ": " << r.Describe();
    EXPECT_EQ(r.Header("Idempotent-Replayed"), "true") << a.request.key;
    EXPECT_EQ(r.body, a.raw) << a.request.key << " replays another body after the restart";
  }
  for (const Sent& s : load.cut_off()) {
    HttpResponse retry = client.Post("/v1/orders", s.body, {{"Idempotency-Key", s.key}});
    EXPECT_TRUE(retry.status == 201 || retry.status == 409) << s.key << ": " << retry.Describe();
    HttpResponse list = client.Get("/v1/orders?customer_id=" + s.customer);
    ASSERT_EQ(list.status, 200) << list.Describe();
    std::size_t orders = list.Json()["items"].size();
    if (retry.status == 201) {
      EXPECT_EQ(orders, 1u) << "retrying " << s.key << " after the crash made " << orders << " orders";
    } else {
      EXPECT_EQ(orders, 0u) << s.key;
    }
  }
}

}  // namespace ordo::itest
