// <utility> must come before any Boost.Asio header (Boost 1.74 + g++ 12).
#include <utility>

#include "load/load.h"
#include "load/slowloris.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "base/ids.h"
#include "base/thread_name.h"
#include "load/histogram.h"
#include "load/http_response.h"
#include "load/lifecycle.h"

namespace ordo::load {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// ---------------------------------------------------------------------------
// Catalogue

struct Product {
  std::string sku;
  std::string currency;
};

struct GetResult {
  int status = 0;
  std::string body;
};

std::string HostHeader(const Target& t) {
  const bool v6 = t.host.find(':') != std::string::npos;
  return (v6 ? "[" + t.host + "]" : t.host) + ":" + std::to_string(t.port);
}

std::string Describe(const Target& t) { return "http://" + HostHeader(t); }

// One GET on its own connection, with a timeout. Cold path (catalogue fetch).
GetResult HttpGet(const Target& t, const std::string& path, const std::string& bearer) {
  asio::io_context ioc(1);
  tcp::socket sock(ioc);
  const tcp::endpoint endpoint(asio::ip::make_address(t.address), t.port);
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + HostHeader(t) +
                        "\r\nAccept: application/json\r\n";
  if (!bearer.empty()) request += "Authorization: Bearer " + bearer + "\r\n";
  request += "Connection: close\r\n\r\n";

  ResponseParser parser(/*keep_body=*/true);
  std::array<char, 16384> buf{};
  std::string failure;
  bool done = false;
  std::function<void()> read = [&] {
    sock.async_read_some(asio::buffer(buf), [&](const ErrorCode& ec, std::size_t n) {
      if (ec) {
        failure = ec == asio::error::eof ? "connection closed before the response ended" : ec.message();
        return;
      }
      std::size_t used = 0;
      const auto state = parser.Feed(buf.data(), n, &used);
      if (state == ResponseParser::State::kDone) {
        done = true;
      } else if (state == ResponseParser::State::kError) {
        failure = "bad response: " + parser.error();
      } else {
        read();
      }
    });
  };
  sock.async_connect(endpoint, [&](const ErrorCode& ec) {
    if (ec) {
      failure = ec.message();
      return;
    }
    asio::async_write(sock, asio::buffer(request), [&](const ErrorCode& wec, std::size_t) {
      if (wec) {
        failure = wec.message();
        return;
      }
      read();
    });
  });
  ioc.run_for(std::chrono::seconds(10));
  if (!done) {
    throw std::runtime_error("cannot fetch " + Describe(t) + path + ": " +
                             (failure.empty() ? std::string("timed out") : failure));
  }
  return {parser.status(), parser.body()};
}

std::string PercentEncode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::vector<Product> FetchCatalogue(const Target& t, const std::string& bearer) {
  std::vector<Product> products;
  std::set<std::string> cursors_seen;
  std::string cursor;
  for (int page = 0; page < 100000; ++page) {
    std::string path = "/v1/products?limit=200";
    if (!cursor.empty()) path += "&cursor=" + PercentEncode(cursor);
    const GetResult r = HttpGet(t, path, bearer);
    if (r.status != 200) {
      throw std::runtime_error("GET " + path + " answered " + std::to_string(r.status) + ": " +
                               r.body.substr(0, 300));
    }
    nlohmann::json j = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("items") || !j["items"].is_array()) {
      throw std::runtime_error("GET " + path + ": the answer is not a product page");
    }
    for (const auto& item : j["items"]) {
      if (!item.is_object() || !item.contains("sku") || !item["sku"].is_string()) continue;
      Product p;
      p.sku = item["sku"].get<std::string>();
      if (item.contains("currency") && item["currency"].is_string()) {
        p.currency = item["currency"].get<std::string>();
      }
      products.push_back(std::move(p));
    }
    const auto next = j.find("next_cursor");
    if (next == j.end() || !next->is_string() || next->get<std::string>().empty()) return products;
    cursor = next->get<std::string>();
    if (!cursors_seen.insert(cursor).second) {
      throw std::runtime_error("the product listing repeats cursor " + cursor);
    }
  }
  throw std::runtime_error("the product listing does not end");
}

// ---------------------------------------------------------------------------
// Request pool

struct City {
  const char* name;
  const char* postal_code;
  const char* country;
  double lat;
  double lng;
};

constexpr City kCities[] = {
    {"Berlin", "10115", "DE", 52.5200, 13.4050},    {"Hamburg", "20095", "DE", 53.5511, 9.9937},
    {"Munich", "80331", "DE", 48.1351, 11.5820},    {"Cologne", "50667", "DE", 50.9375, 6.9603},
    {"Frankfurt", "60311", "DE", 50.1109, 8.6821},  {"Paris", "75001", "FR", 48.8566, 2.3522},
    {"Amsterdam", "1011", "NL", 52.3676, 4.9041},   {"Vienna", "1010", "AT", 48.2082, 16.3738},
    {"Madrid", "28001", "ES", 40.4168, -3.7038},    {"Milan", "20121", "IT", 45.4642, 9.1900},
};

struct PooledRequest {
  std::string bytes;
  std::size_t split = 0;  // where an Idempotency-Key line goes (before the blank line)
};

