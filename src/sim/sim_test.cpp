// The simulator in-process on an ephemeral loopback port, driven over real
// HTTP with libcurl (tests/integration/http_client.h).
#include "sim/sim.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "http_client.h"
#include "integrations/signature.h"

namespace ordo::sim {
namespace {

using namespace std::chrono_literals;
using itest::HttpClient;
using itest::HttpResponse;
using nlohmann::json;

class SimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = sim_.Start("127.0.0.1", 0);
    ASSERT_TRUE(started.ok()) << started.error().message;
    client_ = std::make_unique<HttpClient>(sim_.base_url(), 5s);
  }
  void TearDown() override { sim_.Stop(); }

  HttpResponse Authorize(const std::string& key, std::int64_t amount, const std::string& reference,
                         const std::string& token = "tok_visa") {
    return client_->Post("/v1/payments/authorize",
                         json{{"amount", amount}, {"currency", "EUR"}, {"token", token}, {"reference", reference}},
                         {{"Idempotency-Key", key}});
  }
  HttpResponse Capture(const std::string& id, const std::string& key, const json& body = json::object()) {
    return client_->Post("/v1/payments/" + id + "/capture", body, {{"Idempotency-Key", key}});
  }
  HttpResponse Refund(const std::string& id, const std::string& key, std::int64_t amount) {
    return client_->Post("/v1/payments/" + id + "/refunds", json{{"amount", amount}}, {{"Idempotency-Key", key}});
  }
  // The id of a fresh authorized payment.
  std::string Authorized(const std::string& key, std::int64_t amount, const std::string& reference) {
    auto r = Authorize(key, amount, reference);
    EXPECT_EQ(r.status, 201) << r.Describe();
    return r.Json().value("id", "");
  }
  json Ledger() {
    auto r = client_->Get("/v1/ledger");
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.Json();
  }
  void Chaos(const json& knobs) {
    auto r = client_->Put("/v1/chaos", knobs);
    ASSERT_EQ(r.status, 200) << r.Describe();
  }
  void CalmDown() {
    auto r = client_->Post("/v1/chaos/reset", std::string());
    ASSERT_EQ(r.status, 200) << r.Describe();
  }

  Simulator sim_;
  std::unique_ptr<HttpClient> client_;
};

// ---- the payment gateway ----

TEST_F(SimTest, AuthorizeCaptureRefundVoidAndTheLedgerTotals) {
  auto auth = Authorize("auth-1", 1250, "ord_1");
  ASSERT_EQ(auth.status, 201) << auth.Describe();
  json payment = auth.Json();
  EXPECT_EQ(payment["status"], "authorized");
  EXPECT_EQ(payment["amount"], 1250);
  EXPECT_EQ(payment["currency"], "EUR");
  EXPECT_EQ(payment["reference"], "ord_1");
  EXPECT_EQ(payment["captured"], 0);
  EXPECT_EQ(payment["refunded"], 0);
  const std::string id = payment["id"];
  EXPECT_EQ(id.rfind("pay_", 0), 0u) << id;

  auto capture = Capture(id, "cap-1", {{"amount", 1000}});
  ASSERT_EQ(capture.status, 200) << capture.Describe();
  EXPECT_EQ(capture.Json()["status"], "captured");
  EXPECT_EQ(capture.Json()["captured"], 1000);
  auto again = Capture(id, "cap-2", {{"amount", 250}});
  EXPECT_EQ(again.status, 409) << again.Describe();
  EXPECT_EQ(again.Json()["error"], "already_captured");

  auto refund = Refund(id, "ref-1", 500);
  ASSERT_EQ(refund.status, 201) << refund.Describe();
  EXPECT_EQ(refund.Json()["payment_id"], id);
  EXPECT_EQ(refund.Json()["amount"], 500);
  EXPECT_EQ(refund.Json()["id"].get<std::string>().rfind("re_", 0), 0u);

  auto voided_id = Authorized("auth-2", 700, "ord_2");
  auto voided = client_->Post("/v1/payments/" + voided_id + "/void", std::string());
  ASSERT_EQ(voided.status, 200) << voided.Describe();
  EXPECT_EQ(voided.Json()["status"], "voided");
  EXPECT_EQ(Capture(voided_id, "cap-3").Json()["error"], "payment_voided");
  auto void_captured = client_->Post("/v1/payments/" + id + "/void", std::string());
  EXPECT_EQ(void_captured.status, 409);
  EXPECT_EQ(void_captured.Json()["error"], "already_captured");

  // Without an amount, capture takes all that was authorized.
  auto full_id = Authorized("auth-3", 300, "ord_3");
  auto full = Capture(full_id, "cap-4");
  ASSERT_EQ(full.status, 200) << full.Describe();
  EXPECT_EQ(full.Json()["captured"], 300);

  json ledger = Ledger();
  EXPECT_EQ(ledger["totals"]["payments"], 3);
  EXPECT_EQ(ledger["totals"]["authorized"], 1250 + 700 + 300);
  EXPECT_EQ(ledger["totals"]["captured"], 1000 + 300);
  EXPECT_EQ(ledger["totals"]["refunded"], 500);
  EXPECT_EQ(ledger["totals"]["captures"], 2);
  ASSERT_EQ(ledger["payments"].size(), 3u);
  EXPECT_EQ(ledger["payments"][0]["captures"].size(), 1u);
  EXPECT_EQ(ledger["payments"][0]["refunds"].size(), 1u);

  auto one = client_->Get("/v1/payments/" + id);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.Json()["refunded"], 500);
  auto by_reference = client_->Get("/v1/payments?reference=ord_2");
  ASSERT_EQ(by_reference.status, 200);
  ASSERT_EQ(by_reference.Json()["payments"].size(), 1u);
  EXPECT_EQ(by_reference.Json()["payments"][0]["id"], voided_id);
  EXPECT_EQ(client_->Get("/v1/payments/pay_nope").status, 404);
  EXPECT_EQ(Capture("pay_nope", "cap-5").status, 404);
}

