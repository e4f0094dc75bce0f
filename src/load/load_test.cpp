// <utility> must come before any Boost.Asio header (Boost 1.74 + g++ 12).
#include <utility>

#include "load/load.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "load/histogram.h"
#include "load/http_response.h"
#include "load/lifecycle.h"

namespace ordo::load {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// ---------------------------------------------------------------------------
// Percentiles

TEST(PercentileTest, NearestRankOnKnownSamples) {
  // The textbook nearest-rank example.
  const std::vector<double> five = {35, 20, 15, 50, 40};
  EXPECT_EQ(Percentile(five, 5), 15);
  EXPECT_EQ(Percentile(five, 30), 20);
  EXPECT_EQ(Percentile(five, 40), 20);
  EXPECT_EQ(Percentile(five, 50), 35);
  EXPECT_EQ(Percentile(five, 100), 50);
  EXPECT_EQ(Percentile(five, 0), 15);

  std::vector<double> hundred;
  for (int i = 100; i >= 1; --i) hundred.push_back(i);
  EXPECT_EQ(Percentile(hundred, 50), 50);
  EXPECT_EQ(Percentile(hundred, 95), 95);
  EXPECT_EQ(Percentile(hundred, 99), 99);
  EXPECT_EQ(Percentile(hundred, 99.5), 100);
  EXPECT_EQ(Percentile({}, 50), 0);
}

TEST(HistogramTest, BucketsAreContiguousAndNarrow) {
  for (std::size_t i = 0; i + 1 <= LatencyHistogram::BucketOf(LatencyHistogram::kMaxValue); ++i) {
    ASSERT_EQ(LatencyHistogram::BucketHigh(i) + 1, LatencyHistogram::BucketLow(i + 1)) << i;
    const double low = static_cast<double>(LatencyHistogram::BucketLow(i));
    const double high = static_cast<double>(LatencyHistogram::BucketHigh(i));
    if (low > 0) {
      ASSERT_LE((high - low) / low, 1.0 / 128) << i;
    }
  }
  for (std::uint64_t v : {0ULL, 1ULL, 255ULL, 256ULL, 1000ULL, 123456789ULL, 1ULL << 40}) {
    const std::size_t b = LatencyHistogram::BucketOf(v);
    EXPECT_LE(LatencyHistogram::BucketLow(b), v);
    EXPECT_GE(LatencyHistogram::BucketHigh(b), v);
  }
}

TEST(HistogramTest, PercentilesWithinOnePercentOfExact) {
  LatencyHistogram h;
  std::vector<double> exact;
  // 1 µs .. 100 ms, skewed like a latency distribution.
  std::uint64_t x = 12345;
  for (int i = 0; i < 100000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u = static_cast<double>(x >> 11) / static_cast<double>(1ULL << 53);
    const auto ns = static_cast<std::uint64_t>(1000.0 * std::pow(100000.0, u * u));
    h.Record(ns);
    exact.push_back(static_cast<double>(ns));
  }
  for (double p : {1.0, 50.0, 90.0, 95.0, 99.0, 99.9}) {
    const double want = Percentile(exact, p);
    EXPECT_NEAR(h.Percentile(p), want, want * 0.01) << "p" << p;
  }
  EXPECT_EQ(h.Percentile(100), Percentile(exact, 100));
  EXPECT_EQ(h.count(), 100000u);

  LatencyHistogram known;
  for (int ms = 1; ms <= 100; ++ms) known.Record(static_cast<std::uint64_t>(ms) * 1000000);
  EXPECT_NEAR(known.Percentile(50), 50e6, 50e6 * 0.01);
  EXPECT_NEAR(known.Percentile(95), 95e6, 95e6 * 0.01);
  EXPECT_NEAR(known.Percentile(99), 99e6, 99e6 * 0.01);
  EXPECT_EQ(known.max(), 100000000u);

  LatencyHistogram merged;
  merged.Merge(known);
  merged.Merge(known);
  EXPECT_EQ(merged.count(), 200u);
  EXPECT_NEAR(merged.Percentile(50), 50e6, 50e6 * 0.01);
}

// ---------------------------------------------------------------------------
// Response parser

const std::string kCreated =
    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 16\r\n"
    "X-Request-Id: abc\r\n\r\n{\"id\":\"ord_123\"}";

TEST(ResponseParserTest, WholeResponse) {
  ResponseParser p(true);
  std::size_t used = 0;
  ASSERT_EQ(p.Feed(kCreated, &used), ResponseParser::State::kDone);
  EXPECT_EQ(used, kCreated.size());
  EXPECT_EQ(p.status(), 201);
  EXPECT_EQ(p.content_length(), 16u);
  EXPECT_EQ(p.body(), "{\"id\":\"ord_123\"}");
  EXPECT_FALSE(p.close());
}

TEST(ResponseParserTest, SplitAtEveryPosition) {
  for (std::size_t cut = 0; cut <= kCreated.size(); ++cut) {
    ResponseParser p(true);
    std::size_t used = 0;
    const std::string a = kCreated.substr(0, cut), b = kCreated.substr(cut);
    const auto first = p.Feed(a, &used);
    if (cut < kCreated.size()) {
      ASSERT_EQ(first, ResponseParser::State::kNeedMore) << cut;
      ASSERT_EQ(used, a.size());
      ASSERT_EQ(p.started(), cut > 0);
      ASSERT_EQ(p.Feed(b, &used), ResponseParser::State::kDone) << cut;
      ASSERT_EQ(used, b.size());
    } else {
      ASSERT_EQ(first, ResponseParser::State::kDone);
    }
    EXPECT_EQ(p.status(), 201) << cut;
    EXPECT_EQ(p.body(), "{\"id\":\"ord_123\"}") << cut;
  }
}

TEST(ResponseParserTest, ByteByByte) {
  ResponseParser p(true);
  std::size_t used = 0;
  for (std::size_t i = 0; i + 1 < kCreated.size(); ++i) {
    ASSERT_EQ(p.Feed(kCreated.data() + i, 1, &used), ResponseParser::State::kNeedMore) << i;
    ASSERT_EQ(used, 1u);
  }
  ASSERT_EQ(p.Feed(kCreated.data() + kCreated.size() - 1, 1, &used), ResponseParser::State::kDone);
  EXPECT_EQ(p.body(), "{\"id\":\"ord_123\"}");
}

TEST(ResponseParserTest, KeepAliveResponsesInOneBuffer) {
  const std::string conflict =
      "HTTP/1.1 409 Conflict\r\ncontent-length: 27\r\ncontent-type: application/problem+json\r\n\r\n"
      "{\"type\":\"insufficient-sto\"}";
  const std::string empty = "HTTP/1.1 204 No Content\r\n\r\n";
  const std::string ok = "HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 2\r\nConnection: close\r\n\r\n{}";
  const std::string all = kCreated + conflict + empty + ok + "HTTP/1.1 2";

  for (std::size_t cut = 1; cut < all.size(); cut += 7) {  // also with reads cut anywhere
    ResponseParser p(true);
    std::vector<int> statuses;
    std::vector<std::string> bodies;
    std::vector<bool> closes;
    const std::string reads[2] = {all.substr(0, cut), all.substr(cut)};
    for (const std::string& chunk : reads) {
      std::size_t pos = 0;
      while (pos < chunk.size()) {
        std::size_t used = 0;
        const auto state = p.Feed(chunk.data() + pos, chunk.size() - pos, &used);
        ASSERT_NE(state, ResponseParser::State::kError) << p.error();
        pos += used;
        if (state == ResponseParser::State::kDone) {
          statuses.push_back(p.status());
          bodies.push_back(p.body());
          closes.push_back(p.close());
        }
      }
    }
    ASSERT_EQ(statuses, (std::vector<int>{201, 409, 204, 200})) << cut;
    EXPECT_EQ(bodies[0], "{\"id\":\"ord_123\"}");
    EXPECT_EQ(bodies[1], "{\"type\":\"insufficient-sto\"}");
    EXPECT_EQ(bodies[2], "");
    EXPECT_EQ(bodies[3], "{}");
    EXPECT_EQ(closes, (std::vector<bool>{false, false, false, true}));
    EXPECT_TRUE(p.started());  // the partial fifth response
  }
}

TEST(ResponseParserTest, SkipsBodyUnlessKept) {
  ResponseParser p(false);
  std::size_t used = 0;
  ASSERT_EQ(p.Feed(kCreated, &used), ResponseParser::State::kDone);
  EXPECT_EQ(p.status(), 201);
  EXPECT_EQ(p.body(), "");
}

TEST(ResponseParserTest, Http10ClosesUnlessKeepAlive) {
  ResponseParser p;
  std::size_t used = 0;
  ASSERT_EQ(p.Feed(std::string("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"), &used),
            ResponseParser::State::kDone);
  EXPECT_TRUE(p.close());
  ASSERT_EQ(p.Feed(std::string("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n"),
                   &used),
            ResponseParser::State::kDone);
  EXPECT_FALSE(p.close());
}

TEST(ResponseParserTest, SkipsInterimResponses) {
  ResponseParser p(true);
  std::size_t used = 0;
  const std::string s = "HTTP/1.1 100 Continue\r\n\r\n" + kCreated;
  ASSERT_EQ(p.Feed(s, &used), ResponseParser::State::kDone);
  EXPECT_EQ(p.status(), 201);
  EXPECT_EQ(used, s.size());
}

TEST(ResponseParserTest, Errors) {
  const std::vector<std::string> bad = {
      "HTTX/1.1 200 OK\r\n\r\n",
      "HTTP/1.1 2x0 OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n",  // no Content-Length
      "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
  };
  for (const std::string& s : bad) {
    ResponseParser p;
    std::size_t used = 0;
    EXPECT_EQ(p.Feed(s, &used), ResponseParser::State::kError) << s;
    EXPECT_FALSE(p.error().empty());
    EXPECT_EQ(p.Feed(s, &used), ResponseParser::State::kError);
    p.Reset();
    EXPECT_EQ(p.Feed(kCreated, &used), ResponseParser::State::kDone);
  }
  ResponseParser big;
  std::size_t used = 0;
  const std::string huge = "HTTP/1.1 200 OK\r\nX: " + std::string(ResponseParser::kMaxHeaderBytes, 'a');
  EXPECT_EQ(big.Feed(huge, &used), ResponseParser::State::kError);
}

// ---------------------------------------------------------------------------
// Url

TEST(ParseUrlTest, LoopbackOnly) {
  const Target a = ParseUrl("http://127.0.0.1:8080");
  EXPECT_EQ(a.address, "127.0.0.1");
  EXPECT_EQ(a.port, 8080);
  const Target b = ParseUrl("http://localhost:9000/");
  EXPECT_EQ(b.address, "127.0.0.1");
  EXPECT_EQ(b.host, "localhost");
  const Target c = ParseUrl("http://[::1]:7000");
  EXPECT_EQ(c.address, "::1");
  EXPECT_EQ(c.port, 7000);
  EXPECT_EQ(ParseUrl("http://127.1.2.3").port, 80);

  for (const char* url : {"http://10.0.0.1:8080", "http://8.8.8.8:80", "http://example.com:80",
                          "https://127.0.0.1:8443", "127.0.0.1:8080", "http://127.0.0.1:0",
                          "http://127.0.0.1:70000", "http://127.0.0.1:8080/v1", "http://:8080",
                          "http://[::2]:8080", "http://0.0.0.0:8080"}) {
    EXPECT_THROW(ParseUrl(url), std::invalid_argument) << url;
  }
}

// ---------------------------------------------------------------------------
// Lifecycle: the top-level scan, the flow's steps, the step requests

// An order as `ordo serve` answers it: the payment's status is nested.
const std::string kOrderJson =
    R"j({"id":"ord_01M83ERBNW6WCP4X19M88Y3F3V","external_id":null,"channel":null,"customer_id":null,)j"
    R"j("status":"pending","currency":"EUR","lines":[{"sku":"SKU-0002","name":"T-shirt (black)","quantity":1,)j"
    R"j("unit_price":"39.89","total":"39.89"}],"total":"39.89","shipping_address":{"name":"Ada","line1":)j"
    R"j("Unter den Linden 1","line2":null,"city":"Berlin","region":null,"postal_code":null,"country":"DE",)j"
    R"j("lat":52.52437,"lng":13.41053},"allocations":[{"location_id":"berlin-dc","distance_km":0.6,"lines":)j"
    R"j([{"sku":"SKU-0002","quantity":1}]}],"payment":{"status":"pending","id":null,"authorized":"0.00",)j"
    R"j("captured":"0.00","refunded":"0.00"},"carrier":null,"tracking":null,"version":2})j";

TEST(TopLevelStringTest, FindsTheOrdersOwnMembers) {
  EXPECT_EQ(TopLevelString(kOrderJson, "id"), "ord_01M83ERBNW6WCP4X19M88Y3F3V");
  EXPECT_EQ(TopLevelString(kOrderJson, "status"), "pending");
  EXPECT_EQ(TopLevelString(kOrderJson, "currency"), "EUR");
  EXPECT_EQ(TopLevelString(kOrderJson, "carrier"), std::nullopt);  // null
  EXPECT_EQ(TopLevelString(kOrderJson, "version"), std::nullopt);  // a number
  EXPECT_EQ(TopLevelString(kOrderJson, "sku"), std::nullopt);      // nested only
  EXPECT_EQ(TopLevelString(kOrderJson, "location_id"), std::nullopt);
}

TEST(TopLevelStringTest, NestedMembersOfTheSameNameDoNotCount) {
  EXPECT_EQ(TopLevelString(R"({"payment":{"status":"captured"},"status":"paid"})", "status"), "paid");
  EXPECT_EQ(TopLevelString(R"({"payment":{"status":"captured"}})", "status"), std::nullopt);
  // Brackets and quotes inside strings do not move the depth.
  EXPECT_EQ(TopLevelString(R"({"a":["}\"",{"status":"no"},"]"],"b":"x\"}","status":"shipped"})", "status"),
            "shipped");
  EXPECT_EQ(TopLevelString(" \n{ \"id\" :\t\"ord_1\" }", "id"), "ord_1");
  EXPECT_EQ(TopLevelString(R"({"n":-1.5e3,"t":true,"z":null,"id":"x"})", "id"), "x");
  EXPECT_EQ(TopLevelString(R"({"id":"a\"b"})", "id"), R"(a\"b)");  // as written
}

