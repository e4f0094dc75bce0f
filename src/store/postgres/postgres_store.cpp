#include "store/postgres/postgres_store.h"

#include <libpq-fe.h>

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <charconv>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "domain/order/lifecycle.h"
#include "store/codec.h"
#include "store/invariants.h"
#include "store/order_list.h"
#include "store/postgres/migrations.h"
#include "store/row_cache.h"

// How this adapter talks to PostgreSQL
//
// - Every connection is in libpq pipeline mode and uses named prepared
//   statements: each SQL text is prepared once per connection (the PQsendPrepare
//   travels in the same pipeline as its first execution), then executed with
//   PQsendQueryPrepared.
// - A read waits for its answer: queue it, PQpipelineSync, read the results.
// - Inside a write transaction, writes whose only possible failure is an SQL
//   error (inserts, upserts, UpdateOrder, the event rows, BEGIN) are queued and
//   not waited for. They travel with the next statement that needs an answer,
//   or with COMMIT, so a batch of orders costs a few round trips, not one per
//   row. A queued write that fails makes that next statement fail, or Commit.
// - PostgreSQL aborts a transaction at its first error, so the first SQL error
//   in a WriteTx is kept and returned by every later call and by Commit.
//   Expected refusals (a reservation that is no longer pending, a stock change
//   that would break 0 <= reserved <= on_hand, a second idempotency record) are
//   written so that they touch no row instead of raising an error: the call
//   fails and the transaction stays usable, as with SQLite.

// The NOTIFY channel of committed events: one per schema (channels are
// database-wide, and several Ordo deployments may share a database).
#define ORDO_PG_CHANNEL_SQL "left('ordo:' || current_schema(), 63)"
// The application_name of a listening connection whose node wants the wake-ups
// (ChangeFeed::Want): writers look for it in pg_stat_activity. A node that dies
// takes its connection, and so its name, with it.
#define ORDO_PG_LISTENER_SQL "left('ordo-listen:' || current_schema(), 63)"

namespace ordo::store {
namespace {

// FNV-1a over the parts (each followed by a zero byte), as a signed 64-bit key.
std::int64_t AdvisoryKey(std::string_view space, std::string_view a, std::string_view b) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::string_view part : {space, a, b}) {
    for (unsigned char ch : part) {
      h ^= ch;
      h *= 1099511628211ull;
    }
    h ^= 0;
    h *= 1099511628211ull;
  }
  return static_cast<std::int64_t>(h);
}

using domain::Location;
using domain::Order;
using domain::Product;
using domain::Reservation;
using domain::StockLevel;

struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultFree>;

// Run on its own (an implicit transaction), this flushes the WAL up to itself
// and with it every commit before it. A transaction flushes at its commit only
// if it wrote WAL: one that merely takes a transaction id commits
// asynchronously. A transactional logical-decoding message is the smallest
// WAL record a transaction can write without touching a table (any role may
// emit one; with wal_level = logical, decoders see it under the prefix "ordo").
constexpr const char* kFlushWal = "SELECT pg_logical_emit_message(true, 'ordo', '')";

std::string FirstLine(const char* text) {
  std::string s = text ? text : "";
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  return s;
}

// A conflict with another transaction: nothing was changed, and running the
// same batch again is expected to succeed (the engine does so).
bool ConflictState(std::string_view state) {
  return state == "40001"     // serialization_failure
         || state == "40P01"  // deadlock_detected
         || state == "55P03";  // lock_not_available
}

constexpr const char* kApplyStockDeltas = "apply stock deltas";
// The products of $1 (a text[] of SKUs), in the order asked (as SQLite's loop returns them).
constexpr const char* kProductsBySkus =
    "SELECT p.sku, p.name, p.price_minor, p.currency, p.hs_code, p.attributes, p.updated_at"
    " FROM products p WHERE p.sku = ANY ($1::text[]) ORDER BY array_position($1::text[], p.sku)";
constexpr const char* kCreateStockRow = "create stock row";
// The stock rows of $1 (a text[] of SKUs), in the global lock order (store.h);
// the locked form for the writer's transaction.
#define ORDO_STOCK_BY_SKUS \
  "SELECT sku, location_id, on_hand, reserved, version FROM stock WHERE sku = ANY ($1::text[]) ORDER BY sku, location_id"
constexpr const char* kStockBySkus = ORDO_STOCK_BY_SKUS;
constexpr const char* kStockBySkusLocked = ORDO_STOCK_BY_SKUS " FOR UPDATE";
#undef ORDO_STOCK_BY_SKUS
// A cached batch's check that the catalogue has not changed (RowCache).
constexpr const char* kCheckCatalogue = "check the cached catalogue";

// Worth retrying later: the server is busy or going away.
bool RetryableState(std::string_view state) {
  return state == "57014"                                      // query_canceled (statement_timeout)
         || state == "53300"                                   // too_many_connections
         || state == "25006"                                   // read_only_sql_transaction (a standby)
         || state.starts_with("08") || state.starts_with("57P");  // connection, shutdown
}

// Messages are for logs: what failed, the SQLSTATE and the constraint, never
// the SQL text or the values.
Error PgError(PGconn* conn, const PGresult* r, const char* what) {
  std::string state;
  if (r)
    if (const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE)) state = s;
  std::string msg = std::string("postgres: ") + what + " failed";
  if (!state.empty()) msg += ", SQLSTATE " + state;
  if (r)
    if (const char* c = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME)) msg += std::string(", constraint ") + c;
  bool lost = PQstatus(conn) != CONNECTION_OK;
  if (lost) msg += ", connection lost: " + FirstLine(PQerrorMessage(conn));
  // The guard of ApplyStockDeltas: another node changed the rows since they were read.
  bool stale = state == "22012" &&
               (std::string_view(what) == kApplyStockDeltas || std::string_view(what) == kCreateStockRow);
  if (!lost && (ConflictState(state) || stale)) return Error{Code::kUnavailable, kConflict, msg, "", {}};
  if (!lost && state == "22012" && std::string_view(what) == kCheckCatalogue)
    return Error{Code::kUnavailable, kStale, msg, "", {}};
  if (lost || RetryableState(state)) return Error::Unavailable(msg);
  return Error::Internal(msg);
}

// Statement parameters: text, but for the arrays of the batch statements,
// which go in PostgreSQL's binary array format: nothing to quote here, and
// nothing to parse on the server (array_in cost it about 5 % of its CPU in a
// two-node placement run). Borrowed strings must outlive the call that sends them.
class Params {
 public:
  Params& S(const std::string& v) { return Text(v.c_str()); }
  Params& S(std::string&& v) {
    owned_.push_back(std::move(v));
    return Text(owned_.back().c_str());
  }
  Params& S(const char* v) { return Text(v); }
  Params& I(std::int64_t v) { return S(std::to_string(v)); }
  Params& D(double v) {
    char buf[40];
    auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
    return S(std::string(buf, r.ptr));
  }
  Params& B(bool v) { return S(v ? "true" : "false"); }
  // A text[] parameter ($n::text[] in the statement).
  Params& TA(const std::vector<std::string>& items) {
    std::string out = ArrayHeader(kTextOid, items.size());
    for (const std::string& item : items) {
      PutInt32(out, static_cast<std::uint32_t>(item.size()));
      out += item;
    }
    return Binary(std::move(out));
  }
  // A bigint[] parameter ($n::bigint[] in the statement).
  Params& IA(const std::vector<std::int64_t>& items) {
    std::string out = ArrayHeader(kInt8Oid, items.size());
    for (std::int64_t item : items) {
      PutInt32(out, 8);
      auto v = static_cast<std::uint64_t>(item);
      PutInt32(out, static_cast<std::uint32_t>(v >> 32));
      PutInt32(out, static_cast<std::uint32_t>(v));
    }
    return Binary(std::move(out));
  }
  int size() const { return static_cast<int>(ptrs_.size()); }
  const char* const* values() const { return ptrs_.empty() ? nullptr : ptrs_.data(); }
  const int* lengths() const { return binary_ ? lengths_.data() : nullptr; }
  const int* formats() const { return binary_ ? formats_.data() : nullptr; }

 private:
  static constexpr std::uint32_t kTextOid = 25;
  static constexpr std::uint32_t kInt8Oid = 20;

  static void PutInt32(std::string& out, std::uint32_t v) {
    const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                           static_cast<char>(v)};
    out.append(bytes, 4);
  }
  // One dimension (none when empty), no NULLs, the element type, its length, lower bound 1.
  static std::string ArrayHeader(std::uint32_t element_oid, std::size_t n) {
    std::string out;
    PutInt32(out, n == 0 ? 0 : 1);
    PutInt32(out, 0);
    PutInt32(out, element_oid);
    if (n > 0) {
      PutInt32(out, static_cast<std::uint32_t>(n));
      PutInt32(out, 1);
    }
    return out;
  }
  Params& Text(const char* v) {
    ptrs_.push_back(v);
    lengths_.push_back(0);
    formats_.push_back(0);
    return *this;
  }
  Params& Binary(std::string&& v) {
    owned_.push_back(std::move(v));
    ptrs_.push_back(owned_.back().data());
    lengths_.push_back(static_cast<int>(owned_.back().size()));
    formats_.push_back(1);
    binary_ = true;
    return *this;
  }

  std::deque<std::string> owned_;  // a deque keeps c_str() pointers stable
  std::vector<const char*> ptrs_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  bool binary_ = false;
};

// PostgreSQL array literal of text: {"a","b"}.
std::string TextArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  out += '}';
  return out;
}