std::string OrderBody(const std::string& currency, const std::string& sku, int quantity,
                      const City& city, double lat, double lng) {
  char coords[96];
  std::snprintf(coords, sizeof coords, "\"lat\":%.4f,\"lng\":%.4f", lat, lng);
  std::string body;
  body.reserve(320);
  body += "{\"currency\":";
  body += nlohmann::json(currency).dump();
  body += ",\"lines\":[{\"sku\":";
  body += nlohmann::json(sku).dump();
  body += ",\"quantity\":";
  body += std::to_string(quantity);
  body += "}],\"shipping_address\":{\"name\":\"Load Test\",\"line1\":\"1 Main St\",\"city\":\"";
  body += city.name;
  body += "\",\"postal_code\":\"";
  body += city.postal_code;
  body += "\",\"country\":\"";
  body += city.country;
  body += "\",";
  body += coords;
  body += "}}";
  return body;
}

std::vector<PooledRequest> BuildPool(const Options& o, const Target& t, const std::string& currency,
                                     const std::vector<std::string>& skus) {
  const std::string path = o.scenario == "echo" ? "/v1/echo" : "/v1/orders";
  std::string head = "POST " + path + " HTTP/1.1\r\nHost: " + HostHeader(t) +
                     "\r\nContent-Type: application/json\r\n";
  if (!o.bearer.empty()) head += "Authorization: Bearer " + o.bearer + "\r\n";
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_int_distribution<std::size_t> pick_sku(0, skus.size() - 1);
  std::uniform_int_distribution<std::size_t> pick_city(0, std::size(kCities) - 1);
  std::uniform_real_distribution<double> jitter(-0.02, 0.02);
  std::vector<PooledRequest> pool;
  pool.reserve(static_cast<std::size_t>(o.body_pool));
  for (int i = 0; i < o.body_pool; ++i) {
    const City& city = kCities[pick_city(rng)];
    const std::string& sku = skus[pick_sku(rng)];
    const std::string body =
        OrderBody(currency, sku, o.quantity, city, city.lat + jitter(rng), city.lng + jitter(rng));
    PooledRequest r;
    r.bytes = head + "Content-Length: " + std::to_string(body.size()) + "\r\n";
    r.split = r.bytes.size();
    r.bytes += "\r\n";
    r.bytes += body;
    pool.push_back(std::move(r));
  }
  return pool;
}

// ---------------------------------------------------------------------------
// The run

struct Shared {
  tcp::endpoint endpoint;
  std::vector<PooledRequest> pool;
  bool closed_loop = true;
  double interval_ns = 0;  // 1/rate
  int total_connections = 1;
  TimePoint start;
  TimePoint deadline;
  std::chrono::nanoseconds drain{0};
  bool idempotency_keys = false;
  std::string key_prefix;  // "Idempotency-Key: ld-<run>-"
  // lifecycle
  bool lifecycle = false;
  std::string flow_head;  // "Host: …\r\n" and the Authorization line of the step requests
  std::chrono::nanoseconds poll_interval{0};
  std::chrono::nanoseconds paid_timeout{0};
};