TEST(TopLevelStringTest, MalformedTextFindsNothing) {
  for (const char* text : {"", "[]", "null", R"("id")", "{", R"({"id")", R"({"id":)", R"({"id":"ord_1)",
                           R"({"a":1 "id":"x"})", R"({"a":{"b":1},)", R"({"a":{"id":"x")", R"({id:"x"})",
                           R"({"a":"unterminated)"}) {
    EXPECT_EQ(TopLevelString(text, "id"), std::nullopt) << text;
  }
}

TEST(OrderFlowTest, CreatePayPollShipDeliver) {
  const auto t0 = std::chrono::steady_clock::now();
  OrderFlow flow(std::chrono::seconds(30));
  flow.Restart();
  using V = OrderFlow::Verdict;
  EXPECT_EQ(flow.step(), FlowStep::kCreate);
  EXPECT_EQ(flow.OnResponse(201, kOrderJson, t0), V::kSend);
  EXPECT_EQ(flow.step(), FlowStep::kPay);
  EXPECT_EQ(flow.order_id(), "ord_01M83ERBNW6WCP4X19M88Y3F3V");
  EXPECT_EQ(flow.OnResponse(200, kOrderJson, t0), V::kPollLater);  // the charge is a job: pending
  EXPECT_EQ(flow.step(), FlowStep::kPoll);
  EXPECT_EQ(flow.polls(), 0);
  EXPECT_EQ(flow.OnResponse(200, kOrderJson, t0), V::kPollLater);
  EXPECT_EQ(flow.OnResponse(200, R"({"id":"ord_1","status":"confirmed"})", t0), V::kPollLater);
  EXPECT_EQ(flow.OnResponse(200, R"({"status":"paid","payment":{"status":"captured"}})", t0), V::kSend);
  EXPECT_EQ(flow.polls(), 3);
  EXPECT_EQ(flow.step(), FlowStep::kShip);
  EXPECT_EQ(flow.OnResponse(200, R"({"status":"shipped"})", t0), V::kSend);
  EXPECT_EQ(flow.step(), FlowStep::kDeliver);
  EXPECT_EQ(flow.OnResponse(200, R"({"status":"delivered"})", t0), V::kCompleted);
  EXPECT_EQ(flow.failure(), OrderFlow::Failure::kNone);
  EXPECT_EQ(flow.order_id(), "ord_01M83ERBNW6WCP4X19M88Y3F3V");

  flow.Restart();
  EXPECT_EQ(flow.step(), FlowStep::kCreate);
  EXPECT_EQ(flow.order_id(), "");
  EXPECT_EQ(flow.polls(), 0);
  // A pay answer that already says paid goes straight to ship.
  EXPECT_EQ(flow.OnResponse(201, R"({"id":"ord_2"})", t0), V::kSend);
  EXPECT_EQ(flow.OnResponse(200, R"({"id":"ord_2","status":"paid"})", t0), V::kSend);
  EXPECT_EQ(flow.step(), FlowStep::kShip);
  EXPECT_EQ(flow.polls(), 0);
}

