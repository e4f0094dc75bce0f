// `ordo load`: an HTTP/1.1 load generator for Ordo's order API.
//
// CPU-cheap by design (it shares a small machine with the server under test):
// Boost.Asio with one io thread by default, persistent keep-alive connections,
// one request in flight per connection, request bytes pre-built at start (a pool
// of a few thousand order bodies), a minimal response parser, and a log-bucketed
// latency histogram (<= 0.4 % error) instead of a sample log.
//
// Closed loop (rate == 0): each connection sends its next request as soon as the
// previous response is read. Fixed rate (rate > 0): send times are scheduled at
// start + (g + k*C)/rate for connection g of C, k = 0, 1, ...; a connection that
// is still busy sends as soon as it is free, and latency is measured from the
// scheduled time (no coordinated omission).
//
// A transport error (write/read failure, malformed response) counts in `errors`,
// closes the connection and reconnects at once; a failed connect counts in
// `connect_errors` and is retried after 100 ms. One exception: when a reused
// keep-alive connection fails before any byte of the response arrived (the
// server closed it while idle), the request is resent once on a new connection.
// "Connection: close" responses are counted normally and the connection is
// reopened. After duration_s no new request is started; outstanding ones get
// drain_s (2 s) to finish, then count as `unfinished`.
//
// Connections are spread round-robin over `threads` io threads, each with its
// own io_context and counters (no shared mutable state on the hot path).
//
// Scenario "lifecycle" (closed loop only): each connection runs order flows one
// after another, create → pay → poll GET /v1/orders/{id} until paid → ship →
// deliver (load/lifecycle.h), with the order bodies of "uniform". The request
// counters and latencies above then cover every request of every step; the
// flows, each step's latencies and non-2xx, and the polls are in
// Summary::lifecycle. At the end of the duration, flows under way are left
// unfinished (a poll not yet sent is not sent).
//
// Only loopback targets are accepted (127.0.0.0/8, ::1, "localhost").
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace ordo::load {

struct Options {
  std::string url = "http://127.0.0.1:8080";  // http only, host:port
  int connections = 64;
  double duration_s = 10;
  double rate = 0;                   // total requests/s across connections; 0 = closed loop
  std::string scenario = "uniform";  // "uniform" | "flash-sale" | "echo" | "lifecycle"
  std::string sku;                   // flash-sale SKU; empty = the first SKU of the catalogue
  int quantity = 1;                  // units per order line
  int threads = 1;
  bool progress = true;  // live progress line on stderr, once a second
  std::string json_out;  // if set, write the summary as JSON to this file
  std::string bearer;    // if set, "Authorization: Bearer <bearer>" on every request
  bool idempotency_keys = false;  // if set, a unique Idempotency-Key header per request
  // Added: bodies in the pre-built pool, and how long to wait for outstanding
  // responses once the run's duration is over.
  int body_pool = 4096;
  double drain_s = 2;
  bool print_summary = true;  // the human summary on stdout
  // lifecycle: the wait between an answer that is not yet paid and the next
  // poll, and how long after the pay answer a flow may wait for "paid".
  double poll_interval_ms = 10;
  double paid_timeout_s = 30;
  // Slow senders (slowloris.h) held open during the run, besides `connections`.
  int slow_connections = 0;
};

// Latencies in milliseconds.
struct Latencies {
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0, mean_ms = 0;
};

// One step of the lifecycle: its requests, how they were answered, and their
// latencies (send to the end of the answer).
struct StepSummary {
  std::uint64_t sent = 0, ok_2xx = 0, non_2xx = 0;
  Latencies latency;
};

struct LifecycleSummary {
  double poll_interval_ms = 0;
  std::uint64_t flows_started = 0;
  std::uint64_t flows_completed = 0;  // delivered
  std::uint64_t flows_failed = 0;     // = the five failed_* below
  std::uint64_t flows_unfinished = 0;  // under way when the run ended
  double flows_per_second = 0;        // completed / Summary::seconds
  // Why flows failed: a non-2xx answer (which step: StepSummary::non_2xx), a
  // 2xx without what the step needs, a payment that did not end paid, no paid
  // within the paid timeout, a transport error (Summary::errors).
  std::uint64_t failed_rejected = 0, failed_bad_response = 0, failed_payment = 0, failed_paid_timeout = 0,
                failed_transport = 0;
  std::uint64_t polls_of_completed = 0;  // polls of the completed flows
  double polls_per_flow = 0;             // polls_of_completed / flows_completed
  StepSummary create, pay, poll, ship, deliver;
  Latencies flow;  // create sent to deliver answered, completed flows
  // Invariant: flows_started == flows_completed + flows_failed + flows_unfinished.
};

struct Summary {
  double seconds = 0;
  std::uint64_t sent = 0, ok_2xx = 0, conflict_409 = 0, other = 0, errors = 0;
  double per_second = 0;     // all completed responses (2xx + 409 + other) / seconds
  double ok_per_second = 0;  // 2xx / seconds
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0;
  // Added fields.
  std::string scenario;
  int connections = 0;
  int threads = 0;
  double target_rate = 0;              // Options::rate (0 = closed loop)
  std::uint64_t completed = 0;         // ok_2xx + conflict_409 + other
  std::uint64_t unfinished = 0;        // sent, no response or error when the drain ended
  std::uint64_t connect_errors = 0;    // failed connection attempts (not counted in errors)
  double mean_ms = 0, min_ms = 0;
  std::uint64_t catalogue_skus = 0;    // SKUs the scenario draws from
  std::map<int, std::uint64_t> statuses;  // every status code seen, with its count
  // Invariant: sent == completed + errors + unfinished.
  LifecycleSummary lifecycle;  // scenario "lifecycle" only
  int slow_opened = 0;  // slow senders connected at the start (Options::slow_connections)
  int slow_closed = 0;  // of them, closed by the server by the end
};

// Fetches the catalogue, runs the load and prints the human summary to stdout
// (and the JSON summary to options.json_out when set). Returns the summary.
// Throws std::invalid_argument for bad options (including a non-loopback url)
// and std::runtime_error when the catalogue cannot be fetched or is empty.
Summary Run(const Options& options);

// Flat: one "name":value per field. With scenario "lifecycle" it adds the
// LifecycleSummary as flows_*, failed_*, polls_*, flow_p99_ms and per step
// <step>_sent, <step>_2xx, <step>_non_2xx, <step>_p99_ms, … (step: create,
// pay, poll, ship, deliver).
std::string SummaryJson(const Summary&);
// The one-line human summary (no trailing newline).
std::string SummaryLine(const Summary&);
// The lifecycle's lines: flows, then one line a step (no trailing newline).
std::string LifecycleLines(const Summary&);

// Parsed target. Throws std::invalid_argument unless "http://host:port[/]" with
// a loopback host.
struct Target {
  std::string host;       // as written (used for the Host header)
  std::string address;    // numeric address to connect to
  std::uint16_t port = 0;
};
Target ParseUrl(const std::string& url);

}  // namespace ordo::load