TEST_F(SimTest, SameKeyAndBodyReplaysAnotherBodyIs422) {
  auto first = Authorize("key-1", 1250, "ord_1");
  ASSERT_EQ(first.status, 201) << first.Describe();
  auto replay = Authorize("key-1", 1250, "ord_1");
  EXPECT_EQ(replay.status, 201);
  EXPECT_EQ(replay.body, first.body);
  EXPECT_EQ(replay.Header("idempotent-replayed"), "true");
  EXPECT_EQ(Ledger()["totals"]["payments"], 1);

  auto other = Authorize("key-1", 1300, "ord_1");
  EXPECT_EQ(other.status, 422) << other.Describe();
  EXPECT_EQ(other.Json()["error"], "idempotency_key_reused");
  EXPECT_EQ(Ledger()["totals"]["payments"], 1);

  // Keys are per endpoint and payment: the same text on capture is a new key.
  const std::string id = first.Json()["id"];
  auto capture = Capture(id, "key-1", {{"amount", 1250}});
  ASSERT_EQ(capture.status, 200) << capture.Describe();
  auto capture_replay = Capture(id, "key-1", {{"amount", 1250}});
  EXPECT_EQ(capture_replay.status, 200);
  EXPECT_EQ(capture_replay.body, capture.body);
  EXPECT_EQ(Capture(id, "key-1", {{"amount", 1000}}).status, 422);
  EXPECT_EQ(Ledger()["totals"]["captures"], 1);
  EXPECT_EQ(Ledger()["totals"]["captured"], 1250);
}

TEST_F(SimTest, RefundsNeverExceedWhatWasCaptured) {
  auto id = Authorized("auth", 2000, "ord_1");
  auto early = Refund(id, "ref-0", 1);
  EXPECT_EQ(early.status, 409) << early.Describe();
  EXPECT_EQ(early.Json()["error"], "amount_exceeds_captured");
  ASSERT_EQ(Capture(id, "cap", {{"amount", 1000}}).status, 200);
  EXPECT_EQ(Refund(id, "ref-1", 600).status, 201);
  auto over = Refund(id, "ref-2", 401);
  EXPECT_EQ(over.status, 409) << over.Describe();
  EXPECT_EQ(over.Json()["error"], "amount_exceeds_captured");
  EXPECT_EQ(Refund(id, "ref-3", 400).status, 201);
  EXPECT_EQ(Refund(id, "ref-4", 1).status, 409);
  json totals = Ledger()["totals"];
  EXPECT_EQ(totals["refunded"], 1000);
  EXPECT_EQ(totals["refunds"], 2);
  auto capture_more = Capture(Authorized("auth-2", 100, "ord_2"), "cap-2", {{"amount", 101}});
  EXPECT_EQ(capture_more.status, 409);
  EXPECT_EQ(capture_more.Json()["error"], "amount_exceeds_authorized");
}