// Drives a new flow to `step` with 2xx answers.
void AdvanceTo(OrderFlow& flow, FlowStep step, std::chrono::steady_clock::time_point now) {
  flow.Restart();
  const std::pair<FlowStep, const char*> answers[] = {
      {FlowStep::kCreate, R"({"id":"ord_7"})"},
      {FlowStep::kPay, R"({"status":"pending"})"},
      {FlowStep::kPoll, R"({"status":"paid"})"},
      {FlowStep::kShip, R"({"status":"shipped"})"},
  };
  for (const auto& [at, body] : answers) {
    if (flow.step() == step) return;
    ASSERT_EQ(flow.step(), at);
    ASSERT_NE(flow.OnResponse(at == FlowStep::kCreate ? 201 : 200, body, now), OrderFlow::Verdict::kFailed);
  }
  ASSERT_EQ(flow.step(), step);
}

TEST(OrderFlowTest, ANon2xxAnswerEndsTheFlowAtAnyStep) {
  const auto t0 = std::chrono::steady_clock::now();
  OrderFlow flow(std::chrono::seconds(30));
  for (const FlowStep step : {FlowStep::kCreate, FlowStep::kPay, FlowStep::kPoll, FlowStep::kShip, FlowStep::kDeliver}) {
    for (const int status : {409, 422, 404, 500, 302, 100}) {
      AdvanceTo(flow, step, t0);
      EXPECT_EQ(flow.OnResponse(status, R"({"id":"ord_9","status":"paid"})", t0), OrderFlow::Verdict::kFailed)
          << ToString(step) << " " << status;
      EXPECT_EQ(flow.failure(), OrderFlow::Failure::kRejected);
    }
  }
}

TEST(OrderFlowTest, A2xxWithoutWhatTheStepNeedsIsABadAnswer) {
  const auto t0 = std::chrono::steady_clock::now();
  OrderFlow flow(std::chrono::seconds(30));
  const std::pair<FlowStep, const char*> bad[] = {
      {FlowStep::kCreate, R"({"status":"pending"})"},
      {FlowStep::kCreate, R"({"id":"../admin"})"},  // not put in a path
      {FlowStep::kCreate, R"({"id":""})"},
      {FlowStep::kCreate, "not json"},
      {FlowStep::kPay, R"({"payment":{"status":"pending"}})"},
      {FlowStep::kPoll, ""},
      {FlowStep::kShip, R"({"status":"paid"})"},
      {FlowStep::kDeliver, R"({"status":"shipped"})"},
  };
  for (const auto& [step, body] : bad) {
    AdvanceTo(flow, step, t0);
    EXPECT_EQ(flow.OnResponse(200, body, t0), OrderFlow::Verdict::kFailed) << ToString(step) << " " << body;
    EXPECT_EQ(flow.failure(), OrderFlow::Failure::kBadResponse);
  }
}