// Written by the worker's own thread only, read by the progress line: relaxed
// load+store instead of a locked read-modify-write.
struct Counter {
  std::atomic<std::uint64_t> v{0};
  void Bump() { v.store(v.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  std::uint64_t Get() const { return v.load(std::memory_order_relaxed); }
};

struct Counters {
  Counter sent, ok, conflict, other, errors, connect_errors, flows_completed;
};

// The lifecycle's tallies of one worker (its own thread only; read after the run).
struct StepStats {
  std::uint64_t sent = 0, ok = 0, non_2xx = 0;
  LatencyHistogram histogram;
};

struct FlowStats {
  std::array<StepStats, kFlowSteps> steps;
  LatencyHistogram flow;
  std::uint64_t started = 0, polls_of_completed = 0;
  std::uint64_t rejected = 0, bad_response = 0, payment = 0, paid_timeout = 0, transport = 0;

  StepStats& Of(FlowStep step) { return steps[static_cast<std::size_t>(step)]; }
  void CountFailure(OrderFlow::Failure failure) {
    switch (failure) {
      case OrderFlow::Failure::kRejected: ++rejected; break;
      case OrderFlow::Failure::kBadResponse: ++bad_response; break;
      case OrderFlow::Failure::kPaymentFailed: ++payment; break;
      case OrderFlow::Failure::kPaidTimeout: ++paid_timeout; break;
      case OrderFlow::Failure::kNone: break;
    }
  }
};

class Worker;

class Connection {
 public:
  Connection(Worker& w, int global_index, std::uint64_t seed);
  void Start() { Connect(); }
  void OnStop();   // the duration is over
  void Abandon();  // the drain is over

 private:
  enum class Step { kNeedMore, kHandled };

  void Connect();
  void OnConnect(const ErrorCode& ec);
  void Next();
  void Send(TimePoint start);
  void Write();
  void OnWrite(const ErrorCode& ec);
  void Read();
  void OnRead(const ErrorCode& ec, std::size_t n);
  Step Process();
  void OnResponse();
  void OnFlowResponse(int status, std::uint64_t ns, TimePoint now);
  void AbortFlow();
  void SendAfterPollInterval();
  void Fail(const ErrorCode& ec);
  bool MaybeRetryStale(const ErrorCode& ec);
  void CloseSocket();
  std::uint64_t Rand();
  TimePoint Due() const;

  Worker& w_;
  const Shared& s_;
  const int g_;  // index among all connections
  tcp::socket sock_;
  asio::steady_timer timer_;
  std::uint64_t rng_;
  ResponseParser parser_;
  std::array<char, 8192> rbuf_{};
  std::size_t rpos_ = 0, rlen_ = 0;  // unparsed bytes in rbuf_
  std::uint64_t k_ = 0;              // requests scheduled by this connection
  std::uint64_t served_ = 0;         // responses on the current socket
  bool pending_ = false;             // a request was sent and is not yet answered or failed
  bool retried_ = false;
  std::size_t index_ = 0;  // pool entry of the pending request
  TimePoint req_start_{};
  std::array<char, 96> key_{};
  std::size_t key_len_ = 0;
  // lifecycle
  OrderFlow flow_;
  FlowStep sent_step_ = FlowStep::kCreate;  // the step of the pending request
  bool dynamic_ = false;                    // the pending request is in dyn_, not in the pool
  bool poll_wait_ = false;                  // the next request is a poll, after the interval
  std::string dyn_;
  TimePoint flow_start_{};
};

class Worker {
 public:
  explicit Worker(const Shared& shared) : shared(shared), deadline_timer_(ioc), drain_timer_(ioc) {}

  void Add(int global_index, std::uint64_t seed) {
    conns_.push_back(std::make_unique<Connection>(*this, global_index, seed));
  }

  void Run() {
    for (auto& c : conns_) c->Start();
    deadline_timer_.expires_at(shared.deadline);
    deadline_timer_.async_wait([this](const ErrorCode& ec) {
      if (!ec) Stop();
    });
    ioc.run();
  }

  void Stop() {
    stopping = true;
    for (auto& c : conns_) c->OnStop();
    if (inflight == 0) {
      Finish();
      return;
    }
    drain_timer_.expires_after(shared.drain);
    drain_timer_.async_wait([this](const ErrorCode& ec) {
      if (!ec) Finish();
    });
  }

  void CheckDrained() {
    if (stopping && !finished && inflight == 0) Finish();
  }

  void Finish() {
    if (finished) return;
    finished = true;
    deadline_timer_.cancel();
    drain_timer_.cancel();
    for (auto& c : conns_) c->Abandon();
  }

  void RecordStatus(int status) {
    if (status >= 0 && status < static_cast<int>(statuses.size())) ++statuses[static_cast<std::size_t>(status)];
  }

  asio::io_context ioc{1};
  const Shared& shared;
  Counters counters;
  LatencyHistogram histogram;
  FlowStats flows;
  std::array<std::uint64_t, 600> statuses{};
  std::uint64_t unfinished = 0;
  int inflight = 0;
  bool stopping = false;
  bool finished = false;
  TimePoint last_completion{};

 private:
  asio::steady_timer deadline_timer_;
  asio::steady_timer drain_timer_;
  std::vector<std::unique_ptr<Connection>> conns_;
};

Connection::Connection(Worker& w, int global_index, std::uint64_t seed)
    : w_(w),
      s_(w.shared),
      g_(global_index),
      sock_(w.ioc),
      timer_(w.ioc),
      rng_(seed | 1),
      parser_(/*keep_body=*/w.shared.lifecycle),
      flow_(w.shared.paid_timeout) {}

std::uint64_t Connection::Rand() {  // xorshift64*
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  return rng_ * 0x2545F4914F6CDD1DULL;
}

TimePoint Connection::Due() const {
  const double n = static_cast<double>(g_) + static_cast<double>(k_) * s_.total_connections;
  return s_.start + std::chrono::nanoseconds(static_cast<std::int64_t>(n * s_.interval_ns));
}

void Connection::CloseSocket() {
  if (sock_.is_open()) {
    ErrorCode ignored;
    sock_.close(ignored);
  }
  rpos_ = rlen_ = 0;
  served_ = 0;
}

void Connection::Connect() {
  CloseSocket();
  sock_.async_connect(s_.endpoint, [this](const ErrorCode& ec) { OnConnect(ec); });
}

void Connection::OnConnect(const ErrorCode& ec) {
  if (w_.finished) return;
  if (ec) {
    CloseSocket();
    if (!w_.stopping) w_.counters.connect_errors.Bump();
    if (pending_) {  // the stale-connection retry could not reconnect
      pending_ = false;
      --w_.inflight;
      w_.counters.errors.Bump();
      AbortFlow();
    }
    if (w_.stopping) {
      w_.CheckDrained();
      return;
    }
    timer_.expires_after(std::chrono::milliseconds(100));
    timer_.async_wait([this](const ErrorCode& tec) {
      if (tec || w_.stopping || w_.finished) return;
      Connect();
    });
    return;
  }
  ErrorCode ignored;
  sock_.set_option(tcp::no_delay(true), ignored);
  if (pending_) {  // resend the request a stale keep-alive connection dropped
    Write();
    return;
  }
  if (w_.stopping) {
    CloseSocket();
    return;
  }
  Next();
}

void Connection::Next() {
  if (w_.stopping) {
    CloseSocket();
    return;
  }
  const TimePoint now = Clock::now();
  if (s_.closed_loop) {
    if (now >= s_.deadline) return;  // the worker's deadline timer closes us
    if (poll_wait_) {
      SendAfterPollInterval();
    } else {
      Send(now);
    }
    return;
  }
  const TimePoint due = Due();
  if (due >= s_.deadline) return;
  if (due <= now) {
    Send(due);
    return;
  }
  timer_.expires_at(due);
  timer_.async_wait([this, due](const ErrorCode& ec) {
    if (ec || w_.stopping || w_.finished) return;
    Send(due);
  });
}

void Connection::SendAfterPollInterval() {
  poll_wait_ = false;
  timer_.expires_after(s_.poll_interval);
  timer_.async_wait([this](const ErrorCode& ec) {
    if (ec || w_.stopping || w_.finished) return;
    const TimePoint now = Clock::now();
    if (now < s_.deadline) Send(now);
  });
}

void Connection::Send(TimePoint start) {
  ++k_;
  dynamic_ = s_.lifecycle && flow_.step() != FlowStep::kCreate;
  if (!dynamic_) {
    const std::uint64_t r = Rand() >> 32;
    index_ = static_cast<std::size_t>((r * s_.pool.size()) >> 32);
  }
  req_start_ = start;
  pending_ = true;
  retried_ = false;
  ++w_.inflight;
  w_.counters.sent.Bump();
  if (s_.idempotency_keys) {
    // "Idempotency-Key: ld-<run>-<connection>-<n>\r\n"
    char* p = key_.data();
    char* const end = key_.data() + key_.size();
    const std::size_t prefix = std::min(s_.key_prefix.size(), key_.size() - 48);
    p = std::copy_n(s_.key_prefix.data(), prefix, p);
    p = std::to_chars(p, end, g_).ptr;
    *p++ = '-';
    p = std::to_chars(p, end, k_).ptr;
    *p++ = '\r';
    *p++ = '\n';
    key_len_ = static_cast<std::size_t>(p - key_.data());
  }
  if (s_.lifecycle) {
    sent_step_ = flow_.step();
    ++w_.flows.Of(sent_step_).sent;
    if (sent_step_ == FlowStep::kCreate) {
      ++w_.flows.started;
      flow_start_ = start;
    }
  }
  if (dynamic_) {
    char tracking[48];  // "LD<connection>-<request>"
    const int n = std::snprintf(tracking, sizeof tracking, "LD%d-%llu", g_, static_cast<unsigned long long>(k_));
    BuildStepRequest(dyn_, sent_step_, flow_.order_id(), s_.flow_head,
                     std::string_view(key_.data(), s_.idempotency_keys ? key_len_ : 0),
                     std::string_view(tracking, static_cast<std::size_t>(n)));
  }
  Write();
}

void Connection::Write() {
  parser_.Reset();
  if (dynamic_) {
    asio::async_write(sock_, asio::buffer(dyn_), [this](const ErrorCode& ec, std::size_t) { OnWrite(ec); });
    return;
  }
  const PooledRequest& req = s_.pool[index_];
  const std::array<asio::const_buffer, 3> buffers{
      asio::buffer(req.bytes.data(), req.split),
      asio::buffer(key_.data(), s_.idempotency_keys ? key_len_ : 0),
      asio::buffer(req.bytes.data() + req.split, req.bytes.size() - req.split),
  };
  asio::async_write(sock_, buffers, [this](const ErrorCode& ec, std::size_t) { OnWrite(ec); });
}

void Connection::OnWrite(const ErrorCode& ec) {
  if (w_.finished) return;
  if (ec) {
    if (!MaybeRetryStale(ec)) Fail(ec);
    return;
  }
  Read();
}

void Connection::Read() {
  if (rpos_ < rlen_ && Process() == Step::kHandled) return;
  rpos_ = rlen_ = 0;
  sock_.async_read_some(asio::buffer(rbuf_),
                        [this](const ErrorCode& ec, std::size_t n) { OnRead(ec, n); });
}

void Connection::OnRead(const ErrorCode& ec, std::size_t n) {
  if (w_.finished) return;
  if (ec) {
    if (!MaybeRetryStale(ec)) Fail(ec);
    return;
  }
  rpos_ = 0;
  rlen_ = n;
  if (Process() == Step::kHandled) return;
  sock_.async_read_some(asio::buffer(rbuf_),
                        [this](const ErrorCode& rec, std::size_t m) { OnRead(rec, m); });
}

// A keep-alive connection the server closed while idle fails the next request
// before any byte of a response; resend it once on a fresh connection.
bool Connection::MaybeRetryStale(const ErrorCode& ec) {
  const bool dropped = ec == asio::error::eof || ec == asio::error::connection_reset ||
                       ec == asio::error::broken_pipe;
  if (!dropped || retried_ || served_ == 0 || parser_.started()) return false;
  retried_ = true;
  Connect();
  return true;
}

Connection::Step Connection::Process() {
  std::size_t used = 0;
  const auto state = parser_.Feed(rbuf_.data() + rpos_, rlen_ - rpos_, &used);
  rpos_ += used;
  switch (state) {
    case ResponseParser::State::kNeedMore:
      rpos_ = rlen_ = 0;
      return Step::kNeedMore;
    case ResponseParser::State::kError:
      Fail(asio::error::invalid_argument);
      return Step::kHandled;
    case ResponseParser::State::kDone:
      OnResponse();
      return Step::kHandled;
  }
  return Step::kHandled;
}

void Connection::OnResponse() {
  const TimePoint now = Clock::now();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - req_start_).count();
  w_.histogram.Record(ns > 0 ? static_cast<std::uint64_t>(ns) : 0);
  const int status = parser_.status();
  w_.RecordStatus(status);
  if (status >= 200 && status < 300) {
    w_.counters.ok.Bump();
  } else if (status == 409) {
    w_.counters.conflict.Bump();
  } else {
    w_.counters.other.Bump();
  }
  if (s_.lifecycle) OnFlowResponse(status, ns > 0 ? static_cast<std::uint64_t>(ns) : 0, now);
  pending_ = false;
  --w_.inflight;
  ++served_;
  w_.last_completion = now;
  if (w_.stopping) {
    CloseSocket();
    w_.CheckDrained();
    return;
  }
  if (parser_.close()) {
    Connect();
    return;
  }
  Next();
}

void Connection::OnFlowResponse(int status, std::uint64_t ns, TimePoint now) {
  FlowStats& f = w_.flows;
  StepStats& step = f.Of(sent_step_);
  step.histogram.Record(ns);
  ++(status >= 200 && status < 300 ? step.ok : step.non_2xx);
  switch (flow_.OnResponse(status, parser_.body(), now)) {
    case OrderFlow::Verdict::kSend:
      return;
    case OrderFlow::Verdict::kPollLater:
      poll_wait_ = true;
      return;
    case OrderFlow::Verdict::kCompleted: {
      const auto flow_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - flow_start_).count();
      f.flow.Record(flow_ns > 0 ? static_cast<std::uint64_t>(flow_ns) : 0);
      f.polls_of_completed += static_cast<std::uint64_t>(flow_.polls());
      w_.counters.flows_completed.Bump();
      flow_.Restart();
      return;
    }
    case OrderFlow::Verdict::kFailed:
      f.CountFailure(flow_.failure());
      flow_.Restart();
      return;
  }
}