TEST_F(SimTest, DeclinesAre402AndStayInTheLedger) {
  auto declined = Authorize("decline-1", 990, "ord_1", "tok_decline");
  ASSERT_EQ(declined.status, 402) << declined.Describe();
  EXPECT_EQ(declined.Json()["error"], "card_declined");
  EXPECT_EQ(declined.Json()["decline_code"], "insufficient_funds");
  const std::string id = declined.Json()["payment_id"];
  EXPECT_EQ(Capture(id, "cap").Json()["error"], "payment_declined");
  // A replay of the key is the same decline, not a second attempt.
  EXPECT_EQ(Authorize("decline-1", 990, "ord_1", "tok_decline").body, declined.body);

  Chaos({{"decline_pct", 100}});
  EXPECT_EQ(Authorize("decline-2", 500, "ord_2").status, 402);

  json ledger = Ledger();
  EXPECT_EQ(ledger["totals"]["payments"], 2);
  EXPECT_EQ(ledger["totals"]["declined"], 2);
  EXPECT_EQ(ledger["totals"]["authorized"], 0);
  EXPECT_EQ(ledger["payments"][0]["status"], "declined");
  EXPECT_EQ(ledger["payments"][0]["id"], id);
}

TEST_F(SimTest, BadInputIs400NamingTheFieldAndChangesNothing) {
  auto no_key = client_->Post("/v1/payments/authorize",
                              json{{"amount", 1}, {"currency", "EUR"}, {"token", "tok_visa"}, {"reference", "r"}});
  EXPECT_EQ(no_key.status, 400);
  EXPECT_EQ(no_key.Json()["error"], "missing_idempotency_key");
  auto not_json = client_->Post("/v1/payments/authorize", std::string("{\"amount\":"), {{"Idempotency-Key", "k"}});
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(not_json.Json()["error"], "invalid_json");

  auto field_of = [&](const json& body) {
    auto r = client_->Post("/v1/payments/authorize", body, {{"Idempotency-Key", "k"}});
    EXPECT_EQ(r.status, 400) << body.dump() << " → " << r.Describe();
    return r.Json().value("field", "");
  };
  const json good = {{"amount", 1250}, {"currency", "EUR"}, {"token", "tok_visa"}, {"reference", "ord_1"}};
  auto with = [&](const char* field, json value) {
    json b = good;
    b[field] = std::move(value);
    return b;
  };
  EXPECT_EQ(field_of(with("amount", "12.50")), "amount");
  EXPECT_EQ(field_of(with("amount", 12.5)), "amount");
  EXPECT_EQ(field_of(with("amount", 0)), "amount");
  EXPECT_EQ(field_of(with("currency", "eur")), "currency");
  EXPECT_EQ(field_of(with("token", 42)), "token");
  EXPECT_EQ(field_of(with("reference", "")), "reference");
  EXPECT_EQ(field_of(with("amout", 5)), "amout");
  json missing = good;
  missing.erase("currency");
  EXPECT_EQ(field_of(missing), "currency");
  EXPECT_EQ(Ledger()["totals"]["payments"], 0);
  // A refused body does not use up the key.
  EXPECT_EQ(Authorize("k", 1250, "ord_1").status, 201);
}

// ---- chaos ----

TEST_F(SimTest, FailureKnobAnswers5xxBeforeAnyEffect) {
  auto id = Authorized("auth", 1000, "ord_1");
  Chaos({{"failure_pct", 100}});
  for (int i = 0; i < 4; ++i) {
    auto r = Authorize("auth-" + std::to_string(i), 500, "ord_2");
    EXPECT_TRUE(r.status == 500 || r.status == 503) << r.Describe();
  }
  auto capture = Capture(id, "cap");
  EXPECT_TRUE(capture.status == 500 || capture.status == 503) << capture.Describe();
  json ledger = Ledger();
  EXPECT_EQ(ledger["totals"]["payments"], 1);
  EXPECT_EQ(ledger["totals"]["captured"], 0);

  // Nothing was stored under the keys either: a retry after the outage runs for real.
  CalmDown();
  auto retried = Capture(id, "cap");
  ASSERT_EQ(retried.status, 200) << retried.Describe();
  EXPECT_FALSE(retried.HasHeader("idempotent-replayed"));
  EXPECT_EQ(Ledger()["totals"]["captured"], 1000);
}