TEST(OrderFlowTest, APaymentThatEndsOtherwiseFailsTheFlow) {
  const auto t0 = std::chrono::steady_clock::now();
  OrderFlow flow(std::chrono::seconds(30));
  for (const char* status : {"failed", "cancelled", "expired", "shipped"}) {
    for (const FlowStep step : {FlowStep::kPay, FlowStep::kPoll}) {
      AdvanceTo(flow, FlowStep::kPay, t0);
      if (step == FlowStep::kPoll) {
        ASSERT_EQ(flow.OnResponse(200, R"({"status":"pending"})", t0), OrderFlow::Verdict::kPollLater);
      }
      const std::string body = std::string(R"({"status":")") + status + R"(","payment":{"status":"declined"}})";
      EXPECT_EQ(flow.OnResponse(200, body, t0), OrderFlow::Verdict::kFailed) << status;
      EXPECT_EQ(flow.failure(), OrderFlow::Failure::kPaymentFailed);
    }
  }
}

TEST(OrderFlowTest, NotPaidWithinThePaidTimeoutFailsTheFlow) {
  using std::chrono::milliseconds;
  const auto t0 = std::chrono::steady_clock::now();
  OrderFlow flow(milliseconds(100));
  AdvanceTo(flow, FlowStep::kPay, t0);
  ASSERT_EQ(flow.OnResponse(200, R"({"status":"pending"})", t0), OrderFlow::Verdict::kPollLater);
  EXPECT_EQ(flow.OnResponse(200, R"({"status":"pending"})", t0 + milliseconds(99)), OrderFlow::Verdict::kPollLater);
  EXPECT_EQ(flow.OnResponse(200, R"({"status":"pending"})", t0 + milliseconds(100)), OrderFlow::Verdict::kFailed);
  EXPECT_EQ(flow.failure(), OrderFlow::Failure::kPaidTimeout);
  EXPECT_EQ(flow.polls(), 2);

  // Paid at the deadline still counts; the clock starts at the pay answer.
  AdvanceTo(flow, FlowStep::kPay, t0);
  ASSERT_EQ(flow.OnResponse(200, R"({"status":"pending"})", t0 + milliseconds(500)), OrderFlow::Verdict::kPollLater);
  EXPECT_EQ(flow.OnResponse(200, R"({"status":"pending"})", t0 + milliseconds(599)), OrderFlow::Verdict::kPollLater);
  EXPECT_EQ(flow.OnResponse(200, R"({"status":"paid"})", t0 + milliseconds(700)), OrderFlow::Verdict::kSend);
  EXPECT_EQ(flow.step(), FlowStep::kShip);
}

// A request as the server reads it.
struct ParsedRequest {
  std::string line;
  std::map<std::string, std::string> headers;
  std::string body;
};

ParsedRequest ParseRequest(const std::string& bytes) {
  ParsedRequest r;
  const std::size_t end = bytes.find("\r\n\r\n");
  EXPECT_NE(end, std::string::npos) << bytes;
  std::istringstream head(bytes.substr(0, end));
  std::getline(head, r.line);
  if (!r.line.empty() && r.line.back() == '\r') r.line.pop_back();
  std::string line;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t colon = line.find(": ");
    EXPECT_NE(colon, std::string::npos) << line;
    EXPECT_EQ(r.headers.count(line.substr(0, colon)), 0u) << line;
    r.headers[line.substr(0, colon)] = line.substr(colon + 2);
  }
  r.body = bytes.substr(end + 4);
  return r;
}

TEST(BuildStepRequestTest, EachStepsRequest) {
  const std::string head = "Host: 127.0.0.1:8080\r\nAuthorization: Bearer t0k\r\n";
  const std::string key = "Idempotency-Key: ld-1-2-3\r\n";
  std::string out = "left over from before";

  BuildStepRequest(out, FlowStep::kPay, "ord_1", head, key, "LD1-2");
  ParsedRequest pay = ParseRequest(out);
  EXPECT_EQ(pay.line, "POST /v1/orders/ord_1/pay HTTP/1.1");
  EXPECT_EQ(pay.headers["Host"], "127.0.0.1:8080");
  EXPECT_EQ(pay.headers["Authorization"], "Bearer t0k");
  EXPECT_EQ(pay.headers["Idempotency-Key"], "ld-1-2-3");
  EXPECT_EQ(pay.headers["Content-Type"], "application/json");
  EXPECT_EQ(pay.headers["Content-Length"], std::to_string(pay.body.size()));
  EXPECT_EQ(nlohmann::json::parse(pay.body), nlohmann::json::parse(R"({"payment_method":{"token":"tok_visa"}})"));

  BuildStepRequest(out, FlowStep::kShip, "ord_1", head, "", "LD1-2");
  ParsedRequest ship = ParseRequest(out);
  EXPECT_EQ(ship.line, "POST /v1/orders/ord_1/ship HTTP/1.1");
  EXPECT_EQ(ship.headers.count("Idempotency-Key"), 0u);
  EXPECT_EQ(ship.headers["Content-Length"], std::to_string(ship.body.size()));
  EXPECT_EQ(nlohmann::json::parse(ship.body), nlohmann::json::parse(R"({"carrier":"DHL","tracking":"LD1-2"})"));

  BuildStepRequest(out, FlowStep::kDeliver, "ord_1", head, key, "LD1-2");
  ParsedRequest deliver = ParseRequest(out);
  EXPECT_EQ(deliver.line, "POST /v1/orders/ord_1/deliver HTTP/1.1");
  EXPECT_EQ(deliver.headers["Idempotency-Key"], "ld-1-2-3");
  EXPECT_EQ(deliver.headers["Content-Length"], "2");
  EXPECT_EQ(deliver.body, "{}");

  BuildStepRequest(out, FlowStep::kPoll, "ord_1", head, key, "LD1-2");
  ParsedRequest poll = ParseRequest(out);
  EXPECT_EQ(poll.line, "GET /v1/orders/ord_1 HTTP/1.1");
  EXPECT_EQ(poll.headers["Authorization"], "Bearer t0k");
  EXPECT_EQ(poll.headers.count("Idempotency-Key"), 0u);  // a GET changes nothing
  EXPECT_EQ(poll.headers.count("Content-Length"), 0u);
  EXPECT_EQ(poll.body, "");

  EXPECT_THROW(BuildStepRequest(out, FlowStep::kCreate, "ord_1", head, key, ""), std::invalid_argument);
}

// ---------------------------------------------------------------------------
// A tiny in-test HTTP server: the product listing (two pages, one SKU each) and
// POST /v1/orders answered 201 and 409 alternately; POST /v1/echo answers 200.
// The lifecycle of order ord_<2m> (the m-th created) depends on m % 5:
//   1: pay answers 422
//   2: the first poll answers pending, the next ones failed (a decline)
//   3: pay answers paid at once (no poll)
//   0, 4: the first m % 3 polls answer pending, then paid
// and ship and deliver answer 200 shipped and delivered.

struct Recorded {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  // lower-case names
};