struct Row {
  const PGresult* r;
  int i;
  std::string Text(int c) const {
    return std::string(PQgetvalue(r, i, c), static_cast<std::size_t>(PQgetlength(r, i, c)));
  }
  std::int64_t Int(int c) const {
    std::int64_t v = 0;
    const char* p = PQgetvalue(r, i, c);
    std::from_chars(p, p + PQgetlength(r, i, c), v);
    return v;
  }
  double Real(int c) const {
    double v = 0;
    const char* p = PQgetvalue(r, i, c);
    std::from_chars(p, p + PQgetlength(r, i, c), v);
    return v;
  }
  bool Bool(int c) const { return PQgetvalue(r, i, c)[0] == 't'; }
};

int Rows(const PgResult& r) { return PQntuples(r.get()); }
std::int64_t Affected(const PgResult& r) {
  const char* n = PQcmdTuples(r.get());
  std::int64_t v = 0;
  std::from_chars(n, n + std::strlen(n), v);
  return v;
}

// One libpq connection and the statements prepared on it.
class PgConn {
 public:
  explicit PgConn(PGconn* c) : c_(c) {}
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;
  ~PgConn() {
    if (c_) PQfinish(c_);
  }

  // `pipeline`: the normal mode of every store connection. Without it the
  // connection runs multi-statement scripts (migrations) with Exec. `writer`:
  // the sequencer's connection.
  static Result<std::unique_ptr<PgConn>> Connect(const std::string& conninfo, bool pipeline, bool writer = false) {
    // The conninfo comes last so that its own values win over these defaults.
    const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
    const char* values[] = {"10", "ordo", conninfo.c_str(), nullptr};
    auto conn = std::make_unique<PgConn>(PQconnectdbParams(keys, values, 1));
    if (!conn->c_) return Error::Unavailable("postgres: cannot allocate a connection");
    if (PQstatus(conn->c_) != CONNECTION_OK)
      return Error::Unavailable("postgres: cannot connect: " + FirstLine(PQerrorMessage(conn->c_)));
    PQsetNoticeProcessor(conn->c_, [](void*, const char*) {}, nullptr);
    // Durable commits whatever the server's default; READ COMMITTED with
    // explicit row locks (GetStockForSkus) is the isolation the writer relies on.
    if (auto s = conn->Exec("SET synchronous_commit = on; SET client_encoding = 'UTF8';"
                            " SET default_transaction_isolation = 'read committed'",
                            "session setup");
        !s)
      return s.take_error();
    // The writer runs a few statement shapes over and over, with arrays for
    // parameters. Left to choose, PostgreSQL's plan cache kept planning each
    // execution afresh (a custom plan): 7 % of its CPU in a two-node placement
    // run, and two-node uniform placement gained 4-14 % (three alternating
    // pairs) once the cached generic plan was used. Read connections keep
    // custom plans: their optional filters ($1 = '' OR sku = $1) need them.
    if (writer)
      if (auto s = conn->Exec("SET plan_cache_mode = force_generic_plan", "writer setup"); !s) return s.take_error();
    if (pipeline && PQenterPipelineMode(conn->c_) != 1)
      return Error::Internal("postgres: cannot enter pipeline mode");
    return conn;
  }

  PGconn* raw() const { return c_; }
  bool broken() const { return broken_ || PQstatus(c_) != CONNECTION_OK; }
  std::size_t queued() const { return pending_.size(); }
  // No statement in flight and no transaction open.
  bool idle() const { return pending_.empty() && PQtransactionStatus(c_) == PQTRANS_IDLE; }

  // Sends a statement without waiting for its outcome, which the next Sync reports.
  Status Queue(const char* sql, const Params& params, const char* what, bool keep = false) {
    if (broken()) return Lost(what);
    auto it = names_.find(sql);
    if (it == names_.end()) {
      std::string name = "ordo_" + std::to_string(++statements_);
      if (PQsendPrepare(c_, name.c_str(), sql, 0, nullptr) != 1) return Lost(what);
      it = names_.emplace(sql, std::move(name)).first;
      pending_.push_back({what, sql, true, false});
    }
    if (PQsendQueryPrepared(c_, it->second.c_str(), params.size(), params.values(), params.lengths(), params.formats(),
                            0) != 1)
      return Lost(what);
    pending_.push_back({what, sql, false, keep});
    return Ok();
  }

  // Sends everything queued and waits for all of it. The first failure wins;
  // PostgreSQL skips the rest of the pipeline after it. `last` receives the
  // result of the statement queued with keep = true.
  Status Sync(PgResult* last = nullptr, std::vector<PgResult>* kept = nullptr) {
    if (pending_.empty()) return Ok();
    if (broken()) {
      pending_.clear();
      return Lost("sync");
    }
    std::optional<Error> first;
    if (PQpipelineSync(c_) != 1) {
      pending_.clear();
      return Lost("sync");
    }
    for (const Pending& p : pending_) {
      PgResult r(PQgetResult(c_));
      if (!r) {
        broken_ = true;
        if (!first) first = Lost(p.what);
        break;
      }
      ExecStatusType st = PQresultStatus(r.get());
      if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        if (p.keep && kept) kept->push_back(std::move(r));
        else if (p.keep && last) *last = std::move(r);
      } else {
        if (p.prepare) names_.erase(p.sql);
        if (!first)
          first = st == PGRES_PIPELINE_ABORTED ? Error::Internal(std::string("postgres: ") + p.what + " skipped")
                                               : PgError(c_, r.get(), p.what);
      }
      // Each statement's results end with a null.
      for (int guard = 0; guard < 16; ++guard) {
        PgResult extra(PQgetResult(c_));
        if (!extra) break;
        if (!first) first = Error::Internal(std::string("postgres: ") + p.what + " returned more than one result");
      }
      if (PQstatus(c_) != CONNECTION_OK) {
        broken_ = true;
        break;
      }
    }
    if (!broken_) {
      PgResult s(PQgetResult(c_));
      if (!s || PQresultStatus(s.get()) != PGRES_PIPELINE_SYNC) {
        broken_ = true;
        if (!first) first = Lost("sync");
      }
    }
    pending_.clear();
    if (first) return *first;
    return Ok();
  }

  // Sync for statements queued with keep = true. `queued`: how their Queue
  // calls went (after a failure the pipeline is synced all the same, which
  // leaves the connection clean). On success `kept` holds `expected` results.
  Status SyncKept(Status queued, std::vector<PgResult>& kept, std::size_t expected) {
    if (!queued) {
      (void)Sync();
      return queued;
    }
    if (auto s = Sync(nullptr, &kept); !s) return s;
    if (kept.size() != expected)
      return Error::Internal("postgres: " + std::to_string(kept.size()) + " results where " +
                             std::to_string(expected) + " were expected");
    return Ok();
  }

  // Queue + Sync: the statement's own result.
  Result<PgResult> Run(const char* sql, const Params& params, const char* what) {
    if (auto s = Queue(sql, params, what, true); !s) {
      (void)Sync();
      return s.take_error();
    }
    PgResult r;
    if (auto s = Sync(&r); !s) return s.take_error();
    return r;
  }

  // Run, for a read while writers commit before they flush (pipelined sync,
  // postgres_store.h): PostgreSQL shows such a commit before its WAL is on
  // disk, so the read is answered only once the WAL is flushed past every
  // commit its snapshot may hold, that is past the insert position read just
  // after it (a later statement of the same pipeline). The flush position is
  // read in the same round trip; only a read that raced a commit polls.
  Result<PgResult> RunFlushed(const char* sql, const Params& params, const char* what) {
    std::vector<PgResult> kept;
    Status s = Queue(sql, params, what, true);
    if (s)
      s = Queue("SELECT pg_current_wal_insert_lsn() <= pg_current_wal_flush_lsn(), pg_current_wal_insert_lsn()::text",
                Params(), "wal position", true);
    if (s = SyncKept(std::move(s), kept, 2); !s) return s.take_error();
    Row position{kept[1].get(), 0};
    if (position.Text(0) != "t")
      if (auto w = AwaitFlush(position.Text(1)); !w) return w.take_error();
    return std::move(kept[0]);
  }

  // Writers flush after each batch, so the WAL usually passes `lsn` within a
  // millisecond. WAL that no commit flushes (autovacuum's, say) waits for the
  // WAL writer, up to wal_writer_delay: after 5 ms a commit of our own
  // (kFlushWal) flushes it.
  Status AwaitFlush(const std::string& lsn) {
    for (int i = 0; i < 20; ++i) {
      std::this_thread::sleep_for(std::chrono::microseconds(250));
      auto r = Run("SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn", Params().S(lsn), "wal flushed");
      if (!r) return r.take_error();
      if (Row{r->get(), 0}.Text(0) == "t") return Ok();
    }
    auto r = Run(kFlushWal, Params(), "flush the wal");
    return r ? Ok() : r.take_error();
  }

  // Outside pipeline mode only: a script of one or more statements.
  Result<PgResult> ExecQuery(const char* sql, const char* what) {
    PgResult r(PQexec(c_, sql));
    ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return PgError(c_, r.get(), what);
    return r;
  }
  Status Exec(const char* sql, const char* what) {
    auto r = ExecQuery(sql, what);
    if (!r) return r.take_error();
    return Ok();
  }

 private:
  struct Pending {
    const char* what;
    const char* sql;
    bool prepare;  // the PQsendPrepare of `sql`, not an execution
    bool keep;
  };

  Error Lost(const char* what) {
    broken_ = true;
    return Error::Unavailable(std::string("postgres: ") + what + " failed, connection lost: " +
                              FirstLine(PQerrorMessage(c_)));
  }

  PGconn* c_;
  bool broken_ = false;
  int statements_ = 0;
  std::unordered_map<const char*, std::string> names_;  // SQL text (a literal) → prepared name
  std::vector<Pending> pending_;
};