// A request of the flow failed in transport: whether it took effect is not
// known, so the flow ends there and the next one starts.
void Connection::AbortFlow() {
  if (!s_.lifecycle) return;
  ++w_.flows.transport;
  flow_.Restart();
  poll_wait_ = false;
}

void Connection::Fail(const ErrorCode&) {
  w_.counters.errors.Bump();
  pending_ = false;
  --w_.inflight;
  AbortFlow();
  CloseSocket();
  if (w_.stopping) {
    w_.CheckDrained();
    return;
  }
  Connect();
}

void Connection::OnStop() {
  timer_.cancel();
  if (!pending_) CloseSocket();
}

void Connection::Abandon() {
  timer_.cancel();
  if (pending_) {
    pending_ = false;
    --w_.inflight;
    ++w_.unfinished;
  }
  CloseSocket();
}

// ---------------------------------------------------------------------------

void Validate(const Options& o) {
  if (o.connections < 1) throw std::invalid_argument("connections must be at least 1");
  if (!(o.duration_s > 0) || !std::isfinite(o.duration_s)) {
    throw std::invalid_argument("duration must be positive");
  }
  if (!(o.rate >= 0) || !std::isfinite(o.rate)) throw std::invalid_argument("rate must be >= 0");
  if (o.threads < 1) throw std::invalid_argument("threads must be at least 1");
  if (o.quantity < 1) throw std::invalid_argument("quantity must be at least 1");
  if (o.body_pool < 1) throw std::invalid_argument("body pool must be at least 1");
  if (!(o.drain_s >= 0)) throw std::invalid_argument("drain must be >= 0");
  if (o.scenario != "uniform" && o.scenario != "flash-sale" && o.scenario != "echo" &&
      o.scenario != "lifecycle") {
    throw std::invalid_argument("unknown scenario '" + o.scenario +
                                "' (uniform, flash-sale, echo or lifecycle)");
  }
  if (o.scenario == "lifecycle" && o.rate > 0) {
    throw std::invalid_argument("the lifecycle scenario runs closed loop only (rate 0)");
  }
  if (!(o.poll_interval_ms >= 0) || !std::isfinite(o.poll_interval_ms)) {
    throw std::invalid_argument("the poll interval must be >= 0");
  }
  if (!(o.paid_timeout_s > 0) || !std::isfinite(o.paid_timeout_s)) {
    throw std::invalid_argument("the paid timeout must be positive");
  }
  if (o.bearer.find_first_of("\r\n") != std::string::npos) {
    throw std::invalid_argument("the bearer token must not hold line breaks");
  }
}