class TestServer {
 public:
  // close_every: every n-th response carries "Connection: close" and the server closes.
  // silent_close: the server closes after every response without saying so (an
  // idle keep-alive timeout). hang_orders: POSTs are read but never answered.
  explicit TestServer(int close_every = 0, bool silent_close = false, bool hang_orders = false)
      : close_every_(close_every), silent_close_(silent_close), hang_orders_(hang_orders), acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    Accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TestServer() {
    ioc_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

  std::vector<Recorded> Requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::vector<Recorded> Posts() {
    std::vector<Recorded> out;
    for (Recorded& r : Requests()) {
      if (r.method == "POST") out.push_back(std::move(r));
    }
    return out;
  }

  std::atomic<long> orders{0};
  std::atomic<long> accepted{0};
  std::atomic<long> declines{0};  // polls answered "failed"

  // The polls one flow makes before paid (see above), by the order id.
  static int ExpectedPolls(const std::string& id) {
    const long m = std::stol(id.substr(4)) / 2;
    return m % 5 == 3 ? 0 : static_cast<int>(m % 3) + 1;
  }

  bool hang_orders() const { return hang_orders_; }
  bool silent_close() const { return silent_close_; }

  void Lifecycle(const Recorded& r, std::string* status, std::string* body) {
    const std::string rest = r.target.substr(std::string("/v1/orders/").size());
    const std::size_t slash = rest.find('/');
    const std::string id = rest.substr(0, slash);
    const std::string verb = slash == std::string::npos ? "" : rest.substr(slash + 1);
    const long m = std::stol(id.substr(4)) / 2;
    std::string state;
    if (r.method == "GET" && verb.empty()) {
      int polls = 0;
      {
        std::lock_guard lock(mu_);
        polls = ++polls_[id];
      }
      if (m % 5 == 2) {
        state = polls == 1 ? "pending" : "failed";
        if (state == "failed") declines.fetch_add(1);
      } else {
        state = polls > m % 3 ? "paid" : "pending";
      }
    } else if (r.method == "POST" && verb == "pay") {
      if (m % 5 == 1) {
        *status = "422 Unprocessable Entity";
        *body = R"({"type":"https://ordo.dev/problems/invalid","status":422})";
        return;
      }
      state = m % 5 == 3 ? "paid" : "pending";
    } else if (r.method == "POST" && verb == "ship") {
      state = "shipped";
    } else if (r.method == "POST" && verb == "deliver") {
      state = "delivered";
    } else {
      *status = "404 Not Found";
      *body = "{}";
      return;
    }
    *status = "200 OK";
    // The nested status first: only the order's own counts.
    *body = R"({"payment":{"status":"captured"},"id":")" + id + R"(","status":")" + state + R"("})";
  }

  std::string Handle(Recorded r, bool* close) {
    std::string status, body;
    if (r.method == "GET" && r.target == "/v1/products?limit=200") {
      status = "200 OK";
      body = R"({"items":[{"sku":"SKU-A","name":"Apple","price":"12.50","currency":"EUR","stock":5}],)"
             R"("next_cursor":"c 2/x"})";
    } else if (r.method == "GET" && r.target == "/v1/products?limit=200&cursor=c%202%2Fx") {
      status = "200 OK";
      body = R"({"items":[{"sku":"SKU-B","name":"Banana","price":"0.99","currency":"EUR"}],"next_cursor":null})";
    } else if (r.method == "POST" && r.target == "/v1/orders") {
      const long n = orders.fetch_add(1);
      if (n % 2 == 0) {
        status = "201 Created";
        body = R"({"id":"ord_)" + std::to_string(n) + R"(","status":"placed"})";
      } else {
        status = "409 Conflict";
        body = R"({"type":"insufficient-stock","status":409})";
      }
    } else if (r.method == "POST" && r.target == "/v1/echo") {
      orders.fetch_add(1);
      status = "200 OK";
      body = "{}";
    } else if (r.target.rfind("/v1/orders/ord_", 0) == 0) {
      Lifecycle(r, &status, &body);
    } else {
      status = "404 Not Found";
      body = "{}";
    }
    {
      std::lock_guard lock(mu_);
      requests_.push_back(std::move(r));
      *close = close_every_ > 0 && requests_.size() % static_cast<std::size_t>(close_every_) == 0;
    }
    return "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + (*close ? "\r\nConnection: close" : "") + "\r\n\r\n" + body;
  }

 private:
  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(TestServer& server, tcp::socket sock) : server_(server), sock_(std::move(sock)) {}
    void Read() {
      sock_.async_read_some(asio::buffer(buf_), [self = shared_from_this()](auto ec, std::size_t n) {
        if (ec) return;
        self->in_.append(self->buf_.data(), n);
        self->Drain();
      });
    }

   private:
    void Drain() {
      const std::size_t end = in_.find("\r\n\r\n");
      if (end == std::string::npos) return Read();
      Recorded r;
      std::istringstream head(in_.substr(0, end));
      std::string line;
      std::getline(head, line);
      std::istringstream first(line);
      first >> r.method >> r.target;
      std::size_t length = 0;
      while (std::getline(head, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const std::size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        if (name == "content-length") length = std::stoul(value);
        r.headers[name] = value;
      }
      if (in_.size() < end + 4 + length) return Read();
      r.body = in_.substr(end + 4, length);
      in_.erase(0, end + 4 + length);
      const bool hang = server_.hang_orders() && r.method == "POST";
      bool close = false;
      out_ = server_.Handle(std::move(r), &close);
      if (hang) return Read();  // keep the connection, never answer
      asio::async_write(sock_, asio::buffer(out_), [self = shared_from_this(), close](auto ec, std::size_t) {
        if (ec) return;
        if (close || self->server_.silent_close()) {
          boost::system::error_code ignored;
          self->sock_.shutdown(tcp::socket::shutdown_both, ignored);
          self->sock_.close(ignored);
          return;
        }
        self->Drain();
      });
    }

    TestServer& server_;
    tcp::socket sock_;
    std::array<char, 8192> buf_{};
    std::string in_, out_;
  };

  void Accept() {
    acceptor_.async_accept([this](auto ec, tcp::socket sock) {
      if (ec) return;
      accepted.fetch_add(1);
      std::make_shared<Session>(*this, std::move(sock))->Read();
      Accept();
    });
  }

  int close_every_;
  bool silent_close_;
  bool hang_orders_;
  asio::io_context ioc_{1};
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Recorded> requests_;
  std::map<std::string, int> polls_;
};

Options Quiet(const TestServer& server) {
  Options o;
  o.url = server.url();
  o.progress = false;
  return o;
}

Options QuietLifecycle(const TestServer& server, int connections, double seconds, double poll_interval_ms) {
  Options o = Quiet(server);
  o.scenario = "lifecycle";
  o.connections = connections;
  o.duration_s = seconds;
  o.poll_interval_ms = poll_interval_ms;
  return o;
}

void ExpectAddsUp(const Summary& s) {
  EXPECT_EQ(s.completed, s.ok_2xx + s.conflict_409 + s.other);
  EXPECT_EQ(s.sent, s.completed + s.errors + s.unfinished);
  EXPECT_LE(s.p50_ms, s.p95_ms);
  EXPECT_LE(s.p95_ms, s.p99_ms);
  EXPECT_LE(s.p99_ms, s.max_ms);
}

TEST(LoadRunTest, UniformClosedLoopEndToEnd) {
  TestServer server;
  Options o = Quiet(server);
  o.connections = 4;
  o.duration_s = 1.0;
  const Summary s = ordo::load::Run(o);

  ExpectAddsUp(s);
  EXPECT_GT(s.sent, 200u);
  EXPECT_EQ(s.errors, 0u);
  EXPECT_EQ(s.other, 0u);
  EXPECT_EQ(s.unfinished, 0u);
  EXPECT_EQ(s.connect_errors, 0u);
  EXPECT_EQ(s.catalogue_skus, 2u);
  EXPECT_EQ(static_cast<long>(s.ok_2xx + s.conflict_409), server.orders.load());
  EXPECT_LE(s.ok_2xx > s.conflict_409 ? s.ok_2xx - s.conflict_409 : s.conflict_409 - s.ok_2xx, 1u);
  EXPECT_EQ(s.statuses.at(201), s.ok_2xx);
  EXPECT_EQ(s.statuses.at(409), s.conflict_409);
  EXPECT_GT(s.p50_ms, 0);
  EXPECT_GE(s.seconds, 1.0);
  EXPECT_LT(s.seconds, 1.5);
  EXPECT_NEAR(s.per_second, static_cast<double>(s.completed) / s.seconds, 1e-6);
  EXPECT_EQ(server.accepted.load(), 2 + 4);  // two catalogue pages, then 4 keep-alive connections

  const std::vector<Recorded> posts = server.Posts();
  ASSERT_EQ(posts.size(), s.sent);
  std::map<std::string, int> skus;
  std::set<std::string> cities;
  for (const Recorded& r : posts) {
    ASSERT_EQ(r.target, "/v1/orders");
    ASSERT_EQ(r.headers.at("content-type"), "application/json");
    ASSERT_EQ(r.headers.count("authorization"), 0u);
    ASSERT_EQ(r.headers.count("idempotency-key"), 0u);
    const auto j = nlohmann::json::parse(r.body);
    ASSERT_EQ(j.at("currency"), "EUR");
    ASSERT_EQ(j.at("lines").size(), 1u);
    ASSERT_EQ(j.at("lines")[0].at("quantity"), 1);
    ++skus[j.at("lines")[0].at("sku").get<std::string>()];
    const auto& address = j.at("shipping_address");
    ASSERT_TRUE(address.at("lat").is_number());
    ASSERT_TRUE(address.at("lng").is_number());
    ASSERT_EQ(address.at("name"), "Load Test");
    cities.insert(address.at("city").get<std::string>());
  }
  EXPECT_EQ(skus.size(), 2u);  // only the catalogue's, and both of them
  EXPECT_GT(skus["SKU-A"], 0);
  EXPECT_GT(skus["SKU-B"], 0);
  EXPECT_GT(cities.size(), 3u);
}

TEST(LoadRunTest, FixedRateMatchesTarget) {
  TestServer server;
  Options o = Quiet(server);
  o.connections = 4;
  o.duration_s = 1.0;
  o.rate = 200;
  const Summary s = ordo::load::Run(o);
  ExpectAddsUp(s);
  EXPECT_GE(s.sent, 170u);
  EXPECT_LE(s.sent, 230u);
  EXPECT_EQ(s.errors, 0u);
  EXPECT_EQ(s.unfinished, 0u);
  EXPECT_NEAR(s.per_second, 200, 30);
  EXPECT_LT(s.p50_ms, 50);  // an idle loopback server: the schedule is met
}

TEST(LoadRunTest, FixedRateBelowOnePerConnection) {
  TestServer server;
  Options o = Quiet(server);
  o.connections = 8;
  o.duration_s = 1.0;
  o.rate = 20;  // each connection sends every 400 ms
  const Summary s = ordo::load::Run(o);
  ExpectAddsUp(s);
  EXPECT_GE(s.sent, 17u);
  EXPECT_LE(s.sent, 23u);
}

TEST(LoadRunTest, FlashSaleWithAuthAndIdempotencyKeys) {
  TestServer server;
  Options o = Quiet(server);
  o.connections = 3;
  o.duration_s = 0.5;
  o.scenario = "flash-sale";
  o.sku = "SKU-B";
  o.quantity = 2;
  o.bearer = "secret-token";
  o.idempotency_keys = true;
  o.threads = 2;
  const Summary s = ordo::load::Run(o);
  ExpectAddsUp(s);
  EXPECT_EQ(s.errors, 0u);
  EXPECT_EQ(s.threads, 2);
  const std::vector<Recorded> posts = server.Posts();
  ASSERT_EQ(posts.size(), s.sent);
  std::set<std::string> keys;
  for (const Recorded& r : posts) {
    const auto j = nlohmann::json::parse(r.body);
    ASSERT_EQ(j.at("lines")[0].at("sku"), "SKU-B");
    ASSERT_EQ(j.at("lines")[0].at("quantity"), 2);
    ASSERT_EQ(r.headers.at("authorization"), "Bearer secret-token");
    keys.insert(r.headers.at("idempotency-key"));
  }
  EXPECT_EQ(keys.size(), posts.size());  // unique per request
  for (const Recorded& r : server.Requests()) {
    EXPECT_EQ(r.headers.at("authorization"), "Bearer secret-token");
  }
}

TEST(LoadRunTest, FlashSaleDefaultsToFirstSku) {
  TestServer server;
  Options o = Quiet(server);
  o.connections = 2;
  o.duration_s = 0.3;
  o.scenario = "flash-sale";
  const Summary s = ordo::load::Run(o);
  EXPECT_GT(s.sent, 0u);
  for (const Recorded& r : server.Posts()) {
    ASSERT_EQ(nlohmann::json::parse(r.body).at("lines")[0].at("sku"), "SKU-A");
  }
}

TEST(LoadRunTest, EchoScenario) {
  TestServer server;
  Options o = Quiet(server);
  o.connections = 2;
  o.duration_s = 0.3;
  o.scenario = "echo";
  const Summary s = ordo::load::Run(o);
  ExpectAddsUp(s);
  EXPECT_GT(s.ok_2xx, 0u);
  EXPECT_EQ(s.ok_2xx, s.completed);
  EXPECT_EQ(s.statuses.at(200), s.ok_2xx);
  for (const Recorded& r : server.Posts()) ASSERT_EQ(r.target, "/v1/echo");
}

TEST(LoadRunTest, ReconnectsWhenTheServerCloses) {
  TestServer server(/*close_every=*/7);
  Options o = Quiet(server);
  o.connections = 4;
  o.duration_s = 0.5;
  const Summary s = ordo::load::Run(o);
  ExpectAddsUp(s);
  EXPECT_GT(s.completed, 50u);
  EXPECT_EQ(s.errors, 0u);
  EXPECT_GT(server.accepted.load(), 10);
}

TEST(LoadRunTest, RetriesOnceOnADroppedKeepAliveConnection) {
  TestServer server(/*close_every=*/0, /*silent_close=*/true);
  Options o = Quiet(server);
  o.connections = 2;
  o.duration_s = 0.5;
  const Summary s = ordo::load::Run(o);
  ExpectAddsUp(s);
  EXPECT_GT(s.completed, 20u);
  EXPECT_EQ(s.errors, 0u);
  EXPECT_EQ(static_cast<long>(s.completed), server.orders.load());
}

TEST(LoadRunTest, StopsAfterTheDrainWhenResponsesNeverCome) {
  TestServer server(/*close_every=*/0, /*silent_close=*/false, /*hang_orders=*/true);
  Options o = Quiet(server);
  o.connections = 3;
  o.duration_s = 0.3;
  o.drain_s = 0.3;
  const auto begin = std::chrono::steady_clock::now();
  const Summary s = ordo::load::Run(o);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  ExpectAddsUp(s);
  EXPECT_EQ(s.sent, 3u);
  EXPECT_EQ(s.unfinished, 3u);
  EXPECT_EQ(s.completed, 0u);
  EXPECT_EQ(s.errors, 0u);
  EXPECT_GE(took, 0.55);
  EXPECT_LT(took, 1.5);
}

TEST(LoadRunTest, WritesJsonSummary) {
  TestServer server;
  Options o = Quiet(server);
  o.connections = 2;
  o.duration_s = 0.3;
  o.json_out = ::testing::TempDir() + "ordo_load_summary.json";
  const Summary s = ordo::load::Run(o);
  std::ifstream in(o.json_out);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j.at("scenario"), "uniform");
  EXPECT_EQ(j.at("sent"), s.sent);
  EXPECT_EQ(j.at("ok_2xx"), s.ok_2xx);
  EXPECT_EQ(j.at("conflict_409"), s.conflict_409);
  EXPECT_DOUBLE_EQ(j.at("p99_ms").get<double>(), s.p99_ms);
  EXPECT_EQ(j.at("statuses").at("201"), s.ok_2xx);
  std::remove(o.json_out.c_str());
}