// Queued writes are flushed at least this often, which bounds the memory and
// the socket buffers a large batch holds.
constexpr std::size_t kMaxQueued = 256;

Product ProductRow(Row r) {
  return {r.Text(0), r.Text(1), {r.Int(2), r.Text(3)}, r.Text(4), r.Text(5), r.Int(6)};
}

Location LocationRow(Row r) {
  Location l{r.Text(0), r.Text(1), domain::LocationKind::kWarehouse, r.Real(3), r.Real(4), r.Bool(5), r.Int(6)};
  domain::ParseLocationKind(r.Text(2), &l.kind);
  return l;
}

StockLevel StockRow(Row r) { return {r.Text(1), r.Text(0), r.Int(2), r.Int(3), r.Int(4)}; }

Reservation ReservationRow(Row r) {
  Reservation x{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4), domain::ReservationState::kPending,
                r.Int(6), r.Int(7), r.Int(8)};
  domain::ParseReservationState(r.Text(5), &x.state);
  return x;
}

StoredEvent EventRow(Row r) { return {r.Int(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4), r.Text(5), r.Text(6)}; }

Result<Order> OrderRow(Row r) {
  Order o;
  o.id = r.Text(0);
  o.external_id = r.Text(1);
  o.channel = r.Text(2);
  o.customer_id = r.Text(3);
  o.currency = r.Text(4);
  o.status = r.Text(5);
  o.total_minor = r.Int(6);
  o.created_at = r.Int(7);
  o.updated_at = r.Int(8);
  o.reservation_expires_at = r.Int(9);
  o.version = r.Int(10);
  if (auto st = DecodeOrderBody(r.Text(11), o); !st) return st.take_error();
  return o;
}

#define ORDO_JOB_COLUMNS                                                                                   \
  "id, kind, order_id, step, state, attempts, max_attempts, run_at, lease_until, owner, payload, last_error," \
  " created_at, updated_at"

ReconciliationRecord ReconciliationRow(const Row& x) {
  return {x.Text(0), x.Int(1), x.Int(2), x.Text(3), x.Text(4)};
}

Job JobRow(Row r) {
  return {r.Text(0),  r.Text(1),  r.Text(2), r.Text(3), r.Text(4),  static_cast<int>(r.Int(5)), static_cast<int>(r.Int(6)),
          r.Int(7),   r.Int(8),   r.Text(9), r.Text(10), r.Text(11), r.Int(12), r.Int(13)};
}