TEST_F(SimTest, DropAfterChargeKeepsTheChargeAndTheKeyFindsIt) {
  Chaos({{"drop_after_charge_pct", 100}});
  auto lost = Authorize("drop-1", 1250, "ord_1");
  EXPECT_EQ(lost.status, 0) << "expected no answer, got " << lost.Describe();

  json ledger = Ledger();
  ASSERT_EQ(ledger["totals"]["payments"], 1);
  EXPECT_EQ(ledger["payments"][0]["status"], "authorized");
  auto found = client_->Get("/v1/payments?idempotency_key=drop-1");
  ASSERT_EQ(found.status, 200) << found.Describe();
  ASSERT_EQ(found.Json()["payments"].size(), 1u);
  EXPECT_EQ(found.Json()["payments"][0]["reference"], "ord_1");
  const std::string id = found.Json()["payments"][0]["id"];
  EXPECT_EQ(client_->Get("/v1/payments?idempotency_key=never-sent").Json()["payments"].size(), 0u);

  // A capture is applied, then dropped, too.
  EXPECT_EQ(Capture(id, "cap-1").status, 0);
  EXPECT_EQ(Ledger()["totals"]["captured"], 1250);

  // Retrying with the same key replays: still one payment, one capture.
  CalmDown();
  auto retried = Authorize("drop-1", 1250, "ord_1");
  ASSERT_EQ(retried.status, 201) << retried.Describe();
  EXPECT_EQ(retried.Json()["id"], id);
  EXPECT_EQ(Capture(id, "cap-1").status, 200);
  EXPECT_EQ(Ledger()["totals"]["payments"], 1);
  EXPECT_EQ(Ledger()["totals"]["captures"], 1);
}

TEST_F(SimTest, HangOutlastsAClientTimeoutAndAppliesNothing) {
  Chaos({{"hang_pct", 100}, {"hang_ms", 300}});
  HttpClient impatient(sim_.base_url(), 100ms);
  auto start = std::chrono::steady_clock::now();
  auto r = impatient.Post("/v1/payments/authorize",
                          json{{"amount", 1}, {"currency", "EUR"}, {"token", "tok_visa"}, {"reference", "ord_1"}},
                          {{"Idempotency-Key", "hang-1"}});
  EXPECT_EQ(r.status, 0) << r.Describe();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms);

  // A patient client gets the 504 once hang_ms has passed.
  start = std::chrono::steady_clock::now();
  auto late = Authorize("hang-2", 1, "ord_1");
  EXPECT_EQ(late.status, 504) << late.Describe();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  EXPECT_EQ(Ledger()["totals"]["payments"], 0);
  EXPECT_EQ(client_->Get("/v1/payments?idempotency_key=hang-1").Json()["payments"].size(), 0u);
}

TEST_F(SimTest, MalformedAnswersAreUnparseableButTheEffectIsApplied) {
  Chaos({{"malformed_pct", 100}});
  auto r = Authorize("bad-1", 1250, "ord_1");
  EXPECT_EQ(r.status, 200) << r.Describe();
  EXPECT_FALSE(r.body.empty());
  EXPECT_TRUE(r.Json().is_discarded()) << r.body;
  json ledger = Ledger();
  ASSERT_EQ(ledger["totals"]["payments"], 1);
  EXPECT_EQ(ledger["payments"][0]["status"], "authorized");
  EXPECT_EQ(ledger["payments"][0]["idempotency_key"], "bad-1");
}

TEST_F(SimTest, LatencyDelaysMoneyEndpointsOnly) {
  Chaos({{"latency_ms", 400}});
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Authorize("slow-1", 10, "ord_1").status, 201);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 400ms);
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(client_->Get("/v1/ledger").status, 200);
  EXPECT_EQ(client_->Get("/v1/payments?reference=ord_1").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 400ms);
}