TEST(LoadRunTest, LifecycleRunsEachFlowThroughItsSteps) {
  TestServer server;
  Options o = QuietLifecycle(server, /*connections=*/4, /*seconds=*/0.5, /*poll_interval_ms=*/1);
  o.bearer = "secret-token";
  o.idempotency_keys = true;
  const Summary s = ordo::load::Run(o);
  ExpectAddsUp(s);
  const LifecycleSummary& l = s.lifecycle;
  EXPECT_EQ(s.errors, 0u);
  EXPECT_EQ(s.unfinished, 0u);
  ASSERT_GT(l.flows_completed, 10u);
  EXPECT_EQ(l.flows_started, l.flows_completed + l.flows_failed + l.flows_unfinished);
  EXPECT_LE(l.flows_unfinished, 4u);  // at most one a connection, when the time was up

  // The requests the server saw, by order, in the order they came.
  std::map<std::string, std::vector<std::string>> steps;  // order id → "POST pay", "GET", …
  std::set<std::string> keys, trackings;
  long creates = 0;
  for (const Recorded& r : server.Requests()) {
    if (r.target.rfind("/v1/products", 0) == 0) continue;
    ASSERT_EQ(r.headers.at("authorization"), "Bearer secret-token");
    if (r.target == "/v1/orders") {
      ++creates;
      ASSERT_TRUE(keys.insert(r.headers.at("idempotency-key")).second);
      continue;
    }
    const std::string rest = r.target.substr(std::string("/v1/orders/").size());
    const std::size_t slash = rest.find('/');
    const std::string id = rest.substr(0, slash);
    if (r.method == "GET") {
      ASSERT_EQ(slash, std::string::npos) << r.target;
      ASSERT_EQ(r.headers.count("idempotency-key"), 0u);
      steps[id].push_back("GET");
      continue;
    }
    const std::string verb = rest.substr(slash + 1);
    ASSERT_TRUE(keys.insert(r.headers.at("idempotency-key")).second) << "a key used twice";
    const auto body = nlohmann::json::parse(r.body);
    if (verb == "pay") {
      EXPECT_EQ(body, nlohmann::json::parse(R"({"payment_method":{"token":"tok_visa"}})"));
    }
    if (verb == "ship") {
      EXPECT_EQ(body.at("carrier"), "DHL");
      EXPECT_TRUE(trackings.insert(body.at("tracking").get<std::string>()).second);
    }
    if (verb == "deliver") {
      EXPECT_EQ(body, nlohmann::json::object());
    }
    steps[id].push_back("POST " + verb);
  }
  EXPECT_EQ(static_cast<std::uint64_t>(creates), l.create.sent);

  // Each order went through its steps in order, and no further than its answers allowed.
  std::uint64_t delivered = 0, polls_of_delivered = 0, polls = 0, pays = 0, ships = 0;
  for (const auto& [id, seen] : steps) {
    const long m = std::stol(id.substr(4)) / 2;
    const int want_polls = TestServer::ExpectedPolls(id);
    std::vector<std::string> want = {"POST pay"};
    if (m % 5 == 1) {
      // pay refused: nothing follows
    } else if (m % 5 == 2) {
      want.insert(want.end(), {"GET", "GET"});  // pending, then failed
    } else {
      want.insert(want.end(), static_cast<std::size_t>(want_polls), "GET");
      want.insert(want.end(), {"POST ship", "POST deliver"});
    }
    // An unfinished flow stops early; any other has every step.
    ASSERT_LE(seen.size(), want.size()) << id;
    ASSERT_TRUE(std::equal(seen.begin(), seen.end(), want.begin())) << id;
    if (seen.back() == "POST deliver") {
      ++delivered;
      polls_of_delivered += static_cast<std::uint64_t>(want_polls);
    }
    for (const std::string& step : seen) {
      polls += step == "GET";
      pays += step == "POST pay";
      ships += step == "POST ship";
    }
  }
  EXPECT_EQ(delivered, l.flows_completed);
  EXPECT_EQ(l.deliver.sent, delivered);
  EXPECT_EQ(l.polls_of_completed, polls_of_delivered);
  EXPECT_DOUBLE_EQ(l.polls_per_flow, static_cast<double>(polls_of_delivered) / static_cast<double>(delivered));
  EXPECT_EQ(l.poll.sent, polls);
  EXPECT_EQ(l.pay.sent, pays);
  EXPECT_EQ(l.ship.sent, ships);

  // Why flows failed: the 409s at create, the 422s at pay, the declines.
  EXPECT_EQ(l.create.non_2xx, s.conflict_409);
  EXPECT_GT(l.create.non_2xx, 0u);
  EXPECT_GT(l.pay.non_2xx, 0u);
  EXPECT_EQ(l.poll.non_2xx + l.ship.non_2xx + l.deliver.non_2xx, 0u);
  EXPECT_EQ(l.failed_rejected, l.create.non_2xx + l.pay.non_2xx);
  EXPECT_EQ(l.failed_payment, static_cast<std::uint64_t>(server.declines.load()));
  EXPECT_GT(l.failed_payment, 0u);
  EXPECT_EQ(l.failed_bad_response + l.failed_paid_timeout + l.failed_transport, 0u);
  EXPECT_EQ(l.flows_failed, l.failed_rejected + l.failed_payment);

  // Every request is in exactly one step, answered.
  std::uint64_t sent = 0;
  for (const StepSummary* step : {&l.create, &l.pay, &l.poll, &l.ship, &l.deliver}) {
    EXPECT_EQ(step->sent, step->ok_2xx + step->non_2xx);
    EXPECT_LE(step->latency.p50_ms, step->latency.p99_ms);
    sent += step->sent;
  }
  EXPECT_EQ(sent, s.sent);
  EXPECT_GT(l.pay.latency.p99_ms, 0);
  EXPECT_GT(l.flow.p50_ms, 0);
  EXPECT_NEAR(l.flows_per_second, static_cast<double>(l.flows_completed) / s.seconds, 1e-9);
}