#define ORDO_QUERY(var, sql, params, what)    \
  auto var##_r = Query(sql, params, what);    \
  if (!var##_r) return var##_r.take_error(); \
  const PgResult& var = *var##_r

#define ORDO_DEFER(sql, params, what) \
  if (auto _s = Defer(sql, params, what); !_s) return _s

// The writer's rows between batches (store/row_cache.h): checked against
// catalogue_epoch at commit, see there.
class PostgresStore;
RowCache& WriterCache(PostgresStore& store);
// Whether some node wants to hear of commits (PgFeed::Want); true until known.
bool PeersListen(const PostgresStore& store);
// Whether commits flush in a second transaction (postgres_store.h, pipelined sync).
bool PipelinedSync(const PostgresStore& store);

// A read view (a pooled connection, each statement its own snapshot) or the
// write transaction (the writer connection, one transaction).
class Session final : public WriteTx {
 public:
  Session(PostgresStore* store, std::unique_ptr<PgConn> conn, bool writer)
      : store_(store), conn_(std::move(conn)), writer_(writer) {}
  ~Session() override;

  Status Begin() {
    ORDO_DEFER("BEGIN ISOLATION LEVEL READ COMMITTED", Params(), "begin");
    return Ok();
  }

  Result<std::optional<Product>> GetProduct(const std::string& sku) override {
    ORDO_QUERY(r, "SELECT sku, name, price_minor, currency, hs_code, attributes, updated_at FROM products"
                  " WHERE sku = $1",
               Params().S(sku), "get product");
    if (Rows(r) == 0) return std::optional<Product>();
    return std::optional<Product>(ProductRow({r.get(), 0}));
  }

  Result<std::vector<Product>> GetProducts(const std::vector<std::string>& skus) override {
    std::vector<Product> out;
    if (skus.empty()) return out;
    ORDO_QUERY(r, kProductsBySkus,
               Params().TA(skus), "get products");
    for (int i = 0; i < Rows(r); ++i) out.push_back(ProductRow({r.get(), i}));
    return out;
  }

  Result<Paged<Product>> ListProducts(const Page& page) override {
    int limit = ClampPageLimit(page.limit);
    ORDO_QUERY(r, "SELECT sku, name, price_minor, currency, hs_code, attributes, updated_at FROM products"
                  " WHERE sku > $1 ORDER BY sku LIMIT $2",
               Params().S(page.cursor).I(limit + 1), "list products");
    Paged<Product> out;
    for (int i = 0; i < Rows(r); ++i) out.items.push_back(ProductRow({r.get(), i}));
    FinishPage(out, limit, [](const Product& p) { return p.sku; });
    return out;
  }

  Result<std::optional<Location>> GetLocation(const std::string& id) override {
    ORDO_QUERY(r, "SELECT id, name, kind, lat, lng, active, updated_at FROM locations WHERE id = $1",
               Params().S(id), "get location");
    if (Rows(r) == 0) return std::optional<Location>();
    return std::optional<Location>(LocationRow({r.get(), 0}));
  }

  Result<std::vector<Location>> ListLocations() override {
    ORDO_QUERY(r, "SELECT id, name, kind, lat, lng, active, updated_at FROM locations ORDER BY id", Params(),
               "list locations");
    std::vector<Location> out;
    for (int i = 0; i < Rows(r); ++i) out.push_back(LocationRow({r.get(), i}));
    return out;
  }

  Result<std::optional<StockLevel>> GetStock(const std::string& location_id, const std::string& sku) override {
    ORDO_QUERY(r, "SELECT sku, location_id, on_hand, reserved, version FROM stock WHERE sku = $1 AND location_id = $2",
               Params().S(sku).S(location_id), "get stock");
    if (Rows(r) == 0) return std::optional<StockLevel>();
    return std::optional<StockLevel>(StockRow({r.get(), 0}));
  }

  // In the write transaction the rows are locked FOR UPDATE, in (sku,
  // location_id) order whatever the order of `skus`: the global lock order of
  // every node, so two batches never wait on each other in a cycle. The lock
  // is taken after the sort (PostgreSQL's LockRows runs above the Sort).
  Result<std::vector<StockLevel>> GetStockForSkus(const std::vector<std::string>& skus) override {
    std::vector<StockLevel> out;
    if (skus.empty()) return out;
    ORDO_QUERY(r, writer_ ? kStockBySkusLocked : kStockBySkus, Params().TA(skus), "stock of skus");
    for (int i = 0; i < Rows(r); ++i) out.push_back(StockRow({r.get(), i}));
    return out;
  }

  // The three reads of a batch in one round trip: products and locations,
  // then the stock rows locked FOR UPDATE (last, so the locks are held for
  // the shortest time).
  Result<BatchRows> LoadForBatch(const std::vector<std::string>& skus, bool optimistic) override {
    if (!writer_ || skus.empty()) return WriteTx::LoadForBatch(skus, optimistic);
    if (failed_) return *failed_;
    unlocked_rows_ |= optimistic;
    RowCache& cache = WriterCache(*store_);
    if (optimistic) {
      std::int64_t epoch = 0;
      if (auto rows = cache.Rows(skus, &epoch)) {
        cached_epoch_ = epoch;
        rows->cached = true;
        return std::move(*rows);
      }
    }
    std::vector<PgResult> kept;
    Status s = conn_->Queue("SELECT n FROM catalogue_epoch", Params(), "catalogue epoch", true);
    if (s) s = conn_->Queue(kProductsBySkus, Params().TA(skus), "get products", true);
    if (s) s = conn_->Queue("SELECT id, name, kind, lat, lng, active, updated_at FROM locations ORDER BY id", Params(),
                            "list locations", true);
    if (s) s = conn_->Queue(optimistic ? kStockBySkus : kStockBySkusLocked, Params().TA(skus), "stock of skus", true);
    if (s) s = conn_->Queue("SELECT name, version, body, updated_at FROM config WHERE name IN ('workflow', 'webhooks')",
                            Params(), "batch configuration", true);
    if (s = conn_->SyncKept(std::move(s), kept, 5); !s) {
      failed_ = s.error();
      return s.take_error();
    }
    BatchRows out;
    for (int i = 0; i < Rows(kept[1]); ++i) out.products.push_back(ProductRow({kept[1].get(), i}));
    for (int i = 0; i < Rows(kept[2]); ++i) out.locations.push_back(LocationRow({kept[2].get(), i}));
    for (int i = 0; i < Rows(kept[3]); ++i) out.stock.push_back(StockRow({kept[3].get(), i}));
    for (int i = 0; i < Rows(kept[4]); ++i) {
      Row x{kept[4].get(), i};
      out.configs.push_back({x.Text(0), x.Int(1), x.Text(2), x.Int(3)});
    }
    if (Rows(kept[0]) == 1) cache.Fill(Row{kept[0].get(), 0}.Int(0), out, skus);
    return out;
  }

  Result<std::vector<StockLevel>> QueryStock(const std::string& sku, const std::string& location_id) override {
    ORDO_QUERY(r, "SELECT sku, location_id, on_hand, reserved, version FROM stock"
                  " WHERE ($1 = '' OR sku = $1) AND ($2 = '' OR location_id = $2)"
                  " ORDER BY sku, location_id LIMIT 10000",
               Params().S(sku).S(location_id), "query stock");
    std::vector<StockLevel> out;
    for (int i = 0; i < Rows(r); ++i) out.push_back(StockRow({r.get(), i}));
    return out;
  }

  Result<std::optional<Order>> GetOrder(const std::string& id) override {
    ORDO_QUERY(r, "SELECT id, external_id, channel, customer_id, currency, status, total_minor, created_at,"
                  " updated_at, expires_at, version, body FROM orders WHERE id = $1",
               Params().S(id), "get order");
    if (Rows(r) == 0) return std::optional<Order>();
    auto o = OrderRow({r.get(), 0});
    if (!o) return o.take_error();
    return std::optional<Order>(std::move(*o));
  }

  Result<OpenHolds> CountOpenHolds(const std::string& customer_id, Timestamp now) override {
    ORDO_QUERY(r, "SELECT count(DISTINCT r.order_id), coalesce(sum(r.quantity), 0)"
                  " FROM orders o JOIN reservations r ON r.order_id = o.id"
                  " WHERE o.customer_id = $1 AND r.state = 'pending' AND r.expires_at > $2 AND r.expires_at < $3",
               Params().S(customer_id).I(now).I(domain::kHeldUntil), "count open holds");
    Row row{r.get(), 0};
    return OpenHolds{row.Int(0), row.Int(1)};
  }

  Result<Paged<Order>> ListOrders(const OrderFilter& f) override {
    int limit = ClampPageLimit(f.page.limit);
    auto q = BuildOrderList(f, Dialect::kPostgres, TextArray(f.location_ids));
    Params params;
    for (const auto& p : q.params) params.S(p);
    ORDO_QUERY(r, q.sql, params.I(limit + 1), "list orders");
    Paged<Order> out;
    for (int i = 0; i < Rows(r); ++i) {
      auto o = OrderRow({r.get(), i});
      if (!o) return o.take_error();
      out.items.push_back(std::move(*o));
    }
    FinishPage(out, limit, [](const Order& o) { return o.id; });
    return out;
  }

  Result<std::vector<Reservation>> ListReservations(const std::string& order_id, const std::string& state) override {
    auto r = order_id.empty()
                 ? Query("SELECT id, order_id, location_id, sku, quantity, state, created_at, expires_at, resolved_at"
                         " FROM reservations WHERE state = $1 ORDER BY id LIMIT 1000",
                         Params().S(state.empty() ? std::string("pending") : state), "list reservations")
                 : Query("SELECT id, order_id, location_id, sku, quantity, state, created_at, expires_at, resolved_at"
                         " FROM reservations WHERE order_id = $1 AND ($2 = '' OR state = $2) ORDER BY id",
                         Params().S(order_id).S(state), "list reservations");
    if (!r) return r.take_error();
    std::vector<Reservation> out;
    for (int i = 0; i < Rows(*r); ++i) out.push_back(ReservationRow({r->get(), i}));
    return out;
  }

  Result<std::vector<StoredEvent>> OrderEvents(const std::string& order_id) override {
    ORDO_QUERY(r, "SELECT seq, type, order_id, data, time, correlation_id, causation_id FROM events"
                  " WHERE order_id = $1 AND order_id <> '' ORDER BY seq",
               Params().S(order_id), "order events");
    std::vector<StoredEvent> out;
    for (int i = 0; i < Rows(r); ++i) out.push_back(EventRow({r.get(), i}));
    return out;
  }

  Result<std::vector<StoredEvent>> EventsAfter(std::int64_t seq, int limit) override {
    ORDO_QUERY(r, "SELECT seq, type, order_id, data, time, correlation_id, causation_id FROM events"
                  " WHERE seq > $1 ORDER BY seq LIMIT $2",
               Params().I(seq).I(ClampPageLimit(limit)), "events after");
    std::vector<StoredEvent> out;
    for (int i = 0; i < Rows(r); ++i) out.push_back(EventRow({r.get(), i}));
    return out;
  }

  Result<std::int64_t> LastEventSeq() override {
    ORDO_QUERY(r, "SELECT COALESCE(MAX(seq), 0) FROM events", Params(), "last event");
    return Row{r.get(), 0}.Int(0);
  }

  Result<std::optional<IdempotencyRecord>> GetIdempotency(const std::string& principal,
                                                          const std::string& key) override {
    ORDO_QUERY(r, "SELECT principal, key, request_hash, status, body, created_at FROM idempotency"
                  " WHERE principal = $1 AND key = $2",
               Params().S(principal).S(key), "get idempotency");
    if (Rows(r) == 0) return std::optional<IdempotencyRecord>();
    Row x{r.get(), 0};
    return std::optional<IdempotencyRecord>(
        IdempotencyRecord{x.Text(0), x.Text(1), x.Text(2), static_cast<int>(x.Int(3)), x.Text(4), x.Int(5)});
  }

  Result<std::optional<std::string>> GetExternalRef(const std::string& scope, const std::string& ref) override {
    ORDO_QUERY(r, "SELECT order_id FROM external_refs WHERE scope = $1 AND ref = $2", Params().S(scope).S(ref),
               "get external ref");
    if (Rows(r) == 0) return std::optional<std::string>();
    return std::optional<std::string>(Row{r.get(), 0}.Text(0));
  }

  Result<std::vector<std::string>> OrdersWithExpiredReservations(Timestamp now, int limit) override {
    ORDO_QUERY(r, "SELECT order_id FROM reservations WHERE state = 'pending' AND expires_at <= $1"
                  " GROUP BY order_id ORDER BY min(expires_at), order_id LIMIT $2",
               Params().I(now).I(limit), "expired reservations");
    std::vector<std::string> out;
    for (int i = 0; i < Rows(r); ++i) out.push_back(Row{r.get(), i}.Text(0));
    return out;
  }

  // SKIP LOCKED: an order another node's batch holds is left to that node.
  // The lock is taken on the sorted rows (LockRows runs above the Sort).
  Result<std::vector<std::string>> ClaimExpiredOrders(Timestamp now, int limit) override {
    if (!writer_) return OrdersWithExpiredReservations(now, limit);
    ORDO_QUERY(r, "SELECT o.id FROM orders o WHERE o.id IN (SELECT order_id FROM reservations"
                  " WHERE state = 'pending' AND expires_at <= $1) ORDER BY o.id LIMIT $2 FOR UPDATE OF o SKIP LOCKED",
               Params().I(now).I(limit), "claim expired orders");
    std::vector<std::string> out;
    for (int i = 0; i < Rows(r); ++i) out.push_back(Row{r.get(), i}.Text(0));
    return out;
  }

  Status LockOrders(const std::vector<std::string>& ids) override {
    if (ids.empty()) return Ok();
    auto r = Query("SELECT id FROM orders WHERE id = ANY ($1::text[]) ORDER BY id FOR UPDATE",
                   Params().TA(ids), "lock orders");
    if (!r) return r.take_error();
    return Ok();
  }

  // Transaction-scoped advisory locks on a 64-bit hash of each key, taken in
  // ascending order. A hash collision only makes two requests wait on each other.
  Status LockIdempotencyKeys(const std::vector<std::pair<std::string, std::string>>& keys) override {
    if (keys.empty()) return Ok();
    std::string array = "{";
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (i) array += ',';
      array += std::to_string(AdvisoryKey("ordo.idempotency", keys[i].first, keys[i].second));
    }
    array += '}';
    auto r = Query("SELECT count(pg_advisory_xact_lock(k)) FROM"
                   " (SELECT k FROM unnest($1::bigint[]) AS u (k) ORDER BY k) AS sorted",
                   Params().S(std::move(array)), "lock idempotency keys");
    if (!r) return r.take_error();
    return Ok();
  }

  Result<Counts> Count() override {
    ORDO_QUERY(r, "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM events),"
                  " (SELECT count(*) FROM reservations WHERE state = 'pending')",
               Params(), "count");
    Row x{r.get(), 0};
    return Counts{x.Int(0), x.Int(1), x.Int(2)};
  }

  Result<std::vector<Violation>> CheckInvariants() override;
  Result<std::vector<Violation>> CheckStock() override;
  Result<std::vector<Violation>> RunChecks(std::span<const InvariantCheck> checks);

  // ---- writes ----
  Status PutProduct(const Product& p) override {
    cache_changes_.spoilt = true;
    ORDO_DEFER("INSERT INTO products (sku, name, price_minor, currency, hs_code, attributes, updated_at)"
               " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name,"
               " price_minor = EXCLUDED.price_minor, currency = EXCLUDED.currency, hs_code = EXCLUDED.hs_code,"
               " attributes = EXCLUDED.attributes, updated_at = EXCLUDED.updated_at",
               Params().S(p.sku).S(p.name).I(p.price.minor).S(p.price.currency).S(p.hs_code).S(p.attributes)
                   .I(p.updated_at),
               "put product");
    return Ok();
  }

  Status PutLocation(const Location& l) override {
    cache_changes_.spoilt = true;
    ORDO_DEFER("INSERT INTO locations (id, name, kind, lat, lng, active, updated_at)"
               " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,"
               " kind = EXCLUDED.kind, lat = EXCLUDED.lat, lng = EXCLUDED.lng, active = EXCLUDED.active,"
               " updated_at = EXCLUDED.updated_at",
               Params().S(l.id).S(l.name).S(domain::ToString(l.kind)).D(l.lat).D(l.lng).B(l.active).I(l.updated_at),
               "put location");
    return Ok();
  }

  Status PutStock(const StockLevel& level, Timestamp now) override {
    cache_changes_.spoilt = true;
    ORDO_DEFER("INSERT INTO stock (sku, location_id, on_hand, reserved, version, updated_at)"
               " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sku, location_id) DO UPDATE SET"
               " on_hand = EXCLUDED.on_hand, reserved = EXCLUDED.reserved, version = EXCLUDED.version,"
               " updated_at = EXCLUDED.updated_at",
               Params().S(level.sku).S(level.location_id).I(level.on_hand).I(level.reserved).I(level.version).I(now),
               "put stock");
    return Ok();
  }

  // Queued; a row another node created first makes the division by zero
  // abort the transaction, reported as kConflict (see PgError).
  Status CreateStockRow(const StockLevel& level, Timestamp now) override {
    cache_changes_.spoilt = true;
    ORDO_DEFER("WITH i AS (INSERT INTO stock (sku, location_id, on_hand, reserved, version, updated_at)"
               " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sku, location_id) DO NOTHING RETURNING 1)"
               " SELECT 1 / (SELECT count(*) FROM i)::int",
               Params().S(level.sku).S(level.location_id).I(level.on_hand).I(level.reserved).I(level.version).I(now),
               kCreateStockRow);
    return Ok();
  }

  // Relative, so it is right whatever another node committed since the row
  // was read (the row is locked by GetStockForSkus in the engine's batches).
  // The guard refuses a change that would break 0 <= reserved <= on_hand
  // without raising an error (the CHECK stays as the last line of defence).
  Status ApplyStockDelta(const domain::StockDelta& d, std::int64_t changes, Timestamp now) override {
    cache_changes_.spoilt = true;
    ORDO_QUERY(r, "UPDATE stock SET on_hand = on_hand + $1, reserved = reserved + $2, version = version + $3,"
                  " updated_at = $4 WHERE sku = $5 AND location_id = $6"
                  " AND reserved + $2 >= 0 AND reserved + $2 <= on_hand + $1",
               Params().I(d.on_hand).I(d.reserved).I(changes).I(now).S(d.sku).S(d.location_id), "apply stock delta");
    if (Affected(r) != 1)
      return Error::Internal("stock change refused for " + d.location_id + "/" + d.sku +
                             ": no such row, or it would break 0 <= reserved <= on_hand");
    return Ok();
  }

  // Two statements for the whole batch, queued with the other writes: no
  // round trip while the rows are locked. The first locks the rows in the
  // global (sku, location_id) order when they were read without a lock (see
  // LoadForBatch); it is left out when every row was locked as it was read. The second applies the changes with the same guard as
  // ApplyStockDelta; when a row is missing or refused, the count differs and
  // the division by zero aborts the transaction (SQLSTATE 22012), which
  // Commit reports as kConflict: the engine runs the batch again, locked.
  Status ApplyStockDeltas(const std::vector<StockChange>& changes, Timestamp now) override {
    if (changes.empty()) return Ok();
    cache_changes_.applied.insert(cache_changes_.applied.end(), changes.begin(), changes.end());
    std::vector<std::string> skus, locations;
    std::vector<std::int64_t> on_hand, reserved, counts;
    for (const auto& c : changes) {
      skus.push_back(c.delta.sku);
      locations.push_back(c.delta.location_id);
      on_hand.push_back(c.delta.on_hand);
      reserved.push_back(c.delta.reserved);
      counts.push_back(c.changes);
    }
    // Rows read without a lock are locked here in one global order, so that two
    // nodes never deadlock; a single row (a flash sale) needs no order, and
    // the UPDATE locks it.
    if (unlocked_rows_ && changes.size() > 1) {
      ORDO_DEFER("SELECT 1 FROM stock s WHERE (s.sku, s.location_id) IN (SELECT unnest($1::text[]), unnest($2::text[]))"
                 " ORDER BY s.sku, s.location_id FOR UPDATE OF s",
                 Params().TA(skus).TA(locations), "lock stock rows");
    }
    ORDO_DEFER("WITH u AS (UPDATE stock s SET on_hand = s.on_hand + d.on_hand, reserved = s.reserved + d.reserved,"
               " version = s.version + d.changes, updated_at = $6"
               " FROM (SELECT unnest($1::text[]) AS sku, unnest($2::text[]) AS location_id, unnest($3::bigint[]) AS on_hand,"
               " unnest($4::bigint[]) AS reserved, unnest($5::bigint[]) AS changes) AS d"
               " WHERE s.sku = d.sku AND s.location_id = d.location_id"
               " AND s.reserved + d.reserved >= 0 AND s.reserved + d.reserved <= s.on_hand + d.on_hand RETURNING 1)"
               " SELECT 1 / (CASE WHEN (SELECT count(*) FROM u) = $7 THEN 1 ELSE 0 END)",
               Params().TA(skus).TA(locations).IA(on_hand).IA(reserved)
                   .IA(counts).I(now).I(static_cast<std::int64_t>(changes.size())),
               kApplyStockDeltas);
    return Ok();
  }

  // Orders and reservations wait in the session and go as one multi-row
  // INSERT each (FlushRows), before the next statement of the transaction and
  // at Commit: a batch of orders costs two statements, not two per order.
  Status InsertOrder(const Order& o) override {
    if (failed_) return *failed_;
    orders_.push_back(o);
    return Ok();
  }

  Status UpdateOrder(const Order& o) override {
    ORDO_DEFER("UPDATE orders SET status = $1, updated_at = $2, version = $3, body = $4, wms_state = $6 WHERE id = $5",
               Params().S(o.status).I(o.updated_at).I(o.version).S(EncodeOrderBody(o)).S(o.id).S(o.wms.state),
               "update order");
    return Ok();
  }

  Status InsertReservation(const Reservation& r) override {
    if (failed_) return *failed_;
    reservations_.push_back(r);
    return Ok();
  }

  Status UpdateReservation(const Reservation& r) override {
    // Only a pending row may move: the WHERE clause is the exactly-once guard.
    ORDO_QUERY(x, "UPDATE reservations SET state = $1, resolved_at = $2, expires_at = $3 WHERE id = $4"
                  " AND state = 'pending'",
               Params().S(domain::ToString(r.state)).I(r.resolved_at).I(r.expires_at).S(r.id), "update reservation");
    if (Affected(x) != 1) return Error::Internal("reservation " + r.id + " was not pending");
    return Ok();
  }

  // Events are kept until Commit and numbered there: the counter row
  // (event_seq) is advanced by the number of events, which locks it until
  // this transaction ends, so writers on every node number their events one
  // transaction after another, gap-free; a rollback gives the numbers back.
  // Taking the lock last, in the same pipeline as COMMIT, holds it for the
  // shortest time. The caller's event.seq stays 0.
  Status AppendEvent(StoredEvent& e) override {
    if (failed_) return *failed_;
    events_.push_back(e);
    e.seq = 0;
    return Ok();
  }

  Status PutIdempotency(const IdempotencyRecord& rec) override {
    ORDO_QUERY(r, "INSERT INTO idempotency (principal, key, request_hash, status, body, created_at)"
                  " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (principal, key) DO NOTHING",
               Params().S(rec.principal).S(rec.key).S(rec.request_hash).I(rec.status).S(rec.body).I(rec.created_at),
               "put idempotency");
    if (Affected(r) != 1)
      return Error{Code::kAlreadyExists, "idempotency-key-exists", "an idempotency record exists for this key", "", {}};
    return Ok();
  }

  Status InsertExternalRef(const std::string& scope, const std::string& ref, const std::string& order_id,
                           Timestamp now) override {
    ORDO_QUERY(r, "INSERT INTO external_refs (scope, ref, order_id, created_at) VALUES ($1, $2, $3, $4)"
                  " ON CONFLICT (scope, ref) DO NOTHING",
               Params().S(scope).S(ref).S(order_id).I(now), "insert external ref");
    if (Affected(r) != 1)
      return Error{Code::kAlreadyExists, "external-ref-exists", "this identifier is recorded already", "", {}};
    return Ok();
  }

  Result<std::int64_t> PruneIdempotency(Timestamp before) override {
    ORDO_QUERY(r, "DELETE FROM idempotency WHERE created_at < $1", Params().I(before), "prune idempotency");
    return Affected(r);
  }

  // ---- jobs and configuration ----

  Result<std::optional<Job>> GetJob(const std::string& id) override {
    ORDO_QUERY(r, "SELECT " ORDO_JOB_COLUMNS " FROM jobs WHERE id = $1", Params().S(id), "get job");
    if (Rows(r) == 0) return std::optional<Job>();
    return std::optional<Job>(JobRow({r.get(), 0}));
  }

  Result<Paged<Job>> ListJobs(const JobFilter& f) override {
    int limit = ClampPageLimit(f.page.limit);
    // Only the filters that are set become conditions, so that a state can use
    // jobs_state under any plan: the writer, which runs this inside batches,
    // keeps generic plans (PgConn::Connect), and a generic plan of
    // `($1 = '' OR state = $1)` would read the whole table in id order.
    std::string sql = "SELECT " ORDO_JOB_COLUMNS " FROM jobs WHERE true";
    Params params;
    auto where = [&](const char* condition, const std::string& value) {
      if (value.empty()) return;
      params.S(value);
      std::string n = "$" + std::to_string(params.size());
      for (const char* c = condition; *c; ++c)
        if (*c == '?') sql += n;
        else sql += *c;
    };
    where(" AND state = ?", f.state);
    where(" AND kind = ?", f.kind);
    where(" AND order_id = ?", f.order_id);
    where(" AND id < ?", f.page.cursor);
    where(" AND left(step, length(?)) = ?", f.step_prefix);
    params.I(limit + 1);
    sql += " ORDER BY id DESC LIMIT $" + std::to_string(params.size());
    ORDO_QUERY(r, InternSql(std::move(sql)), params, "list jobs");
    Paged<Job> out;
    for (int i = 0; i < Rows(r); ++i) out.items.push_back(JobRow({r.get(), i}));
    FinishPage(out, limit, [](const Job& j) { return j.id; });
    return out;
  }

  Result<std::vector<JobAttempt>> JobAttempts(const std::string& job_id) override {
    ORDO_QUERY(r, "SELECT job_id, attempt, started_at, finished_at, outcome, http_status, error FROM job_attempts"
                  " WHERE job_id = $1 ORDER BY attempt, finished_at",
               Params().S(job_id), "job attempts");
    std::vector<JobAttempt> out;
    for (int i = 0; i < Rows(r); ++i) {
      Row x{r.get(), i};
      out.push_back({x.Text(0), static_cast<int>(x.Int(1)), x.Int(2), x.Int(3), x.Text(4), static_cast<int>(x.Int(5)),
                     x.Text(6)});
    }
    return out;
  }

  Result<std::vector<Job>> OverdueJobs(Timestamp due_before, int limit) override {
    ORDO_QUERY(r, "SELECT " ORDO_JOB_COLUMNS " FROM jobs j WHERE ((state = 'queued' AND run_at < $1)"
                  " OR (state = 'running' AND lease_until < $1)) AND NOT EXISTS (SELECT 1 FROM job_attempts a"
                  " WHERE a.job_id = j.id AND a.attempt = j.attempts AND a.outcome = 'stuck') ORDER BY run_at, id LIMIT $2",
               Params().I(due_before).I(limit), "overdue jobs");
    std::vector<Job> out;
    for (int i = 0; i < Rows(r); ++i) out.push_back(JobRow({r.get(), i}));
    return out;
  }

  Result<std::vector<JobCount>> CountJobs() override {
    ORDO_QUERY(r, "SELECT kind, state, count(*) FROM jobs GROUP BY kind, state ORDER BY kind, state", Params(),
               "count jobs");
    std::vector<JobCount> out;
    for (int i = 0; i < Rows(r); ++i) {
      Row x{r.get(), i};
      out.push_back({x.Text(0), x.Text(1), x.Int(2)});
    }
    return out;
  }

  Result<Paged<ReconciliationRecord>> ListReconciliations(const Page& page) override {
    int limit = ClampPageLimit(page.limit);
    ORDO_QUERY(r, "SELECT id, started_at, finished_at, summary, body FROM reconciliations"
                  " WHERE ($1 = '' OR id < $1) ORDER BY id DESC LIMIT $2",
               Params().S(page.cursor).I(limit + 1), "list reconciliations");
    Paged<ReconciliationRecord> out;
    for (int i = 0; i < Rows(r); ++i) out.items.push_back(ReconciliationRow({r.get(), i}));
    FinishPage(out, limit, [](const ReconciliationRecord& x) { return x.id; });
    return out;
  }

  Result<std::optional<ReconciliationRecord>> GetReconciliation(const std::string& id) override {
    ORDO_QUERY(r, "SELECT id, started_at, finished_at, summary, body FROM reconciliations WHERE id = $1",
               Params().S(id), "get reconciliation");
    if (Rows(r) == 0) return std::optional<ReconciliationRecord>();
    return std::optional<ReconciliationRecord>(ReconciliationRow({r.get(), 0}));
  }

  Result<std::optional<ConfigDoc>> GetConfig(const std::string& name) override {
    ORDO_QUERY(r, "SELECT name, version, body, updated_at FROM config WHERE name = $1", Params().S(name), "get config");
    if (Rows(r) == 0) return std::optional<ConfigDoc>();
    Row x{r.get(), 0};
    return std::optional<ConfigDoc>(ConfigDoc{x.Text(0), x.Int(1), x.Text(2), x.Int(3)});
  }

  Status InsertJob(const Job& j) override {
    ORDO_QUERY(r, "INSERT INTO jobs (" ORDO_JOB_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
                  " $13, $14) ON CONFLICT (order_id, step) DO NOTHING",
               Params().S(j.id).S(j.kind).S(j.order_id).S(j.step).S(j.state).I(j.attempts).I(j.max_attempts)
                   .I(j.run_at).I(j.lease_until).S(j.owner).S(j.payload).S(j.last_error).I(j.created_at)
                   .I(j.updated_at),
               "insert job");
    if (Affected(r) != 1) return Error{Code::kAlreadyExists, "job-exists", "a job for this order and step exists", "", {}};
    return Ok();
  }

  Status UpdateJob(const Job& j) override {
    ORDO_QUERY(r, "UPDATE jobs SET state = $1, attempts = $2, max_attempts = $3, run_at = $4, lease_until = $5,"
                  " owner = $6, payload = $7, last_error = $8, updated_at = $9 WHERE id = $10",
               Params().S(j.state).I(j.attempts).I(j.max_attempts).I(j.run_at).I(j.lease_until).S(j.owner)
                   .S(j.payload).S(j.last_error).I(j.updated_at).S(j.id),
               "update job");
    if (Affected(r) != 1) return Error::NotFound("no job " + j.id);
    return Ok();
  }

  Status InsertJobAttempt(const JobAttempt& a) override {
    ORDO_DEFER("INSERT INTO job_attempts (job_id, attempt, started_at, finished_at, outcome, http_status, error)"
               " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (job_id, attempt, finished_at) DO UPDATE"
               " SET outcome = excluded.outcome, http_status = excluded.http_status, error = excluded.error",
               Params().S(a.job_id).I(a.attempt).I(a.started_at).I(a.finished_at).S(a.outcome).I(a.http_status)
                   .S(a.error),
               "insert job attempt");
    return Ok();
  }

  // SKIP LOCKED: a job another node's transaction holds is left to it; the
  // runners of every node share the queue and none claims a job twice.
  Result<std::vector<Job>> ClaimJobs(const std::vector<std::string>& kinds, int limit, Timestamp now,
                                     Timestamp lease_until, const std::string& owner) override {
    std::vector<Job> out;
    if (kinds.empty() || limit <= 0) return out;
    ORDO_QUERY(r, "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = $3, owner = $4,"
                  " updated_at = $2 WHERE id IN (SELECT id FROM jobs WHERE ((state = 'queued' AND run_at <= $2)"
                  " OR (state = 'running' AND lease_until <= $2)) AND kind = ANY ($1::text[])"
                  " ORDER BY run_at, id LIMIT $5 FOR UPDATE SKIP LOCKED) RETURNING " ORDO_JOB_COLUMNS,
               Params().TA(kinds).I(now).I(lease_until).S(owner).I(limit), "claim jobs");
    for (int i = 0; i < Rows(r); ++i) out.push_back(JobRow({r.get(), i}));
    std::sort(out.begin(), out.end(),
              [](const Job& a, const Job& b) { return std::tie(a.run_at, a.id) < std::tie(b.run_at, b.id); });
    return out;
  }

  Status InsertReconciliation(const ReconciliationRecord& x) override {
    ORDO_DEFER("INSERT INTO reconciliations (id, started_at, finished_at, summary, body) VALUES ($1, $2, $3, $4, $5)",
               Params().S(x.id).I(x.started_at).I(x.finished_at).S(x.summary).S(x.body), "insert reconciliation");
    return Ok();
  }

  Status ResetForDemo() override {
    cache_changes_.spoilt = true;
    for (const char* sql : kDemoReset)
      if (auto r = Query(sql, Params(), "reset for the demo"); !r) return r.take_error();
    return Ok();
  }

  Status PutConfig(const ConfigDoc& d) override {
    cache_changes_.spoilt = true;
    ORDO_QUERY(r, "INSERT INTO config (name, version, body, updated_at) VALUES ($1, $2, $3, $4)"
                  " ON CONFLICT (name) DO UPDATE SET version = excluded.version, body = excluded.body,"
                  " updated_at = excluded.updated_at WHERE config.version = excluded.version - 1",
               Params().S(d.name).I(d.version).S(d.body).I(d.updated_at), "put config");
    if (Affected(r) != 1)
      return Error::Conflict("version-conflict", "the " + d.name + " was changed meanwhile; reload and try again");
    return Ok();
  }

  // The cache keeps what this transaction did to it only once it commits;
  // after any failure (a COMMIT in doubt included) it starts again empty.
  Status Commit() override {
    if (!writer_ || done_) return Error::Internal("commit without a write transaction");
    done_ = true;  // one attempt: a failed COMMIT ends the transaction too
    Status s = CommitWrites();
    WriterCache(*store_).AfterCommit(s.ok(), cache_changes_);
    return s;
  }

 private:
  Status CommitWrites() {
    if (failed_) return *failed_;
    if (auto f = FlushRows(); !f) return f;
    if (!events_.empty()) {
      if (auto s = FlushEvents(); !s) return s;
      // Wakes the live streams of every node once this commits (NOTIFY is
      // transactional), when any node wants that (PgFeed::Want). Each NOTIFY
      // wakes every listening backend and node; without them two nodes place
      // 8-14 % more orders.
      if (PeersListen(*store_)) ORDO_DEFER("SELECT pg_notify(" ORDO_PG_CHANNEL_SQL ", '')", Params(), "notify");
    }
    // Last before COMMIT: the catalogue this batch decided on from the cache
    // is still the current one (a change commits with a new count).
    if (cached_epoch_)
      ORDO_DEFER("SELECT 1 / (SELECT count(*) FROM catalogue_epoch WHERE n = $1)::int", Params().I(*cached_epoch_),
                 kCheckCatalogue);
    if (!PipelinedSync(*store_)) {
      ORDO_QUERY(r, "COMMIT", Params(), "commit");
      // COMMIT of a transaction that failed earlier answers ROLLBACK, not an error.
      if (std::strcmp(PQcmdStatus(r.get()), "COMMIT") != 0) return Error::Internal("postgres: commit rolled back");
      return Ok();
    }
    // Pipelined sync: the COMMIT does not wait for the WAL flush, so the rows
    // it locked (the event counter, hot stock rows) are free for the other
    // nodes at once. The statement after it, in the same round trip, is a
    // transaction of its own that writes a WAL record (kFlushWal), so its
    // synchronous commit flushes the WAL up to itself, past the batch's
    // commit. Only then does Commit return, and the batch's replies leave.
    ORDO_DEFER("SET LOCAL synchronous_commit = off", Params(), "commit without waiting for the flush");
    std::vector<PgResult> kept;
    Status s = conn_->Queue("COMMIT", Params(), "commit", true);
    if (s) s = conn_->Queue(kFlushWal, Params(), "flush the commit", true);
    if (s = conn_->SyncKept(std::move(s), kept, 2); !s) {
      failed_ = s.error();
      return s;
    }
    if (std::strcmp(PQcmdStatus(kept[0].get()), "COMMIT") != 0) return Error::Internal("postgres: commit rolled back");
    return Ok();
  }

  // Sends the statement with everything queued before it and waits.
  Result<PgResult> Query(const char* sql, const Params& params, const char* what);
  // Queues a write of the transaction; a failure shows at the next Query or Commit.
  Status Defer(const char* sql, const Params& params, const char* what) {
    if (failed_) return *failed_;
    if (auto f = FlushRows(); !f) return f;
    auto s = conn_->Queue(sql, params, what);
    if (s && conn_->queued() >= kMaxQueued) s = conn_->Sync();
    if (!s) failed_ = s.error();
    return s;
  }

  // Sends the waiting orders and reservations (see InsertOrder).
  //
  // Arrays are expanded with unnest() in the select list (a ProjectSet node,
  // one row at a time), never in FROM: a function in FROM materialises into a
  // tuplestore, one per array, and freeing a dozen of them at the end of each
  // statement made glibc return memory to the kernel (brk) and take it back at
  // the next one. On this VM each such shrink cost a TLB shootdown across the
  // cores: 5 % of all CPU under load (perf), and the PostgreSQL benchmark gained
  // about a fifth without it (docs/DESIGN.md).
  Status FlushRows() {
    if (orders_.empty() && reservations_.empty()) return Ok();
    std::vector<Order> orders;
    std::vector<Reservation> reservations;
    orders.swap(orders_);
    reservations.swap(reservations_);
    if (!orders.empty()) {
      std::vector<std::string> id, ext, channel, customer, currency, status, body, wms;
      std::vector<std::int64_t> total, created, updated, expires, version;
      for (const Order& o : orders) {
        id.push_back(o.id);
        ext.push_back(o.external_id);
        channel.push_back(o.channel);
        customer.push_back(o.customer_id);
        currency.push_back(o.currency);
        status.push_back(o.status);
        body.push_back(EncodeOrderBody(o));
        total.push_back(o.total_minor);
        created.push_back(o.created_at);
        updated.push_back(o.updated_at);
        expires.push_back(o.reservation_expires_at);
        version.push_back(o.version);
        wms.push_back(o.wms.state);
      }
      ORDO_DEFER("INSERT INTO orders (id, external_id, channel, customer_id, currency, status, total_minor,"
                 " created_at, updated_at, expires_at, version, body, wms_state)"
                 " SELECT unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]),"
                 " unnest($5::text[]), unnest($6::text[]), unnest($7::bigint[]), unnest($8::bigint[]),"
                 " unnest($9::bigint[]), unnest($10::bigint[]), unnest($11::bigint[]), unnest($12::text[])::json,"
                 " unnest($13::text[])",
                 Params().TA(id).TA(ext).TA(channel).TA(customer)
                     .TA(currency).TA(status).IA(total).IA(created)
                     .IA(updated).IA(expires).IA(version).TA(body)
                     .TA(wms),
                 "insert orders");
    }
    if (!reservations.empty()) {
      std::vector<std::string> id, order, location, sku, state;
      std::vector<std::int64_t> quantity, created, expires, resolved;
      for (const Reservation& r : reservations) {
        id.push_back(r.id);
        order.push_back(r.order_id);
        location.push_back(r.location_id);
        sku.push_back(r.sku);
        state.push_back(domain::ToString(r.state));
        quantity.push_back(r.quantity);
        created.push_back(r.created_at);
        expires.push_back(r.expires_at);
        resolved.push_back(r.resolved_at);
      }
      ORDO_DEFER("INSERT INTO reservations (id, order_id, location_id, sku, quantity, state, created_at,"
                 " expires_at, resolved_at)"
                 " SELECT unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]),"
                 " unnest($5::bigint[]), unnest($6::text[]), unnest($7::bigint[]), unnest($8::bigint[]),"
                 " unnest($9::bigint[])",
                 Params().TA(id).TA(order).TA(location).TA(sku)
                     .IA(quantity).TA(state).IA(created).IA(expires)
                     .IA(resolved),
                 "insert reservations");
    }
    return Ok();
  }

  // Numbers and inserts the events of the transaction in one statement: the
  // UPDATE of the counter (which locks it), then the INSERT that numbers the
  // rows from its new value. It runs while the stock rows are locked, so one
  // statement less there is a shorter wait for the other nodes.
  Status FlushEvents() {
    std::vector<std::string> types, orders, data, correlations, causations;
    std::vector<std::int64_t> times;
    for (const StoredEvent& e : events_) {
      types.push_back(e.type);
      orders.push_back(e.order_id);
      data.push_back(e.data);
      correlations.push_back(e.correlation_id);
      causations.push_back(e.causation_id);
      times.push_back(e.time);
    }
    auto n = static_cast<std::int64_t>(events_.size());
    events_.clear();
    ORDO_DEFER("WITH n AS (UPDATE event_seq SET last = last + $1 WHERE id = 1 RETURNING last)"
               " INSERT INTO events (seq, type, order_id, data, time, correlation_id, causation_id)"
               " SELECT n.last - $1 + generate_series(1, $1::bigint),"
               " unnest($2::text[]), unnest($3::text[]), unnest($4::text[]), unnest($5::bigint[]), unnest($6::text[]),"
               " unnest($7::text[]) FROM n",
               Params().I(n).TA(types).TA(orders).TA(data).IA(times)
                   .TA(correlations).TA(causations),
               "append events");
    return Ok();
  }

  PostgresStore* store_;
  std::unique_ptr<PgConn> conn_;
  bool writer_;
  bool done_ = false;
  std::optional<Error> failed_;  // the transaction's first error; PostgreSQL has aborted it
  std::vector<StoredEvent> events_;  // appended, numbered and written at Commit
  bool unlocked_rows_ = false;       // stock rows were read without FOR UPDATE (optimistic)
  std::optional<std::int64_t> cached_epoch_;      // LoadForBatch answered from the cache, at this count
  RowCache::Changes cache_changes_;               // for the node's RowCache, once committed
  std::vector<Order> orders_;              // waiting for FlushRows
  std::vector<Reservation> reservations_;  // waiting for FlushRows
};