std::string ProgressLine(const Options& o, double elapsed, std::uint64_t completed,
                         double recent_rate, std::uint64_t ok, std::uint64_t conflict,
                         std::uint64_t other, std::uint64_t errors) {
  char line[256];
  std::snprintf(line, sizeof line,
                "%s %4.0f/%.0f s: %llu responses, %.1f req/s, 2xx=%llu 409=%llu other=%llu errors=%llu",
                o.scenario.c_str(), elapsed, o.duration_s, static_cast<unsigned long long>(completed),
                recent_rate, static_cast<unsigned long long>(ok),
                static_cast<unsigned long long>(conflict), static_cast<unsigned long long>(other),
                static_cast<unsigned long long>(errors));
  return line;
}

Latencies Summarize(const LatencyHistogram& h) {
  Latencies l;
  l.p50_ms = h.Percentile(50) / 1e6;
  l.p95_ms = h.Percentile(95) / 1e6;
  l.p99_ms = h.Percentile(99) / 1e6;
  l.max_ms = static_cast<double>(h.max()) / 1e6;
  l.mean_ms = h.mean() / 1e6;
  return l;
}

LifecycleSummary MergeFlows(const std::vector<std::unique_ptr<Worker>>& workers, const Options& o, double seconds) {
  LifecycleSummary l;
  l.poll_interval_ms = o.poll_interval_ms;
  std::array<StepStats, kFlowSteps> steps;
  LatencyHistogram flow;
  for (const auto& w : workers) {
    const FlowStats& f = w->flows;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      steps[i].sent += f.steps[i].sent;
      steps[i].ok += f.steps[i].ok;
      steps[i].non_2xx += f.steps[i].non_2xx;
      steps[i].histogram.Merge(f.steps[i].histogram);
    }
    flow.Merge(f.flow);
    l.flows_started += f.started;
    l.flows_completed += w->counters.flows_completed.Get();
    l.polls_of_completed += f.polls_of_completed;
    l.failed_rejected += f.rejected;
    l.failed_bad_response += f.bad_response;
    l.failed_payment += f.payment;
    l.failed_paid_timeout += f.paid_timeout;
    l.failed_transport += f.transport;
  }
  l.flows_failed =
      l.failed_rejected + l.failed_bad_response + l.failed_payment + l.failed_paid_timeout + l.failed_transport;
  l.flows_unfinished = l.flows_started - l.flows_completed - l.flows_failed;
  l.flows_per_second = seconds > 0 ? static_cast<double>(l.flows_completed) / seconds : 0;
  l.polls_per_flow =
      l.flows_completed ? static_cast<double>(l.polls_of_completed) / static_cast<double>(l.flows_completed) : 0;
  StepSummary* out[kFlowSteps] = {&l.create, &l.pay, &l.poll, &l.ship, &l.deliver};
  for (std::size_t i = 0; i < steps.size(); ++i) {
    *out[i] = {steps[i].sent, steps[i].ok, steps[i].non_2xx, Summarize(steps[i].histogram)};
  }
  l.flow = Summarize(flow);
  return l;
}