TEST(LoadRunTest, LifecycleSurvivesServerCloses) {
  TestServer server(/*close_every=*/5);
  const Summary s =
      ordo::load::Run(QuietLifecycle(server, /*connections=*/2, /*seconds=*/0.4, /*poll_interval_ms=*/0));
  ExpectAddsUp(s);
  EXPECT_EQ(s.errors, 0u);
  EXPECT_GT(s.lifecycle.flows_completed, 0u);
  EXPECT_EQ(s.lifecycle.failed_transport + s.lifecycle.failed_bad_response, 0u);
  EXPECT_GT(server.accepted.load(), 4);
}

TEST(LoadRunTest, LifecycleJsonIsFlatWithUniqueNames) {
  Summary s;
  s.scenario = "lifecycle";
  s.p99_ms = 4.5;
  s.lifecycle.flows_completed = 1234;
  s.lifecycle.flows_per_second = 123.4;
  s.lifecycle.pay.latency.p99_ms = 7.25;
  s.lifecycle.pay.non_2xx = 3;
  s.lifecycle.flow.p99_ms = 88;
  const std::string text = SummaryJson(s);
  const auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j.at("flows_completed"), 1234);
  EXPECT_DOUBLE_EQ(j.at("flows_per_second").get<double>(), 123.4);
  EXPECT_DOUBLE_EQ(j.at("pay_p99_ms").get<double>(), 7.25);
  EXPECT_EQ(j.at("pay_non_2xx"), 3);
  EXPECT_DOUBLE_EQ(j.at("flow_p99_ms").get<double>(), 88);
  EXPECT_DOUBLE_EQ(j.at("p99_ms").get<double>(), 4.5);  // the requests' own, unchanged
  for (const char* step : {"create", "pay", "poll", "ship", "deliver"}) {
    for (const char* field : {"_sent", "_2xx", "_non_2xx", "_p50_ms", "_p95_ms", "_p99_ms", "_max_ms"}) {
      EXPECT_TRUE(j.contains(std::string(step) + field)) << step << field;
    }
  }
  // The bench scripts read a field by its quoted name in the text: each name is
  // there once, and every value but the statuses is a scalar.
  for (const auto& [name, value] : j.items()) {
    const std::string quoted = "\"" + name + "\":";
    EXPECT_EQ(text.find(quoted), text.rfind(quoted)) << name;
    if (name != "statuses") {
      EXPECT_TRUE(value.is_primitive()) << name;
    }
  }

  s.scenario = "uniform";
  EXPECT_FALSE(nlohmann::json::parse(SummaryJson(s)).contains("flows_completed"));
}