// LISTENs on its own connection (outside pipeline mode) for the NOTIFY that
// every writer's commit sends.
class PgFeed final : public ChangeFeed {
 public:
  PgFeed(std::unique_ptr<PgConn> conn, std::shared_ptr<std::atomic<bool>> peers_listen)
      : conn_(std::move(conn)), peers_listen_(std::move(peers_listen)) {}
  ~PgFeed() override { peers_listen_->store(true); }  // unknown again: writers notify

  void Want(bool wanted) override {
    if (wanted != advertised_) {
      auto r = conn_->ExecQuery(wanted ? "SELECT set_config('application_name', " ORDO_PG_LISTENER_SQL ", false)"
                                       : "SELECT set_config('application_name', 'ordo', false)",
                                "advertise listener");
      if (r) advertised_ = wanted;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - checked_ < kCheckEvery) return;
    checked_ = now;
    auto r = conn_->ExecQuery("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = "
                              ORDO_PG_LISTENER_SQL ")", "find listeners");
    peers_listen_->store(!r || Rows(*r) != 1 || Row{r->get(), 0}.Text(0) == "t");
  }

  Result<bool> Wait(std::chrono::milliseconds timeout) override {
    PGconn* c = conn_->raw();
    bool any = Drain(c);
    if (any) return true;
    pollfd pfd{PQsocket(c), POLLIN, 0};
    if (pfd.fd < 0) return Error::Unavailable("postgres: the listen connection is closed");
    int n = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (n < 0) return errno == EINTR ? Result<bool>(false) : Error::Unavailable("postgres: poll failed");
    if (n == 0) return false;
    if (PQconsumeInput(c) != 1 || PQstatus(c) != CONNECTION_OK)
      return Error::Unavailable("postgres: the listen connection was lost: " + FirstLine(PQerrorMessage(c)));
    return Drain(c);
  }