// The steps of a LifecycleSummary in flow order, with their names.
std::array<std::pair<const char*, const StepSummary*>, kFlowSteps> Steps(const LifecycleSummary& l) {
  return {{{ToString(FlowStep::kCreate), &l.create},
           {ToString(FlowStep::kPay), &l.pay},
           {ToString(FlowStep::kPoll), &l.poll},
           {ToString(FlowStep::kShip), &l.ship},
           {ToString(FlowStep::kDeliver), &l.deliver}}};
}

}  // namespace

Target ParseUrl(const std::string& url) {
  static constexpr std::string_view kScheme = "http://";
  std::string lower = url;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.rfind("https://", 0) == 0) throw std::invalid_argument("only http:// urls are supported");
  if (lower.rfind(kScheme, 0) != 0) throw std::invalid_argument("the url must start with http://");
  std::string rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find_first_of("/?#@") != std::string::npos) {
    throw std::invalid_argument("the url must be http://host:port, without a path");
  }
  Target t;
  std::string port;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string::npos) throw std::invalid_argument("bad IPv6 address in " + url);
    t.host = rest.substr(1, close - 1);
    const std::string after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw std::invalid_argument("bad url " + url);
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = rest.rfind(':');
    t.host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  if (t.host.empty()) throw std::invalid_argument("the url has no host: " + url);
  if (port.empty()) {
    t.port = 80;
  } else {
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535) {
      throw std::invalid_argument("bad port in " + url);
    }
    t.port = static_cast<std::uint16_t>(value);
  }
  std::string host_lower = t.host;
  for (char& c : host_lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (host_lower == "localhost") {
    t.address = "127.0.0.1";
    return t;
  }
  ErrorCode ec;
  const auto address = asio::ip::make_address(t.host, ec);
  if (ec || !address.is_loopback()) {
    throw std::invalid_argument("only loopback targets are allowed (127.0.0.0/8, ::1, localhost), not " +
                                t.host);
  }
  t.address = address.to_string();
  return t;
}