TEST(LoadRunTest, LifecycleLinesFormat) {
  Summary s;
  s.scenario = "lifecycle";
  LifecycleSummary& l = s.lifecycle;
  l.flows_completed = 5000;
  l.flows_per_second = 500;
  l.flows_failed = 3;
  l.failed_rejected = 2;
  l.failed_payment = 1;
  l.flows_unfinished = 64;
  l.polls_per_flow = 2.5;
  l.poll_interval_ms = 10;
  l.pay = {5003, 5001, 2, {1.5, 3.25, 4.5, 9.75, 2}};
  l.flow = {20, 40, 60, 80, 25};
  EXPECT_EQ(LifecycleLines(s),
            "lifecycle: 5000 flows create to delivered, 500.0 flows/s, failed=3 (non-2xx 2, bad answer 0, "
            "payment 1, paid timeout 0, transport 0), unfinished=64, 2.50 polls/flow every 10.0 ms\n"
            "  create          0 sent, 2xx=0 non-2xx=0, p50=0.00 ms p95=0.00 ms p99=0.00 ms max=0.0 ms\n"
            "  pay          5003 sent, 2xx=5001 non-2xx=2, p50=1.50 ms p95=3.25 ms p99=4.50 ms max=9.8 ms\n"
            "  poll            0 sent, 2xx=0 non-2xx=0, p50=0.00 ms p95=0.00 ms p99=0.00 ms max=0.0 ms\n"
            "  ship            0 sent, 2xx=0 non-2xx=0, p50=0.00 ms p95=0.00 ms p99=0.00 ms max=0.0 ms\n"
            "  deliver         0 sent, 2xx=0 non-2xx=0, p50=0.00 ms p95=0.00 ms p99=0.00 ms max=0.0 ms\n"
            "  flow         5000 done, p50=20.00 ms p95=40.00 ms p99=60.00 ms max=80.0 ms");
}

TEST(LoadRunTest, SummaryLineFormat) {
  Summary s;
  s.scenario = "uniform";
  s.connections = 64;
  s.seconds = 10;
  s.ok_2xx = 120001;
  s.conflict_409 = 3455;
  s.completed = 123456;
  s.sent = 123456;
  s.per_second = 12345.6;
  s.ok_per_second = 12000.1;
  s.p50_ms = 1.2;
  s.p95_ms = 3.1;
  s.p99_ms = 5.4;
  s.max_ms = 12.3;
  EXPECT_EQ(SummaryLine(s),
            "uniform: 64 connections, 10.0 s: 123456 requests, 12345.6 req/s (2xx 12000.1/s), "
            "2xx=120001 409=3455 other=0 errors=0, latency p50=1.20 ms p95=3.10 ms p99=5.40 ms "
            "max=12.3 ms");
}

TEST(LoadRunTest, BadOptionsAndUnreachableServer) {
  TestServer server;
  Options o = Quiet(server);
  o.duration_s = 0.2;
  o.scenario = "flash-sale";
  o.sku = "NOPE";
  EXPECT_THROW(ordo::load::Run(o), std::invalid_argument);
  o.scenario = "bogus";
  EXPECT_THROW(ordo::load::Run(o), std::invalid_argument);
  o.scenario = "lifecycle";
  o.rate = 10;  // flows run closed loop
  EXPECT_THROW(ordo::load::Run(o), std::invalid_argument);
  o.rate = 0;
  o.poll_interval_ms = -1;
  EXPECT_THROW(ordo::load::Run(o), std::invalid_argument);
  o.poll_interval_ms = 10;
  o.paid_timeout_s = 0;
  EXPECT_THROW(ordo::load::Run(o), std::invalid_argument);
  o.paid_timeout_s = 30;
  o.scenario = "uniform";
  o.url = "http://192.168.1.1:8080";
  EXPECT_THROW(ordo::load::Run(o), std::invalid_argument);

  std::uint16_t port = 0;
  {
    asio::io_context ioc;
    tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  o.url = "http://127.0.0.1:" + std::to_string(port);
  EXPECT_THROW(ordo::load::Run(o), std::runtime_error);
}

}  // namespace
}  // namespace ordo::load