 private:
  static bool Drain(PGconn* c) {
    bool any = false;
    while (PGnotify* n = PQnotifies(c)) {
      any = true;
      PQfreemem(n);
    }
    return any;
  }
  static constexpr std::chrono::milliseconds kCheckEvery{1000};
  std::unique_ptr<PgConn> conn_;
  std::shared_ptr<std::atomic<bool>> peers_listen_;
  bool advertised_ = false;
  std::chrono::steady_clock::time_point checked_{};
};

std::string DescribeConninfo(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &err);
  if (!options) {
    if (err) PQfreemem(err);
    return "postgres";
  }
  std::string host, port, dbname;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val) continue;
    std::string_view k = o->keyword;
    if (k == "host" || (k == "hostaddr" && host.empty())) host = o->val;
    else if (k == "port") port = o->val;
    else if (k == "dbname") dbname = o->val;
  }
  PQconninfoFree(options);
  return "postgres://" + (host.empty() ? std::string("localhost") : host) + (port.empty() ? "" : ":" + port) + "/" +
         dbname;
}

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(PostgresOptions options) : options_(std::move(options)) {}
  bool pipelined_sync() const { return options_.pipelined_sync; }

  Status Open() {
    auto w = PgConn::Connect(options_.conninfo, true, true);
    if (!w) return w.take_error();
    writer_ = std::move(*w);
    return Ok();
  }

  // One transaction on a connection of its own, under an advisory lock: two
  // nodes that start at once apply the steps once, the second one waits and
  // then finds them done. DDL is transactional, so a failed step leaves nothing.
  Result<int> Migrate() override {
    std::lock_guard lock(writer_mu_);
    auto c = PgConn::Connect(options_.conninfo, false);
    if (!c) return c.take_error();
    PgConn& m = **c;
    if (auto s = m.Exec("BEGIN; SELECT pg_advisory_xact_lock(hashtext('ordo.migrate/' || COALESCE(current_schema(), '')));"
                        " CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY,"
                        " applied_at BIGINT NOT NULL)",
                        "migrate: lock");
        !s)
      return s.take_error();
    auto q = m.ExecQuery("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", "migrate: version");
    if (!q) return q.take_error();
    int current = static_cast<int>(Row{q->get(), 0}.Int(0));
    for (const auto& step : postgres::kMigrations) {
      if (step.version <= current) continue;
      if (auto s = m.Exec(step.sql, "migrate: step"); !s) return s.take_error();
      std::string record = "INSERT INTO schema_migrations VALUES (" + std::to_string(step.version) +
                           ", (extract(epoch FROM clock_timestamp()) * 1000)::bigint)";
      if (auto s = m.Exec(record.c_str(), "migrate: record"); !s) return s.take_error();
      current = step.version;
    }
    if (auto s = m.Exec("COMMIT", "migrate: commit"); !s) return s.take_error();
    return current;
  }

  Result<std::unique_ptr<WriteTx>> BeginWrite() override {
    writer_mu_.lock();  // released by the session's destructor (Return)
    if (!writer_) {     // lost earlier: reconnect
      auto c = PgConn::Connect(options_.conninfo, true, true);
      if (!c) {
        writer_mu_.unlock();
        return c.take_error();
      }
      writer_ = std::move(*c);
    }
    auto session = std::make_unique<Session>(this, std::move(writer_), true);
    if (auto s = session->Begin(); !s) {
      session.reset();
      return s.take_error();
    }
    return std::unique_ptr<WriteTx>(std::move(session));
  }

  Result<std::unique_ptr<ReadView>> Read() override {
    auto conn = Pooled();
    if (!conn) return conn.take_error();
    return std::unique_ptr<ReadView>(std::make_unique<Session>(this, std::move(*conn), false));
  }

  std::string Describe() const override { return DescribeConninfo(options_.conninfo); }

  std::unique_ptr<ChangeFeed> Listen() override {
    auto c = PgConn::Connect(options_.conninfo, false);
    if (!c) return nullptr;
    // LISTEN takes an identifier, not an expression: build it here.
    auto channel = (*c)->ExecQuery("SELECT quote_ident(" ORDO_PG_CHANNEL_SQL ")", "listen channel");
    if (!channel || Rows(*channel) != 1) return nullptr;
    std::string listen = "LISTEN " + Row{channel->get(), 0}.Text(0);
    if (!(*c)->Exec(listen.c_str(), "listen")) return nullptr;
    return std::make_unique<PgFeed>(std::move(*c), peers_listen_);
  }

  Result<std::unique_ptr<PgConn>> Fresh() { return PgConn::Connect(options_.conninfo, true); }

  void Return(std::unique_ptr<PgConn> conn, bool writer) {
    if (conn && !conn->broken() && !conn->idle()) (void)conn->Run("ROLLBACK", Params(), "rollback");
    if (conn && (conn->broken() || !conn->idle())) conn.reset();  // never reuse a connection in doubt
    if (writer) {
      writer_ = std::move(conn);
      writer_mu_.unlock();
      return;
    }
    if (!conn) return;
    std::lock_guard lock(pool_mu_);
    if (static_cast<int>(pool_.size()) < options_.read_pool_max_idle) pool_.push_back(std::move(conn));
  }

 private:
  Result<std::unique_ptr<PgConn>> Pooled() {
    {
      std::lock_guard lock(pool_mu_);
      while (!pool_.empty()) {
        auto conn = std::move(pool_.back());
        pool_.pop_back();
        if (!conn->broken()) return conn;
      }
    }
    return Fresh();
  }

  PostgresOptions options_;
  std::mutex writer_mu_;
  std::unique_ptr<PgConn> writer_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<PgConn>> pool_;
  // Written by this node's change feed (PgFeed::Want), read at every commit.
  std::shared_ptr<std::atomic<bool>> peers_listen_ = std::make_shared<std::atomic<bool>>(true);

  // The writer's (RowCache): used under writer_mu_, by the session that holds it.
  RowCache cache_;

  friend bool PeersListen(const PostgresStore& store);
  friend RowCache& WriterCache(PostgresStore& store);
};