Summary Run(const Options& options) {
  Validate(options);
  const Target target = ParseUrl(options.url);
  const std::vector<Product> catalogue = FetchCatalogue(target, options.bearer);
  if (catalogue.empty()) throw std::runtime_error("the catalogue at " + Describe(target) + " is empty");

  std::string currency;
  std::vector<std::string> skus;
  if (options.scenario == "flash-sale") {
    const std::string& sku = options.sku.empty() ? catalogue.front().sku : options.sku;
    const auto it = std::find_if(catalogue.begin(), catalogue.end(),
                                 [&](const Product& p) { return p.sku == sku; });
    if (it == catalogue.end()) throw std::invalid_argument("SKU " + sku + " is not in the catalogue");
    skus.push_back(sku);
    currency = it->currency;
  } else {
    // One order has one currency: draw from the products priced in the first one's.
    currency = catalogue.front().currency;
    for (const Product& p : catalogue) {
      if (p.currency == currency) skus.push_back(p.sku);
    }
  }
  if (currency.empty()) currency = "USD";

  Shared shared;
  shared.endpoint = tcp::endpoint(asio::ip::make_address(target.address), target.port);
  shared.pool = BuildPool(options, target, currency, skus);
  shared.closed_loop = options.rate <= 0;
  shared.interval_ns = shared.closed_loop ? 0 : 1e9 / options.rate;
  shared.total_connections = options.connections;
  shared.drain = std::chrono::nanoseconds(static_cast<std::int64_t>(options.drain_s * 1e9));
  shared.idempotency_keys = options.idempotency_keys;
  shared.key_prefix = "Idempotency-Key: ld-" + RandomHex(6) + "-";
  shared.lifecycle = options.scenario == "lifecycle";
  shared.flow_head = "Host: " + HostHeader(target) + "\r\n";
  if (!options.bearer.empty()) shared.flow_head += "Authorization: Bearer " + options.bearer + "\r\n";
  shared.poll_interval = std::chrono::nanoseconds(static_cast<std::int64_t>(options.poll_interval_ms * 1e6));
  shared.paid_timeout = std::chrono::nanoseconds(static_cast<std::int64_t>(options.paid_timeout_s * 1e9));

  std::unique_ptr<SlowSenders> slow;
  if (options.slow_connections > 0)
    slow = std::make_unique<SlowSenders>(target.address, static_cast<unsigned short>(target.port), options.slow_connections);
  const int nthreads = std::min(options.threads, options.connections);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < nthreads; ++i) workers.push_back(std::make_unique<Worker>(shared));
  std::mt19937_64 seeder(std::random_device{}());
  for (int g = 0; g < options.connections; ++g) {
    workers[static_cast<std::size_t>(g % nthreads)]->Add(g, seeder());
  }

  std::mutex mu;
  std::condition_variable cv;
  int running = nthreads;
  std::exception_ptr failure;
  std::vector<std::thread> threads;

  shared.start = Clock::now();
  shared.deadline =
      shared.start + std::chrono::nanoseconds(static_cast<std::int64_t>(options.duration_s * 1e9));
  for (auto& w : workers) {
    threads.emplace_back([&, worker = w.get()] {
      NameThisThread("ordo-load");
      try {
        worker->Run();
      } catch (...) {
        std::lock_guard lock(mu);
        if (!failure) failure = std::current_exception();
      }
      std::lock_guard lock(mu);
      --running;
      cv.notify_all();
    });
  }

  // Progress, once a second, from this thread.
  const bool tty = isatty(STDERR_FILENO) == 1;
  bool progress_shown = false;
  {
    std::uint64_t last_completed = 0;
    TimePoint last_tick = shared.start;
    TimePoint next_tick = shared.start + std::chrono::seconds(1);
    std::unique_lock lock(mu);
    while (running > 0) {
      if (cv.wait_until(lock, next_tick, [&] { return running == 0; })) break;
      const TimePoint now = Clock::now();
      next_tick += std::chrono::seconds(1);
      if (!options.progress) continue;
      std::uint64_t ok = 0, conflict = 0, other = 0, errors = 0;
      for (const auto& w : workers) {
        ok += w->counters.ok.Get();
        conflict += w->counters.conflict.Get();
        other += w->counters.other.Get();
        errors += w->counters.errors.Get();
      }
      const std::uint64_t completed = ok + conflict + other;
      const double dt = std::chrono::duration<double>(now - last_tick).count();
      const double recent = dt > 0 ? static_cast<double>(completed - last_completed) / dt : 0;
      last_completed = completed;
      last_tick = now;
      const double elapsed = std::chrono::duration<double>(now - shared.start).count();
      std::string line = ProgressLine(options, elapsed, completed, recent, ok, conflict, other, errors);
      if (shared.lifecycle) {
        std::uint64_t flows = 0;
        for (const auto& w : workers) flows += w->counters.flows_completed.Get();
        line += " flows=" + std::to_string(flows);
      }
      if (tty) {
        std::fprintf(stderr, "\r%s\x1b[K", line.c_str());
      } else {
        std::fprintf(stderr, "%s\n", line.c_str());
      }
      std::fflush(stderr);
      progress_shown = true;
    }
  }
  for (auto& t : threads) t.join();
  if (progress_shown && tty) {
    std::fprintf(stderr, "\r\x1b[K");
    std::fflush(stderr);
  }
  if (failure) std::rethrow_exception(failure);

  // Merge.
  Summary s;
  if (slow) {
    s.slow_opened = slow->opened();
    s.slow_closed = slow->Stop();
  }
  s.scenario = options.scenario;
  s.connections = options.connections;
  s.threads = nthreads;
  s.target_rate = options.rate;
  s.catalogue_skus = skus.size();
  LatencyHistogram histogram;
  TimePoint end = shared.deadline;
  for (const auto& w : workers) {
    s.sent += w->counters.sent.Get();
    s.ok_2xx += w->counters.ok.Get();
    s.conflict_409 += w->counters.conflict.Get();
    s.other += w->counters.other.Get();
    s.errors += w->counters.errors.Get();
    s.connect_errors += w->counters.connect_errors.Get();
    s.unfinished += w->unfinished;
    histogram.Merge(w->histogram);
    for (std::size_t code = 0; code < w->statuses.size(); ++code) {
      if (w->statuses[code]) s.statuses[static_cast<int>(code)] += w->statuses[code];
    }
    end = std::max(end, w->last_completion);
  }
  s.completed = s.ok_2xx + s.conflict_409 + s.other;
  s.seconds = std::chrono::duration<double>(end - shared.start).count();
  s.per_second = s.seconds > 0 ? static_cast<double>(s.completed) / s.seconds : 0;
  s.ok_per_second = s.seconds > 0 ? static_cast<double>(s.ok_2xx) / s.seconds : 0;
  const Latencies all = Summarize(histogram);
  s.p50_ms = all.p50_ms;
  s.p95_ms = all.p95_ms;
  s.p99_ms = all.p99_ms;
  s.max_ms = all.max_ms;
  s.mean_ms = all.mean_ms;
  s.min_ms = static_cast<double>(histogram.min()) / 1e6;
  if (shared.lifecycle) s.lifecycle = MergeFlows(workers, options, s.seconds);

  if (options.print_summary) {
    std::printf("%s\n", SummaryLine(s).c_str());
    if (shared.lifecycle) std::printf("%s\n", LifecycleLines(s).c_str());
    std::fflush(stdout);
  }
  if (!options.json_out.empty()) {
    std::ofstream out(options.json_out, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + options.json_out);
    out << SummaryJson(s) << "\n";
    if (!out) throw std::runtime_error("cannot write " + options.json_out);
  }
  return s;
}