TEST_F(SimTest, KnobsUpdatePartiallyAndAreValidated) {
  Chaos({{"failure_pct", 20}, {"hang_ms", 1000}});
  Chaos({{"latency_ms", 5}, {"wms_step_ms", 10}, {"callback_drop_pct", 30}});
  json knobs = client_->Get("/v1/chaos").Json();
  EXPECT_EQ(knobs["wms_step_ms"], 10);
  EXPECT_EQ(knobs["callback_drop_pct"], 30);
  EXPECT_EQ(knobs["callback_reorder_pct"], 0);
  EXPECT_EQ(sim_.knobs().wms_step_ms, 10);
  EXPECT_EQ(knobs["failure_pct"], 20);
  EXPECT_EQ(knobs["hang_ms"], 1000);
  EXPECT_EQ(knobs["latency_ms"], 5);
  EXPECT_EQ(sim_.knobs().failure_pct, 20);

  auto refused = [&](const json& body) {
    auto r = client_->Put("/v1/chaos", body);
    EXPECT_EQ(r.status, 400) << body.dump() << " → " << r.Describe();
    return r.Json().value("field", "");
  };
  EXPECT_EQ(refused({{"failure_pct", 101}}), "failure_pct");
  EXPECT_EQ(refused({{"decline_pct", -1}}), "decline_pct");
  EXPECT_EQ(refused({{"hang_pct", "10"}}), "hang_pct");
  EXPECT_EQ(refused({{"hang_ms", 60'001}}), "hang_ms");
  EXPECT_EQ(refused({{"failure_rate", 5}}), "failure_rate");
  EXPECT_EQ(refused({{"wms_failure_pct", 101}}), "wms_failure_pct");
  EXPECT_EQ(refused({{"wms_step_ms", -5}}), "wms_step_ms");
  EXPECT_EQ(refused({{"wms_step_ms", 60'001}}), "wms_step_ms");
  EXPECT_EQ(refused({{"callback_duplicate_pct", 101}}), "callback_duplicate_pct");
  EXPECT_EQ(refused({{"callback_reorder_pct", true}}), "callback_reorder_pct");
  EXPECT_EQ(refused({{"callback_drop_pct", 1.5}}), "callback_drop_pct");
  EXPECT_EQ(client_->Get("/v1/chaos").Json(), knobs);  // a refused update changes nothing

  CalmDown();
  EXPECT_EQ(client_->Get("/v1/chaos").Json(), ToJson(Knobs{}));
}

TEST_F(SimTest, TheSameSeedRollsTheSameFaults) {
  auto run = [&] {
    Chaos({{"failure_pct", 50}, {"seed", 7}});
    std::string statuses;
    for (int i = 0; i < 24; ++i)
      statuses += std::to_string(Authorize("seeded-" + std::to_string(i), 10, "ord_1").status) + " ";
    EXPECT_EQ(client_->Post("/v1/reset", std::string()).status, 204);
    return statuses;
  };
  std::string first = run();
  EXPECT_NE(first.find("201"), std::string::npos) << first;
  EXPECT_NE(first.find("50"), std::string::npos) << first;
  EXPECT_EQ(run(), first);
}

TEST_F(SimTest, StopAnswersHungRequestsAndTheLedgerOutlivesARestart) {
  auto id = Authorized("auth", 100, "ord_1");
  Chaos({{"hang_pct", 100}, {"hang_ms", 60'000}});
  HttpResponse hung;
  std::thread waiter([&, url = sim_.base_url()] {
    HttpClient patient(url, 10s);
    hung = patient.Post("/v1/payments/" + id + "/void", std::string());
  });
  for (int i = 0; i < 500 && sim_.waiting() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(sim_.waiting(), 1u);
  auto start = std::chrono::steady_clock::now();
  sim_.Stop();
  waiter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(hung.status, 504) << hung.Describe();

  ASSERT_TRUE(sim_.Start("127.0.0.1", 0).ok());
  HttpClient again(sim_.base_url(), 5s);
  auto payment = again.Get("/v1/payments/" + id);
  ASSERT_EQ(payment.status, 200) << payment.Describe();
  EXPECT_EQ(payment.Json()["status"], "authorized");
}

// ---- the webhook receiver ----

class SimReceiverTest : public SimTest {
 protected:
  static std::int64_t Now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  HttpResponse Deliver(const std::string& hook, const std::string& id, const std::string& body,
                       std::int64_t timestamp, const std::string& secret) {
    return client_->Post("/hooks/" + hook, body,
                         {{"webhook-id", id},
                          {"webhook-timestamp", std::to_string(timestamp)},
                          {"webhook-signature", signature::Sign(secret, id, timestamp, body)}});
  }
  json Deliveries(const std::string& hook) {
    auto r = client_->Get("/v1/receiver/deliveries?name=" + hook);
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.Json()["deliveries"];
  }
  const std::string body_ = R"({"type":"order.paid","data":{"id":"ord_1"}})";
};

TEST_F(SimReceiverTest, AcceptsACorrectlySignedDelivery) {
  EXPECT_EQ(sim_.webhook_secret(), "whsec_" + signature::Base64Encode("ordo-sim-secret"));
  auto r = Deliver("orders", "evt_1", body_, Now(), sim_.webhook_secret());
  EXPECT_EQ(r.status, 204) << r.Describe();
  json list = Deliveries("orders");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["webhook_id"], "evt_1");
  EXPECT_EQ(list[0]["type"], "order.paid");
  EXPECT_EQ(list[0]["verified"], true);
  EXPECT_EQ(list[0]["accepted"], true);
  EXPECT_EQ(list[0]["attempts"], 1);
  EXPECT_EQ(list[0]["body"], body_);
  EXPECT_EQ(Deliveries("other").size(), 0u);
}

TEST_F(SimReceiverTest, RefusesATamperedBodyAStaleTimestampAndAnotherSecret) {
  const std::int64_t now = Now();
  const std::string secret = sim_.webhook_secret();
  std::string header = signature::Sign(secret, "evt_t", now, body_);
  auto tampered = client_->Post("/hooks/orders", std::string(R"({"type":"order.paid","data":{"id":"ord_2"}})"),
                                {{"webhook-id", "evt_t"}, {"webhook-timestamp", std::to_string(now)},
                                 {"webhook-signature", header}});
  EXPECT_EQ(tampered.status, 401) << tampered.Describe();
  EXPECT_EQ(tampered.Json()["error"], "invalid_signature");
  auto stale = Deliver("orders", "evt_s", body_, now - 600, secret);
  EXPECT_EQ(stale.status, 401) << stale.Describe();
  EXPECT_NE(stale.Json()["message"].get<std::string>().find("old"), std::string::npos) << stale.body;
  EXPECT_EQ(Deliver("orders", "evt_w", body_, now, "whsec_" + signature::Base64Encode("wrong")).status, 401);
  EXPECT_EQ(client_->Post("/hooks/orders", body_).status, 401);  // unsigned

  json list = Deliveries("orders");
  ASSERT_EQ(list.size(), 4u);
  for (const json& d : list) {
    EXPECT_EQ(d["verified"], false) << d.dump();
    EXPECT_EQ(d["accepted"], false) << d.dump();
    EXPECT_EQ(d["last_status"], 401) << d.dump();
    EXPECT_FALSE(d["error"].get<std::string>().empty()) << d.dump();
  }
}

TEST_F(SimReceiverTest, AFailedAttemptIsNotAcceptedAndTheRedeliveryCounts) {
  Chaos({{"failure_pct", 100}});
  auto failed = Deliver("orders", "evt_r", body_, Now(), sim_.webhook_secret());
  EXPECT_EQ(failed.status, 500) << failed.Describe();
  json first = Deliveries("orders");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0]["accepted"], false);
  EXPECT_EQ(first[0]["verified"], true);

  CalmDown();
  EXPECT_EQ(Deliver("orders", "evt_r", body_, Now(), sim_.webhook_secret()).status, 204);
  json second = Deliveries("orders");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0]["attempts"], 2);
  EXPECT_EQ(second[0]["accepted"], true);
  EXPECT_EQ(second[0]["last_status"], 204);
}

TEST_F(SimReceiverTest, TheSecretCanBeChangedAtRuntime) {
  const std::string old_secret = sim_.webhook_secret();
  auto put = client_->Put("/v1/receiver", json{{"secret", "a raw secret"}});
  ASSERT_EQ(put.status, 204) << put.Describe();
  EXPECT_EQ(Deliver("orders", "evt_1", body_, Now(), old_secret).status, 401);
  EXPECT_EQ(Deliver("orders", "evt_2", body_, Now(), "a raw secret").status, 204);
  EXPECT_EQ(client_->Put("/v1/receiver", json{{"secret", 5}}).status, 400);
}

}  // namespace
}  // namespace ordo::sim