RowCache& WriterCache(PostgresStore& store) { return store.cache_; }

bool PeersListen(const PostgresStore& store) { return store.peers_listen_->load(std::memory_order_relaxed); }
bool PipelinedSync(const PostgresStore& store) { return store.pipelined_sync(); }

Session::~Session() { store_->Return(std::move(conn_), writer_); }

Result<PgResult> Session::Query(const char* sql, const Params& params, const char* what) {
  if (failed_) return *failed_;
  if (auto f = FlushRows(); !f) return f.take_error();
  bool flushed = !writer_ && PipelinedSync(*store_);
  auto r = flushed ? conn_->RunFlushed(sql, params, what) : conn_->Run(sql, params, what);
  if (r) return r;
  if (writer_) {
    failed_ = r.error();  // PostgreSQL has aborted the transaction
    return r;
  }
  // A read on a pooled connection the server has dropped (a restart, a
  // failover, an idle timeout) is repeated once on a fresh connection: a read
  // changes nothing, so repeating it is safe.
  if (!conn_->broken()) return r;
  auto fresh = store_->Fresh();
  if (!fresh) return r;
  conn_ = std::move(*fresh);
  return flushed ? conn_->RunFlushed(sql, params, what) : conn_->Run(sql, params, what);
}

Result<std::vector<Violation>> Session::CheckInvariants() {
  static constexpr InvariantCheck kChecks[] = {
      kStockWithinBounds,
      kReservedIsPendingSum,
      {kReservationsMatchLinesName,
       ORDO_RESERVATIONS_MATCH_LINES("l AS (SELECT o.id AS order_id, j.value ->> 'sku' AS sku,"
                                     " (j.value ->> 'quantity')::bigint AS q FROM orders o"
                                     " CROSS JOIN LATERAL json_array_elements(o.body -> 'lines') AS j (value))")},
      kClosedOrdersHoldNothing,
      // With several writers the counter must also agree with the log: a
      // counter ahead of the log would make the next event leave a gap.
      {kEventsGapFreeName,
       ORDO_EVENTS_GAP_FREE_SQL
       " UNION ALL SELECT 'event_seq.last=' || q.last || ' but the last event is ' || COALESCE(e.max, 0)"
       " FROM event_seq q, (SELECT MAX(seq) AS max FROM events) e WHERE q.last <> COALESCE(e.max, 0)"},
  };
  return RunChecks(kChecks);
}

Result<std::vector<Violation>> Session::CheckStock() {
  static constexpr InvariantCheck kChecks[] = {kStockWithinBounds, kReservedIsPendingSum};
  return RunChecks(kChecks);
}

Result<std::vector<Violation>> Session::RunChecks(std::span<const InvariantCheck> checks) {
  std::vector<Violation> out;
  for (const InvariantCheck& c : checks) {
    ORDO_QUERY(r, c.sql, Params(), c.name);
    for (int i = 0; i < Rows(r) && i < 100; ++i) out.push_back({c.name, Row{r.get(), i}.Text(0)});
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgres(const PostgresOptions& options) {
  auto store = std::make_unique<PostgresStore>(options);
  if (auto s = store->Open(); !s) return s.take_error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace ordo::store