std::string SummaryLine(const Summary& s) {
  using ull = unsigned long long;
  char rate[64] = "";
  if (s.target_rate > 0) std::snprintf(rate, sizeof rate, ", target %.1f req/s", s.target_rate);
  char line[512];
  std::snprintf(line, sizeof line,
                "%s: %d connections%s, %.1f s: %llu requests, %.1f req/s (2xx %.1f/s), "
                "2xx=%llu 409=%llu other=%llu errors=%llu, latency p50=%.2f ms p95=%.2f ms "
                "p99=%.2f ms max=%.1f ms",
                s.scenario.c_str(), s.connections, rate, s.seconds, static_cast<ull>(s.completed),
                s.per_second, s.ok_per_second, static_cast<ull>(s.ok_2xx),
                static_cast<ull>(s.conflict_409), static_cast<ull>(s.other),
                static_cast<ull>(s.errors), s.p50_ms, s.p95_ms, s.p99_ms, s.max_ms);
  std::string out = line;
  if (s.unfinished) out += ", unfinished=" + std::to_string(s.unfinished);
  if (s.connect_errors) out += ", connect_errors=" + std::to_string(s.connect_errors);
  if (s.slow_opened)
    out += "; " + std::to_string(s.slow_opened) + " slow senders, " + std::to_string(s.slow_closed) + " closed by the server";
  return out;
}

std::string LifecycleLines(const Summary& s) {
  using ull = unsigned long long;
  const LifecycleSummary& l = s.lifecycle;
  char line[512];
  std::snprintf(line, sizeof line,
                "lifecycle: %llu flows create to delivered, %.1f flows/s, failed=%llu (non-2xx %llu, "
                "bad answer %llu, payment %llu, paid timeout %llu, transport %llu), unfinished=%llu, "
                "%.2f polls/flow every %.1f ms",
                static_cast<ull>(l.flows_completed), l.flows_per_second, static_cast<ull>(l.flows_failed),
                static_cast<ull>(l.failed_rejected), static_cast<ull>(l.failed_bad_response),
                static_cast<ull>(l.failed_payment), static_cast<ull>(l.failed_paid_timeout),
                static_cast<ull>(l.failed_transport), static_cast<ull>(l.flows_unfinished), l.polls_per_flow,
                l.poll_interval_ms);
  std::string out = line;
  for (const auto& [name, step] : Steps(l)) {
    std::snprintf(line, sizeof line, "\n  %-8s %8llu sent, 2xx=%llu non-2xx=%llu, p50=%.2f ms p95=%.2f ms p99=%.2f ms max=%.1f ms",
                  name, static_cast<ull>(step->sent), static_cast<ull>(step->ok_2xx),
                  static_cast<ull>(step->non_2xx), step->latency.p50_ms, step->latency.p95_ms,
                  step->latency.p99_ms, step->latency.max_ms);
    out += line;
  }
  std::snprintf(line, sizeof line, "\n  %-8s %8llu done, p50=%.2f ms p95=%.2f ms p99=%.2f ms max=%.1f ms", "flow",
                static_cast<ull>(l.flows_completed), l.flow.p50_ms, l.flow.p95_ms, l.flow.p99_ms, l.flow.max_ms);
  out += line;
  return out;
}

std::string SummaryJson(const Summary& s) {
  nlohmann::ordered_json j;
  j["scenario"] = s.scenario;
  j["connections"] = s.connections;
  j["threads"] = s.threads;
  j["target_rate"] = s.target_rate;
  j["seconds"] = s.seconds;
  j["sent"] = s.sent;
  j["completed"] = s.completed;
  j["ok_2xx"] = s.ok_2xx;
  j["conflict_409"] = s.conflict_409;
  j["other"] = s.other;
  j["errors"] = s.errors;
  j["unfinished"] = s.unfinished;
  j["connect_errors"] = s.connect_errors;
  j["per_second"] = s.per_second;
  j["ok_per_second"] = s.ok_per_second;
  j["p50_ms"] = s.p50_ms;
  j["p95_ms"] = s.p95_ms;
  j["p99_ms"] = s.p99_ms;
  j["max_ms"] = s.max_ms;
  j["mean_ms"] = s.mean_ms;
  j["min_ms"] = s.min_ms;
  j["catalogue_skus"] = s.catalogue_skus;
  nlohmann::ordered_json statuses = nlohmann::ordered_json::object();
  for (const auto& [code, count] : s.statuses) statuses[std::to_string(code)] = count;
  j["statuses"] = statuses;
  j["slow_opened"] = s.slow_opened;
  j["slow_closed"] = s.slow_closed;
  if (s.scenario == "lifecycle") {
    const LifecycleSummary& l = s.lifecycle;
    j["poll_interval_ms"] = l.poll_interval_ms;
    j["flows_started"] = l.flows_started;
    j["flows_completed"] = l.flows_completed;
    j["flows_failed"] = l.flows_failed;
    j["flows_unfinished"] = l.flows_unfinished;
    j["flows_per_second"] = l.flows_per_second;
    j["failed_rejected"] = l.failed_rejected;
    j["failed_bad_response"] = l.failed_bad_response;
    j["failed_payment"] = l.failed_payment;
    j["failed_paid_timeout"] = l.failed_paid_timeout;
    j["failed_transport"] = l.failed_transport;
    j["polls_of_completed"] = l.polls_of_completed;
    j["polls_per_flow"] = l.polls_per_flow;
    const auto latencies = [&j](const std::string& prefix, const Latencies& t) {
      j[prefix + "_p50_ms"] = t.p50_ms;
      j[prefix + "_p95_ms"] = t.p95_ms;
      j[prefix + "_p99_ms"] = t.p99_ms;
      j[prefix + "_max_ms"] = t.max_ms;
      j[prefix + "_mean_ms"] = t.mean_ms;
    };
    latencies("flow", l.flow);
    for (const auto& [name, step] : Steps(l)) {
      const std::string prefix = name;
      j[prefix + "_sent"] = step->sent;
      j[prefix + "_2xx"] = step->ok_2xx;
      j[prefix + "_non_2xx"] = step->non_2xx;
      latencies(prefix, step->latency);
    }
  }
  return j.dump();
}

}  // namespace ordo::load
