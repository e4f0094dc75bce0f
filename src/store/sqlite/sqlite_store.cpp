#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <span>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "base/thread_name.h"
#include "domain/order/lifecycle.h"
#include "store/codec.h"
#include "store/invariants.h"
#include "store/order_list.h"
#include "store/row_cache.h"
#include "store/sqlite/migrations.h"

namespace ordo::store {
namespace {

using domain::Location;
using domain::Order;
using domain::Product;
using domain::Reservation;
using domain::StockLevel;

// SQLite errors become values here; messages stay in logs, never in responses.
Error SqlError(sqlite3* db, const char* what) {
  int code = sqlite3_errcode(db);
  std::string msg = std::string(what) + ": " + sqlite3_errmsg(db);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return Error::Unavailable(msg);
  return Error::Internal(msg);
}

// The pipelined sync (sqlite_store.h). The writer counts each commit as it
// begins and as it ends; a sync thread makes every ended commit durable with
// one fdatasync of the WAL, then runs the callbacks waiting for them. There
// are `threads` of them, so a commit that ends while a sync is under way gets
// a sync of its own at once instead of waiting for that one to finish first
// (on average half a sync sooner). One fdatasync makes durable everything
// written before it began, so whichever sync finishes makes every commit up to
// its target durable, even one an earlier, slower sync is still working on;
// the callbacks run one thread at a time, in the order of their commits. SQLite
// publishes a commit to readers without the sync (the writer's WAL file skips
// it, see walbuf), so a read waits, once it holds its snapshot, until every
// commit begun by then is durable: one sync at most, and none while no commit
// is in flight. If the sync fails, what the disk holds is unknown while
// readers and the next batches have seen the commit: the process stops (as
// PostgreSQL does), and recovery finds what is durable.
class Durability {
 public:
  Durability(std::string wal_path, std::function<void()> before_sync, int threads)
      : wal_path_(std::move(wal_path)), before_sync_(std::move(before_sync)) {
    for (int i = 0; i < std::max(1, threads); ++i)
      threads_.emplace_back([this] {
        NameThisThread("ordo-sync");
        Run();
      });
  }
  ~Durability() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    work_.notify_all();
    for (std::thread& t : threads_) t.join();  // they sync what is left and run every callback first
    if (fd_ >= 0) ::close(fd_);
  }

  // The writer, around each COMMIT (and any other write it makes).
  void Begin() { begun_.fetch_add(1, std::memory_order_seq_cst); }
  void End() {
    ended_.fetch_add(1, std::memory_order_seq_cst);
    { std::lock_guard lock(mu_); }
    work_.notify_one();
  }

  void After(std::function<void()> then) {
    std::uint64_t ticket = ended_.load();
    {
      std::lock_guard lock(mu_);
      if (durable_.load() < ticket || !waiting_.empty()) {
        waiting_.emplace_back(ticket, std::move(then));
        work_.notify_one();
        return;
      }
    }
    then();
  }

  // Returns once everything the writer has written so far is durable.
  void SyncNow() {
    Begin();
    End();
    Await();
  }

  // Returns once every commit begun before the call is durable.
  void Await() {
    std::uint64_t begun = begun_.load(std::memory_order_seq_cst);
    if (durable_.load() >= begun) return;
    std::unique_lock lock(mu_);
    durable_cv_.wait(lock, [&] { return durable_.load() >= begun; });
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (true) {
      work_.wait(lock, [&] { return Unclaimed() || (Ready() && !calling_) || (stop_ && Drained()); });
      if (Unclaimed()) {
        std::uint64_t target = ended_.load();
        claimed_ = target;
        lock.unlock();
        if (before_sync_) before_sync_();
        Sync();
        lock.lock();
        if (target > durable_.load()) {
          durable_.store(target);
          durable_cv_.notify_all();
        }
        work_.notify_all();  // callbacks may be ready, or a stopping thread drained
      }
      if (!calling_ && Ready()) {
        calling_ = true;
        while (Ready()) {
          std::vector<std::function<void()>> ready = TakeReady();
          lock.unlock();
          for (auto& f : ready) f();
          lock.lock();
        }
        calling_ = false;
        work_.notify_all();
      }
      if (stop_ && Drained()) return;
    }
  }
  // Commits have ended that no sync under way or done covers.
  bool Unclaimed() const { return ended_.load() > std::max(durable_.load(), claimed_); }
  // Every commit is durable and every callback has run.
  bool Drained() const { return ended_.load() <= durable_.load() && waiting_.empty() && !calling_; }
  bool Ready() const { return !waiting_.empty() && waiting_.front().first <= durable_.load(); }
  // The callbacks whose commits are durable, in commit order (under mu_).
  std::vector<std::function<void()>> TakeReady() {
    std::vector<std::function<void()>> ready;
    for (; Ready(); waiting_.pop_front()) ready.push_back(std::move(waiting_.front().second));
    return ready;
  }

  // fsync works on the file, whichever descriptor names it: this one is the
  // store's own, opened once the WAL exists (it lives as long as the store's
  // connections do).
  void Sync() {
    std::call_once(opened_, [this] { fd_ = ::open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC); });
    if (fd_ >= 0 && ::fdatasync(fd_) == 0) return;
    std::fprintf(stderr, "ordo: fatal: cannot sync %s: %s\n", wal_path_.c_str(), std::strerror(errno));
    std::abort();
  }

  const std::string wal_path_;
  const std::function<void()> before_sync_;
  std::atomic<std::uint64_t> begun_{0};
  std::atomic<std::uint64_t> ended_{0};
  std::mutex mu_;
  std::condition_variable work_;
  std::condition_variable durable_cv_;
  std::atomic<std::uint64_t> durable_{0};  // every commit up to here is synced; stored under mu_
  std::deque<std::pair<std::uint64_t, std::function<void()>>> waiting_;
  std::uint64_t claimed_ = 0;  // the highest target a sync has been started for
  bool calling_ = false;       // a thread is running callbacks
  bool stop_ = false;
  std::once_flag opened_;
  int fd_ = -1;
  std::vector<std::thread> threads_;
};

class Stmt {
 public:
  // A statement of a read connection waits for `durability` at its first row.
  explicit Stmt(sqlite3_stmt* s, Durability* durability = nullptr) : s_(s), durability_(durability) {}
  Stmt(Stmt&& o) noexcept : s_(o.s_), durability_(o.durability_), i_(o.i_), rc_(o.rc_) { o.s_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() {
    if (!s_) return;
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  // A named string outlives the statement's use of it (the Stmt resets and
  // clears its bindings when it goes out of scope), so SQLite need not copy
  // it. A temporary is copied.
  Stmt& Bind(const std::string& v) {
    sqlite3_bind_text(s_, ++i_, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& Bind(std::string&& v) {
    sqlite3_bind_text(s_, ++i_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(const char* v) {
    sqlite3_bind_text(s_, ++i_, v, -1, SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(std::int64_t v) {
    sqlite3_bind_int64(s_, ++i_, v);
    return *this;
  }
  Stmt& Bind(int v) { return Bind(static_cast<std::int64_t>(v)); }
  Stmt& Bind(double v) {
    sqlite3_bind_double(s_, ++i_, v);
    return *this;
  }
  // SQLITE_ROW → true, SQLITE_DONE → false, error → rc stored.
  bool Step() {
    rc_ = sqlite3_step(s_);
    if (durability_) {  // the snapshot is taken: wait for what it may hold
      durability_->Await();
      durability_ = nullptr;
    }
    return rc_ == SQLITE_ROW;
  }
  bool failed() const { return rc_ != SQLITE_ROW && rc_ != SQLITE_DONE; }
  std::string Text(int c) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, c))) : std::string();
  }
  std::int64_t Int(int c) const { return sqlite3_column_int64(s_, c); }
  double Real(int c) const { return sqlite3_column_double(s_, c); }

 private:
  sqlite3_stmt* s_;
  Durability* durability_;
  int i_ = 0;
  int rc_ = SQLITE_OK;
};


// ---------------------------------------------------------------------------
// A VFS shim that coalesces the writer's WAL appends. SQLite writes every WAL
// frame with two pwrite calls (header, page); a batch commits tens of frames,
// and on a virtual machine each syscall is expensive. The shim buffers
// contiguous writes to the WAL file and hands them to the OS in one write at
// the next sync, read, truncate, size query or close: SQLite syncs the WAL
// before it publishes a commit in the WAL index, so no other connection can
// look for a frame that is still in the buffer. Everything else is passed
// through to the default (unix) VFS untouched.
namespace walbuf {

// The unix VFS writes at most 128 KiB in one call (it masks larger sizes), so
// the buffer is flushed before it grows past that.
constexpr std::size_t kMaxBuffer = 120 << 10;

struct File {
  sqlite3_file base;    // must be first: SQLite sees this
  sqlite3_file* real;   // the default VFS's file, stored right after this struct
  std::string* buffer;  // pending bytes
  sqlite3_int64 offset; // file offset of buffer[0]
  bool defer_sync;      // the writer's WAL under pipelined sync: xSync only writes
};

sqlite3_vfs* Default() {
  static sqlite3_vfs* v = sqlite3_vfs_find(nullptr);
  return v;
}

int Flush(File* f) {
  if (f->buffer->empty()) return SQLITE_OK;
  int rc = f->real->pMethods->xWrite(f->real, f->buffer->data(), static_cast<int>(f->buffer->size()), f->offset);
  f->buffer->clear();
  return rc;
}

#define ORDO_FLUSHED(call)                          \
  do {                                              \
    File* f = reinterpret_cast<File*>(file);        \
    if (int rc = Flush(f); rc != SQLITE_OK) return rc; \
    return f->real->pMethods->call;                 \
  } while (0)

int Close(sqlite3_file* file) {
  File* f = reinterpret_cast<File*>(file);
  int flushed = Flush(f);
  int rc = f->real->pMethods->xClose(f->real);
  delete f->buffer;
  return flushed != SQLITE_OK ? flushed : rc;
}
int Read(sqlite3_file* file, void* out, int n, sqlite3_int64 off) { ORDO_FLUSHED(xRead(f->real, out, n, off)); }
int Write(sqlite3_file* file, const void* data, int n, sqlite3_int64 off) {
  File* f = reinterpret_cast<File*>(file);
  std::string& b = *f->buffer;
  if (!b.empty() && off == f->offset + static_cast<sqlite3_int64>(b.size()) && b.size() + static_cast<std::size_t>(n) <= kMaxBuffer) {
    b.append(static_cast<const char*>(data), static_cast<std::size_t>(n));
    return SQLITE_OK;
  }
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  f->offset = off;
  b.assign(static_cast<const char*>(data), static_cast<std::size_t>(n));
  return SQLITE_OK;
}
int Truncate(sqlite3_file* file, sqlite3_int64 size) { ORDO_FLUSHED(xTruncate(f->real, size)); }
// Under pipelined sync the writer's WAL is written here but synced by the
// store's sync thread (Durability), which no reader outruns.
int Sync(sqlite3_file* file, int flags) {
  File* f = reinterpret_cast<File*>(file);
  if (f->defer_sync) return Flush(f);
  ORDO_FLUSHED(xSync(f->real, flags));
}
int FileSize(sqlite3_file* file, sqlite3_int64* size) { ORDO_FLUSHED(xFileSize(f->real, size)); }
int Lock(sqlite3_file* file, int level) { ORDO_FLUSHED(xLock(f->real, level)); }
int Unlock(sqlite3_file* file, int level) { ORDO_FLUSHED(xUnlock(f->real, level)); }
int CheckReservedLock(sqlite3_file* file, int* out) { ORDO_FLUSHED(xCheckReservedLock(f->real, out)); }
int FileControl(sqlite3_file* file, int op, void* arg) { ORDO_FLUSHED(xFileControl(f->real, op, arg)); }
int SectorSize(sqlite3_file* file) {
  File* f = reinterpret_cast<File*>(file);
  return f->real->pMethods->xSectorSize(f->real);
}
int DeviceCharacteristics(sqlite3_file* file) {
  File* f = reinterpret_cast<File*>(file);
  return f->real->pMethods->xDeviceCharacteristics(f->real);
}

// The WAL file has no shared memory or memory map of its own (the database
// file has); these are never called on it.
const sqlite3_io_methods kMethods = {
    1, Close, Read, Write, Truncate, Sync, FileSize, Lock, Unlock, CheckReservedLock,
    FileControl, SectorSize, DeviceCharacteristics, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
#undef ORDO_FLUSHED

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* real_vfs = Default();
  if (!(flags & SQLITE_OPEN_WAL)) return real_vfs->xOpen(real_vfs, name, file, flags, out_flags);
  File* f = reinterpret_cast<File*>(file);
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + sizeof(File));
  int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    f->base.pMethods = nullptr;
    return rc;
  }
  f->buffer = new std::string();
  f->buffer->reserve(256 << 10);
  f->offset = 0;
  f->defer_sync = vfs->pAppData != nullptr;
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char* n, int s) { return Default()->xDelete(Default(), n, s); }
int Access(sqlite3_vfs*, const char* n, int f, int* o) { return Default()->xAccess(Default(), n, f, o); }
int FullPathname(sqlite3_vfs*, const char* n, int sz, char* o) { return Default()->xFullPathname(Default(), n, sz, o); }
void* DlOpen(sqlite3_vfs*, const char* n) { return Default()->xDlOpen(Default(), n); }
void DlError(sqlite3_vfs*, int n, char* m) { Default()->xDlError(Default(), n, m); }
void (*DlSym(sqlite3_vfs*, void* h, const char* s))(void) { return Default()->xDlSym(Default(), h, s); }
void DlClose(sqlite3_vfs*, void* h) { Default()->xDlClose(Default(), h); }
int Randomness(sqlite3_vfs*, int n, char* o) { return Default()->xRandomness(Default(), n, o); }
int Sleep(sqlite3_vfs*, int us) { return Default()->xSleep(Default(), us); }
int CurrentTime(sqlite3_vfs*, double* t) { return Default()->xCurrentTime(Default(), t); }
int GetLastError(sqlite3_vfs*, int n, char* m) { return Default()->xGetLastError(Default(), n, m); }
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* t) { return Default()->xCurrentTimeInt64(Default(), t); }

// "ordo-walbuf", and "ordo-walbuf-deferred" for the writer under pipelined sync.
const char* Name(bool defer_sync) {
  static std::once_flag once;
  static sqlite3_vfs vfs, deferred;
  static int tag;
  std::call_once(once, [] {
    sqlite3_vfs* real = Default();
    vfs = {2, static_cast<int>(sizeof(File)) + real->szOsFile + 16, real->mxPathname, nullptr, "ordo-walbuf", nullptr,
           Open, Delete, Access, FullPathname, DlOpen, DlError, DlSym, DlClose, Randomness, Sleep, CurrentTime,
           GetLastError, CurrentTimeInt64, nullptr, nullptr, nullptr};
    deferred = vfs;
    deferred.zName = "ordo-walbuf-deferred";
    deferred.pAppData = &tag;
    sqlite3_vfs_register(&vfs, 0);
    sqlite3_vfs_register(&deferred, 0);
  });
  return defer_sync ? deferred.zName : vfs.zName;
}

}  // namespace walbuf

class Conn {
 public:
  ~Conn() {
    for (auto& [sql, s] : cache_) sqlite3_finalize(s);
    sqlite3_close(db_);
  }
  // A writer (the sequencer's, or the checkpointer) or a reader. `durability`:
  // the writer's under pipelined sync (its WAL is not synced at commit), or a
  // reader's (its statements wait at their first row); nullptr otherwise.
  static Result<std::unique_ptr<Conn>> Open(const std::string& path, bool writer, Durability* durability = nullptr) {
    auto c = std::make_unique<Conn>();
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
    if (!writer) c->durability_ = durability;
    if (sqlite3_open_v2(path.c_str(), &c->db_, flags, writer ? walbuf::Name(durability != nullptr) : nullptr) !=
        SQLITE_OK)
      return Error::Unavailable("cannot open " + path + ": " + sqlite3_errmsg(c->db_));
    sqlite3_busy_timeout(c->db_, 10'000);
    // The writer never checkpoints: a background thread does (Checkpointer),
    // so commits do not stall behind copying the WAL into the database.
    const char* pragmas = writer ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                                   " PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864;"
                                 : "PRAGMA synchronous=FULL; PRAGMA query_only=ON; PRAGMA cache_size=-16384;";
    if (auto s = c->Exec(pragmas); !s) return s.take_error();
    return c;
  }
  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown";
      sqlite3_free(err);
      return Error::Internal(std::string("sqlite: ") + msg);
    }
    return Ok();
  }
  // Prepared once per connection, reused (the SQL text pointer is the key).
  Result<Stmt> Prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return Stmt(it->second, durability_);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
      return SqlError(db_, "prepare");
    cache_.emplace(sql, s);
    return Stmt(s, durability_);
  }
  sqlite3* db() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  Durability* durability_ = nullptr;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};


#define ORDO_PREPARE(var, sql)              \
  auto var##_r = conn_->Prepare(sql);       \
  if (!var##_r) return var##_r.take_error(); \
  Stmt& var = var##_r.value()

#define ORDO_EXEC(stmt, what) \
  stmt.Step();                \
  if (stmt.failed()) return SqlError(conn_->db(), what)

Product ProductRow(const Stmt& s) {
  return {s.Text(0), s.Text(1), {s.Int(2), s.Text(3)}, s.Text(4), s.Text(5), s.Int(6)};
}
constexpr const char* kProductCols = "sku, name, price_minor, currency, hs_code, attributes, updated_at";

Location LocationRow(const Stmt& s) {
  Location l{s.Text(0), s.Text(1), domain::LocationKind::kWarehouse, s.Real(3), s.Real(4), s.Int(5) != 0, s.Int(6)};
  domain::ParseLocationKind(s.Text(2), &l.kind);
  return l;
}

StockLevel StockRow(const Stmt& s) { return {s.Text(1), s.Text(0), s.Int(2), s.Int(3), s.Int(4)}; }

Reservation ReservationRow(const Stmt& s) {
  Reservation r{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), domain::ReservationState::kPending,
                s.Int(6), s.Int(7), s.Int(8)};
  domain::ParseReservationState(s.Text(5), &r.state);
  return r;
}

StoredEvent EventRow(const Stmt& s) {
  return {s.Int(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Text(5), s.Text(6)};
}

// The columns JobRow reads, in its order.
#define ORDO_JOB_COLUMNS                                                                                 \
  "id, kind, order_id, step, state, attempts, max_attempts, run_at, lease_until, owner, payload, last_error," \
  " created_at, updated_at"

Job JobRow(const Stmt& s) {
  return {s.Text(0), s.Text(1),  s.Text(2), s.Text(3),  s.Text(4),  static_cast<int>(s.Int(5)), static_cast<int>(s.Int(6)),
          s.Int(7),  s.Int(8),   s.Text(9), s.Text(10), s.Text(11), s.Int(12), s.Int(13)};
}

class SqliteStore;

// A read view (pooled read connection) or the write transaction (writer connection).
class Session final : public WriteTx {
 public:
  Session(SqliteStore* store, std::unique_ptr<Conn> conn, bool writer)
      : store_(store), conn_(std::move(conn)), writer_(writer) {}
  ~Session() override;

  Result<std::optional<Product>> GetProduct(const std::string& sku) override {
    ORDO_PREPARE(s, "SELECT sku, name, price_minor, currency, hs_code, attributes, updated_at FROM products WHERE sku = ?");
    s.Bind(sku);
    if (s.Step()) return std::optional<Product>(ProductRow(s));
    if (s.failed()) return SqlError(conn_->db(), "get product");
    return std::optional<Product>();
  }

  Result<std::vector<Product>> GetProducts(const std::vector<std::string>& skus) override {
    std::vector<Product> out;
    for (const auto& sku : skus) {
      auto p = GetProduct(sku);
      if (!p) return p.take_error();
      if (*p) out.push_back(std::move(**p));
    }
    return out;
  }

  Result<Paged<Product>> ListProducts(const Page& page) override {
    ORDO_PREPARE(s, "SELECT sku, name, price_minor, currency, hs_code, attributes, updated_at FROM products"
                    " WHERE sku > ? ORDER BY sku LIMIT ?");
    int limit = ClampPageLimit(page.limit);
    s.Bind(page.cursor).Bind(limit + 1);
    Paged<Product> out;
    while (s.Step()) out.items.push_back(ProductRow(s));
    if (s.failed()) return SqlError(conn_->db(), "list products");
    FinishPage(out, limit, [](const Product& p) { return p.sku; });
    return out;
  }

  Result<std::optional<Location>> GetLocation(const std::string& id) override {
    ORDO_PREPARE(s, "SELECT id, name, kind, lat, lng, active, updated_at FROM locations WHERE id = ?");
    s.Bind(id);
    if (s.Step()) return std::optional<Location>(LocationRow(s));
    if (s.failed()) return SqlError(conn_->db(), "get location");
    return std::optional<Location>();
  }

  Result<std::vector<Location>> ListLocations() override {
    ORDO_PREPARE(s, "SELECT id, name, kind, lat, lng, active, updated_at FROM locations ORDER BY id");
    std::vector<Location> out;
    while (s.Step()) out.push_back(LocationRow(s));
    if (s.failed()) return SqlError(conn_->db(), "list locations");
    return out;
  }

  Result<std::optional<StockLevel>> GetStock(const std::string& location_id, const std::string& sku) override {
    ORDO_PREPARE(s, "SELECT sku, location_id, on_hand, reserved, version FROM stock WHERE sku = ? AND location_id = ?");
    s.Bind(sku).Bind(location_id);
    if (s.Step()) return std::optional<StockLevel>(StockRow(s));
    if (s.failed()) return SqlError(conn_->db(), "get stock");
    return std::optional<StockLevel>();
  }

  Result<std::vector<StockLevel>> GetStockForSkus(const std::vector<std::string>& skus) override {
    std::vector<StockLevel> out;
    for (const auto& sku : skus) {
      auto rows = StockOf(sku);
      if (!rows) return rows.take_error();
      for (auto& r : *rows) out.push_back(std::move(r));
    }
    return out;
  }

  // The writer answers from the rows it kept since the last batch (RowCache)
  // when they are all there and no other process has committed since.
  Result<BatchRows> LoadForBatch(const std::vector<std::string>& skus, bool optimistic) override;

  Result<std::vector<StockLevel>> QueryStock(const std::string& sku, const std::string& location_id) override {
    ORDO_PREPARE(s, "SELECT sku, location_id, on_hand, reserved, version FROM stock"
                    " WHERE (?1 = '' OR sku = ?1) AND (?2 = '' OR location_id = ?2) ORDER BY sku, location_id LIMIT 10000");
    s.Bind(sku).Bind(location_id);
    std::vector<StockLevel> out;
    while (s.Step()) out.push_back(StockRow(s));
    if (s.failed()) return SqlError(conn_->db(), "query stock");
    return out;
  }

  Result<std::optional<Order>> GetOrder(const std::string& id) override {
    ORDO_PREPARE(s, "SELECT id, external_id, channel, customer_id, currency, status, total_minor, created_at,"
                    " updated_at, expires_at, version, body FROM orders WHERE id = ?");
    s.Bind(id);
    if (s.Step()) {
      auto o = OrderRow(s);
      if (!o) return o.take_error();
      return std::optional<Order>(std::move(*o));
    }
    if (s.failed()) return SqlError(conn_->db(), "get order");
    return std::optional<Order>();
  }

  Result<OpenHolds> CountOpenHolds(const std::string& customer_id, Timestamp now) override {
    ORDO_PREPARE(s, "SELECT count(DISTINCT r.order_id), coalesce(sum(r.quantity), 0)"
                    " FROM orders o JOIN reservations r ON r.order_id = o.id"
                    " WHERE o.customer_id = ?1 AND r.state = 'pending' AND r.expires_at > ?2 AND r.expires_at < ?3");
    s.Bind(customer_id).Bind(now).Bind(domain::kHeldUntil);
    OpenHolds out;
    if (s.Step()) out = {s.Int(0), s.Int(1)};
    if (s.failed()) return SqlError(conn_->db(), "count open holds");
    return out;
  }

  Result<Paged<Order>> ListOrders(const OrderFilter& f) override {
    int limit = ClampPageLimit(f.page.limit);
    std::string locations = f.location_ids.empty() ? std::string() : nlohmann::json(f.location_ids).dump();
    auto q = BuildOrderList(f, Dialect::kSqlite, std::move(locations));
    ORDO_PREPARE(s, q.sql);
    for (const auto& p : q.params) s.Bind(p);
    s.Bind(limit + 1);
    Paged<Order> out;
    while (s.Step()) {
      auto o = OrderRow(s);
      if (!o) return o.take_error();
      out.items.push_back(std::move(*o));
    }
    if (s.failed()) return SqlError(conn_->db(), "list orders");
    FinishPage(out, limit, [](const Order& o) { return o.id; });
    return out;
  }

  Result<std::vector<Reservation>> ListReservations(const std::string& order_id, const std::string& state) override {
    ORDO_PREPARE(s, "SELECT id, order_id, location_id, sku, quantity, state, created_at, expires_at, resolved_at"
                    " FROM reservations WHERE order_id = ?1 AND (?2 = '' OR state = ?2) ORDER BY id");
    ORDO_PREPARE(all, "SELECT id, order_id, location_id, sku, quantity, state, created_at, expires_at, resolved_at"
                      " FROM reservations WHERE state = ?1 ORDER BY id LIMIT 1000");
    Stmt& q = order_id.empty() ? all : s;
    if (order_id.empty()) q.Bind(state.empty() ? std::string("pending") : state);
    else q.Bind(order_id).Bind(state);
    std::vector<Reservation> out;
    while (q.Step()) out.push_back(ReservationRow(q));
    if (q.failed()) return SqlError(conn_->db(), "list reservations");
    return out;
  }

  Result<std::vector<StoredEvent>> OrderEvents(const std::string& order_id) override {
    ORDO_PREPARE(s, "SELECT seq, type, order_id, data, time, correlation_id, causation_id FROM events"
                    " WHERE order_id = ? AND order_id <> '' ORDER BY seq");
    s.Bind(order_id);
    std::vector<StoredEvent> out;
    while (s.Step()) out.push_back(EventRow(s));
    if (s.failed()) return SqlError(conn_->db(), "order events");
    return out;
  }

  Result<std::vector<StoredEvent>> EventsAfter(std::int64_t seq, int limit) override {
    ORDO_PREPARE(s, "SELECT seq, type, order_id, data, time, correlation_id, causation_id FROM events"
                    " WHERE seq > ? ORDER BY seq LIMIT ?");
    s.Bind(seq).Bind(ClampPageLimit(limit));
    std::vector<StoredEvent> out;
    while (s.Step()) out.push_back(EventRow(s));
    if (s.failed()) return SqlError(conn_->db(), "events after");
    return out;
  }

  Result<std::int64_t> LastEventSeq() override {
    ORDO_PREPARE(s, "SELECT COALESCE(MAX(seq), 0) FROM events");
    if (s.Step()) return s.Int(0);
    return SqlError(conn_->db(), "last event");
  }

  Result<std::optional<IdempotencyRecord>> GetIdempotency(const std::string& principal, const std::string& key) override {
    ORDO_PREPARE(s, "SELECT principal, key, request_hash, status, body, created_at FROM idempotency"
                    " WHERE principal = ? AND key = ?");
    s.Bind(principal).Bind(key);
    if (s.Step())
      return std::optional<IdempotencyRecord>(
          IdempotencyRecord{s.Text(0), s.Text(1), s.Text(2), static_cast<int>(s.Int(3)), s.Text(4), s.Int(5)});
    if (s.failed()) return SqlError(conn_->db(), "get idempotency");
    return std::optional<IdempotencyRecord>();
  }

  Result<Paged<ReconciliationRecord>> ListReconciliations(const Page& page) override {
    ORDO_PREPARE(s, "SELECT id, started_at, finished_at, summary, body FROM reconciliations"
                    " WHERE (?1 = '' OR id < ?1) ORDER BY id DESC LIMIT ?2");
    int limit = ClampPageLimit(page.limit);
    s.Bind(page.cursor).Bind(limit + 1);
    Paged<ReconciliationRecord> out;
    while (s.Step()) out.items.push_back({s.Text(0), s.Int(1), s.Int(2), s.Text(3), s.Text(4)});
    if (s.failed()) return SqlError(conn_->db(), "list reconciliations");
    FinishPage(out, limit, [](const ReconciliationRecord& r) { return r.id; });
    return out;
  }

  Result<std::optional<ReconciliationRecord>> GetReconciliation(const std::string& id) override {
    ORDO_PREPARE(s, "SELECT id, started_at, finished_at, summary, body FROM reconciliations WHERE id = ?");
    s.Bind(id);
    if (s.Step())
      return std::optional<ReconciliationRecord>(ReconciliationRecord{s.Text(0), s.Int(1), s.Int(2), s.Text(3), s.Text(4)});
    if (s.failed()) return SqlError(conn_->db(), "get reconciliation");
    return std::optional<ReconciliationRecord>();
  }

  Result<std::optional<std::string>> GetExternalRef(const std::string& scope, const std::string& ref) override {
    ORDO_PREPARE(s, "SELECT order_id FROM external_refs WHERE scope = ? AND ref = ?");
    s.Bind(scope).Bind(ref);
    if (s.Step()) return std::optional<std::string>(s.Text(0));
    if (s.failed()) return SqlError(conn_->db(), "get external ref");
    return std::optional<std::string>();
  }

  Result<std::vector<std::string>> OrdersWithExpiredReservations(Timestamp now, int limit) override {
    ORDO_PREPARE(s, "SELECT DISTINCT order_id FROM reservations WHERE state = 'pending' AND expires_at <= ?"
                    " ORDER BY expires_at LIMIT ?");
    s.Bind(now).Bind(limit);
    std::vector<std::string> out;
    while (s.Step()) out.push_back(s.Text(0));
    if (s.failed()) return SqlError(conn_->db(), "expired reservations");
    return out;
  }

  Result<Counts> Count() override {
    ORDO_PREPARE(s, "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM events),"
                    " (SELECT count(*) FROM reservations WHERE state = 'pending')");
    Counts c;
    if (s.Step()) c = {s.Int(0), s.Int(1), s.Int(2)};
    if (s.failed()) return SqlError(conn_->db(), "count");
    return c;
  }

  Result<std::vector<Violation>> CheckInvariants() override;
  Result<std::vector<Violation>> CheckStock() override;
  Result<std::vector<Violation>> RunChecks(std::span<const InvariantCheck> checks);

  // ---- writes ----
  Status PutProduct(const Product& p) override {
    cache_changes_.spoilt = true;
    ORDO_PREPARE(s, "INSERT INTO products (sku, name, price_minor, currency, hs_code, attributes, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sku) DO UPDATE SET name = excluded.name,"
                    " price_minor = excluded.price_minor, currency = excluded.currency, hs_code = excluded.hs_code,"
                    " attributes = excluded.attributes, updated_at = excluded.updated_at");
    s.Bind(p.sku).Bind(p.name).Bind(p.price.minor).Bind(p.price.currency).Bind(p.hs_code).Bind(p.attributes).Bind(p.updated_at);
    ORDO_EXEC(s, "put product");
    return Ok();
  }

  Status PutLocation(const Location& l) override {
    cache_changes_.spoilt = true;
    ORDO_PREPARE(s, "INSERT INTO locations (id, name, kind, lat, lng, active, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, lat = excluded.lat,"
                    " lng = excluded.lng, active = excluded.active, updated_at = excluded.updated_at");
    s.Bind(l.id).Bind(l.name).Bind(domain::ToString(l.kind)).Bind(l.lat).Bind(l.lng).Bind(l.active ? 1 : 0).Bind(l.updated_at);
    ORDO_EXEC(s, "put location");
    return Ok();
  }

  Status PutStock(const StockLevel& level, Timestamp now) override {
    cache_changes_.spoilt = true;
    ORDO_PREPARE(s, "INSERT INTO stock (sku, location_id, on_hand, reserved, version, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (sku, location_id) DO UPDATE SET on_hand = excluded.on_hand,"
                    " reserved = excluded.reserved, version = excluded.version, updated_at = excluded.updated_at");
    s.Bind(level.sku).Bind(level.location_id).Bind(level.on_hand).Bind(level.reserved).Bind(level.version).Bind(now);
    ORDO_EXEC(s, "put stock");
    return Ok();
  }

  Status ApplyStockDelta(const domain::StockDelta& d, std::int64_t changes, Timestamp now) override {
    cache_changes_.applied.push_back({d, changes});
    ORDO_PREPARE(s, "UPDATE stock SET on_hand = on_hand + ?, reserved = reserved + ?, version = version + ?,"
                    " updated_at = ? WHERE sku = ? AND location_id = ?");
    s.Bind(d.on_hand).Bind(d.reserved).Bind(changes).Bind(now).Bind(d.sku).Bind(d.location_id);
    ORDO_EXEC(s, "apply stock delta");
    if (sqlite3_changes(conn_->db()) != 1) return Error::Internal("stock row missing for " + d.sku);
    return Ok();
  }

  Status InsertOrder(const Order& o) override {
    ORDO_PREPARE(s, "INSERT INTO orders (id, external_id, channel, customer_id, currency, status, total_minor,"
                    " created_at, updated_at, expires_at, version, body, wms_state)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const std::string body = EncodeOrderBody(o);
    s.Bind(o.id).Bind(o.external_id).Bind(o.channel).Bind(o.customer_id).Bind(o.currency).Bind(o.status)
        .Bind(o.total_minor).Bind(o.created_at).Bind(o.updated_at).Bind(o.reservation_expires_at).Bind(o.version)
        .Bind(body).Bind(o.wms.state);
    ORDO_EXEC(s, "insert order");
    return Ok();
  }

  Status UpdateOrder(const Order& o) override {
    ORDO_PREPARE(s, "UPDATE orders SET status = ?, updated_at = ?, version = ?, body = ?, wms_state = ? WHERE id = ?");
    const std::string body = EncodeOrderBody(o);
    s.Bind(o.status).Bind(o.updated_at).Bind(o.version).Bind(body).Bind(o.wms.state).Bind(o.id);
    ORDO_EXEC(s, "update order");
    return Ok();
  }

  Status InsertReservation(const Reservation& r) override {
    ORDO_PREPARE(s, "INSERT INTO reservations (id, order_id, location_id, sku, quantity, state, created_at,"
                    " expires_at, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.Bind(r.id).Bind(r.order_id).Bind(r.location_id).Bind(r.sku).Bind(r.quantity).Bind(domain::ToString(r.state))
        .Bind(r.created_at).Bind(r.expires_at).Bind(r.resolved_at);
    ORDO_EXEC(s, "insert reservation");
    return Ok();
  }

  Status UpdateReservation(const Reservation& r) override {
    // Only a pending row may move: the WHERE clause is the exactly-once guard.
    ORDO_PREPARE(s, "UPDATE reservations SET state = ?, resolved_at = ?, expires_at = ? WHERE id = ? AND state = 'pending'");
    s.Bind(domain::ToString(r.state)).Bind(r.resolved_at).Bind(r.expires_at).Bind(r.id);
    ORDO_EXEC(s, "update reservation");
    if (sqlite3_changes(conn_->db()) != 1) return Error::Internal("reservation " + r.id + " was not pending");
    return Ok();
  }

  Status AppendEvent(StoredEvent& e) override {
    if (next_seq_ == 0) {
      ORDO_PREPARE(m, "SELECT COALESCE(MAX(seq), 0) FROM events");
      if (!m.Step()) return SqlError(conn_->db(), "max seq");
      next_seq_ = m.Int(0) + 1;
    }
    ORDO_PREPARE(s, "INSERT INTO events (seq, type, order_id, data, time, correlation_id, causation_id)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)");
    e.seq = next_seq_;
    s.Bind(e.seq).Bind(e.type).Bind(e.order_id).Bind(e.data).Bind(e.time).Bind(e.correlation_id).Bind(e.causation_id);
    ORDO_EXEC(s, "append event");
    ++next_seq_;
    return Ok();
  }

  Status PutIdempotency(const IdempotencyRecord& r) override {
    ORDO_PREPARE(s, "INSERT INTO idempotency (principal, key, request_hash, status, body, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)");
    s.Bind(r.principal).Bind(r.key).Bind(r.request_hash).Bind(r.status).Bind(r.body).Bind(r.created_at);
    ORDO_EXEC(s, "put idempotency");
    return Ok();
  }

  Status InsertExternalRef(const std::string& scope, const std::string& ref, const std::string& order_id,
                           Timestamp now) override {
    ORDO_PREPARE(s, "INSERT INTO external_refs (scope, ref, order_id, created_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (scope, ref) DO NOTHING");
    s.Bind(scope).Bind(ref).Bind(order_id).Bind(now);
    ORDO_EXEC(s, "insert external ref");
    if (sqlite3_changes(conn_->db()) != 1)
      return Error{Code::kAlreadyExists, "external-ref-exists", "this identifier is recorded already", "", {}};
    return Ok();
  }

  Result<std::int64_t> PruneIdempotency(Timestamp before) override {
    ORDO_PREPARE(s, "DELETE FROM idempotency WHERE created_at < ?");
    s.Bind(before);
    ORDO_EXEC(s, "prune idempotency");
    return static_cast<std::int64_t>(sqlite3_changes(conn_->db()));
  }

  // ---- jobs and configuration ----

  Result<std::optional<Job>> GetJob(const std::string& id) override {
    ORDO_PREPARE(s, "SELECT " ORDO_JOB_COLUMNS " FROM jobs WHERE id = ?");
    s.Bind(id);
    if (s.Step()) return std::optional<Job>(JobRow(s));
    if (s.failed()) return SqlError(conn_->db(), "get job");
    return std::optional<Job>();
  }

  Result<Paged<Job>> ListJobs(const JobFilter& f) override {
    ORDO_PREPARE(s, "SELECT " ORDO_JOB_COLUMNS " FROM jobs"
                    " WHERE (?1 = '' OR state = ?1) AND (?2 = '' OR kind = ?2) AND (?3 = '' OR order_id = ?3)"
                    " AND (?4 = '' OR id < ?4) AND (?6 = '' OR substr(step, 1, length(?6)) = ?6)"
                    " ORDER BY id DESC LIMIT ?5");
    int limit = ClampPageLimit(f.page.limit);
    s.Bind(f.state).Bind(f.kind).Bind(f.order_id).Bind(f.page.cursor).Bind(limit + 1).Bind(f.step_prefix);
    Paged<Job> out;
    while (s.Step()) out.items.push_back(JobRow(s));
    if (s.failed()) return SqlError(conn_->db(), "list jobs");
    FinishPage(out, limit, [](const Job& j) { return j.id; });
    return out;
  }

  Result<std::vector<JobAttempt>> JobAttempts(const std::string& job_id) override {
    ORDO_PREPARE(s, "SELECT job_id, attempt, started_at, finished_at, outcome, http_status, error FROM job_attempts"
                    " WHERE job_id = ? ORDER BY attempt, finished_at");
    s.Bind(job_id);
    std::vector<JobAttempt> out;
    while (s.Step())
      out.push_back({s.Text(0), static_cast<int>(s.Int(1)), s.Int(2), s.Int(3), s.Text(4), static_cast<int>(s.Int(5)),
                     s.Text(6)});
    if (s.failed()) return SqlError(conn_->db(), "job attempts");
    return out;
  }

  Result<std::vector<Job>> OverdueJobs(Timestamp due_before, int limit) override {
    ORDO_PREPARE(s, "SELECT " ORDO_JOB_COLUMNS " FROM ("
                    " SELECT * FROM jobs WHERE state = 'queued' AND run_at < ?1"
                    " UNION ALL SELECT * FROM jobs WHERE state = 'running' AND lease_until < ?1) AS j"
                    " WHERE NOT EXISTS (SELECT 1 FROM job_attempts a WHERE a.job_id = j.id AND a.attempt = j.attempts"
                    " AND a.outcome = 'stuck') ORDER BY run_at, id LIMIT ?2");
    s.Bind(due_before).Bind(limit);
    std::vector<Job> out;
    while (s.Step()) out.push_back(JobRow(s));
    if (s.failed()) return SqlError(conn_->db(), "overdue jobs");
    return out;
  }

  Result<std::vector<JobCount>> CountJobs() override {
    ORDO_PREPARE(s, "SELECT kind, state, count(*) FROM jobs GROUP BY kind, state ORDER BY kind, state");
    std::vector<JobCount> out;
    while (s.Step()) out.push_back({s.Text(0), s.Text(1), s.Int(2)});
    if (s.failed()) return SqlError(conn_->db(), "count jobs");
    return out;
  }

  Result<std::optional<ConfigDoc>> GetConfig(const std::string& name) override {
    ORDO_PREPARE(s, "SELECT name, version, body, updated_at FROM config WHERE name = ?");
    s.Bind(name);
    if (s.Step()) return std::optional<ConfigDoc>(ConfigDoc{s.Text(0), s.Int(1), s.Text(2), s.Int(3)});
    if (s.failed()) return SqlError(conn_->db(), "get config");
    return std::optional<ConfigDoc>();
  }

  Status InsertJob(const Job& j) override {
    ORDO_PREPARE(s, "INSERT INTO jobs (" ORDO_JOB_COLUMNS ")"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_id, step) DO NOTHING");
    s.Bind(j.id).Bind(j.kind).Bind(j.order_id).Bind(j.step).Bind(j.state).Bind(j.attempts).Bind(j.max_attempts)
        .Bind(j.run_at).Bind(j.lease_until).Bind(j.owner).Bind(j.payload).Bind(j.last_error).Bind(j.created_at)
        .Bind(j.updated_at);
    ORDO_EXEC(s, "insert job");
    if (sqlite3_changes(conn_->db()) != 1)
      return Error{Code::kAlreadyExists, "job-exists", "a job for this order and step exists", "", {}};
    return Ok();
  }

  Status UpdateJob(const Job& j) override {
    ORDO_PREPARE(s, "UPDATE jobs SET state = ?, attempts = ?, max_attempts = ?, run_at = ?, lease_until = ?,"
                    " owner = ?, payload = ?, last_error = ?, updated_at = ? WHERE id = ?");
    s.Bind(j.state).Bind(j.attempts).Bind(j.max_attempts).Bind(j.run_at).Bind(j.lease_until).Bind(j.owner)
        .Bind(j.payload).Bind(j.last_error).Bind(j.updated_at).Bind(j.id);
    ORDO_EXEC(s, "update job");
    if (sqlite3_changes(conn_->db()) != 1) return Error::NotFound("no job " + j.id);
    return Ok();
  }

  Status InsertJobAttempt(const JobAttempt& a) override {
    ORDO_PREPARE(s, "INSERT OR REPLACE INTO job_attempts (job_id, attempt, started_at, finished_at, outcome,"
                    " http_status, error) VALUES (?, ?, ?, ?, ?, ?, ?)");
    s.Bind(a.job_id).Bind(a.attempt).Bind(a.started_at).Bind(a.finished_at).Bind(a.outcome).Bind(a.http_status)
        .Bind(a.error);
    ORDO_EXEC(s, "insert job attempt");
    return Ok();
  }

  // One writer: what it selects, nobody else can claim meanwhile.
  Result<std::vector<Job>> ClaimJobs(const std::vector<std::string>& kinds, int limit, Timestamp now,
                                     Timestamp lease_until, const std::string& owner) override {
    std::vector<Job> out;
    if (kinds.empty() || limit <= 0) return out;
    std::string list;
    for (const auto& k : kinds) list += k + '\n';
    ORDO_PREPARE(s, "SELECT " ORDO_JOB_COLUMNS " FROM ("
                    " SELECT * FROM jobs WHERE state = 'queued' AND run_at <= ?1"
                    " UNION ALL SELECT * FROM jobs WHERE state = 'running' AND lease_until <= ?1)"
                    " WHERE instr(?2, kind || char(10)) > 0 ORDER BY run_at, id LIMIT ?3");
    s.Bind(now).Bind(list).Bind(limit);
    while (s.Step()) out.push_back(JobRow(s));
    if (s.failed()) return SqlError(conn_->db(), "claim jobs");
    for (Job& j : out) {
      j.state = job_state::kRunning;
      ++j.attempts;
      j.lease_until = lease_until;
      j.owner = owner;
      j.updated_at = now;
      if (auto st = UpdateJob(j); !st) return st.take_error();
    }
    return out;
  }

  Status InsertReconciliation(const ReconciliationRecord& r) override {
    ORDO_PREPARE(s, "INSERT INTO reconciliations (id, started_at, finished_at, summary, body) VALUES (?, ?, ?, ?, ?)");
    s.Bind(r.id).Bind(r.started_at).Bind(r.finished_at).Bind(r.summary).Bind(r.body);
    ORDO_EXEC(s, "insert reconciliation");
    return Ok();
  }

  Status ResetForDemo() override {
    cache_changes_.spoilt = true;
    for (const char* sql : kDemoReset) {
      ORDO_PREPARE(s, sql);
      ORDO_EXEC(s, "reset for the demo");
    }
    return Ok();
  }

  Status PutConfig(const ConfigDoc& d) override {
    cache_changes_.spoilt = true;
    ORDO_PREPARE(s, "INSERT INTO config (name, version, body, updated_at) VALUES (?1, ?2, ?3, ?4)"
                    " ON CONFLICT (name) DO UPDATE SET version = ?2, body = ?3, updated_at = ?4"
                    " WHERE config.version = ?2 - 1");
    s.Bind(d.name).Bind(d.version).Bind(d.body).Bind(d.updated_at);
    ORDO_EXEC(s, "put config");
    if (sqlite3_changes(conn_->db()) != 1)
      return Error::Conflict("version-conflict", "the " + d.name + " was changed meanwhile; reload and try again");
    return Ok();
  }

  Status Commit() override;

  Status Begin() { return conn_->Exec("BEGIN IMMEDIATE"); }

  // Moves when another connection commits to the database (never for this
  // connection's own commits).
  Result<std::int64_t> DataVersion() {
    ORDO_PREPARE(s, "PRAGMA data_version");
    if (s.Step()) return s.Int(0);
    return SqlError(conn_->db(), "data version");
  }

 private:
  Result<std::vector<StockLevel>> StockOf(const std::string& sku) {
    ORDO_PREPARE(s, "SELECT sku, location_id, on_hand, reserved, version FROM stock WHERE sku = ? ORDER BY location_id");
    s.Bind(sku);
    std::vector<StockLevel> out;
    while (s.Step()) out.push_back(StockRow(s));
    if (s.failed()) return SqlError(conn_->db(), "stock of sku");
    return out;
  }

  Result<Order> OrderRow(const Stmt& s) {
    Order o;
    o.id = s.Text(0);
    o.external_id = s.Text(1);
    o.channel = s.Text(2);
    o.customer_id = s.Text(3);
    o.currency = s.Text(4);
    o.status = s.Text(5);
    o.total_minor = s.Int(6);
    o.created_at = s.Int(7);
    o.updated_at = s.Int(8);
    o.reservation_expires_at = s.Int(9);
    o.version = s.Int(10);
    if (auto st = DecodeOrderBody(s.Text(11), o); !st) return st.take_error();
    return o;
  }

  SqliteStore* store_;
  std::unique_ptr<Conn> conn_;
  bool writer_;
  bool done_ = false;
  std::int64_t next_seq_ = 0;
  RowCache::Changes cache_changes_;  // for the writer's RowCache, once committed
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteOptions options) : options_(std::move(options)) {
    if (options_.pipelined_sync) durability_ = std::make_unique<Durability>(options_.path + "-wal", options_.before_sync, options_.sync_threads);
  }
  ~SqliteStore() override {
    {
      std::lock_guard lock(checkpoint_mu_);
      checkpoint_stop_ = true;
    }
    checkpoint_cv_.notify_all();
    if (checkpointer_.joinable()) checkpointer_.join();
    durability_.reset();  // every commit synced, every callback run
    if (writer_) sqlite3_wal_checkpoint_v2(writer_->db(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  }

  Durability* durability() { return durability_.get(); }
  // The writer's rows between batches: used under writer_mu_, by the session that holds it.
  RowCache& cache() { return cache_; }

  void AfterDurable(std::function<void()> then) override {
    if (durability_) durability_->After(std::move(then));
    else then();
  }

  Status Open() {
    auto w = Conn::Open(options_.path, true, durability_.get());
    if (!w) return w.take_error();
    writer_ = std::move(*w);
    auto c = Conn::Open(options_.path, true);
    if (!c) return c.take_error();
    checkpoint_conn_ = std::move(*c);
    sqlite3_wal_hook(writer_->db(), &SqliteStore::OnWal, this);
    checkpointer_ = std::thread([this] {
      NameThisThread("ordo-checkpoint");
      Checkpointer();
    });
    return Ok();
  }

  Result<int> Migrate() override {
    std::lock_guard lock(writer_mu_);
    if (auto s = writer_->Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                               " applied_at INTEGER NOT NULL)");
        !s)
      return s.take_error();
    int current = 0;
    {  // reset before the steps run: a step that drops a table fails while a read is open
      auto q = writer_->Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
      if (!q) return q.take_error();
      current = q->Step() ? static_cast<int>(q->Int(0)) : 0;
    }
    for (const auto& m : sqlite::kMigrations) {
      if (m.version <= current) continue;
      if (auto s = writer_->Exec("BEGIN IMMEDIATE"); !s) return s.take_error();
      auto s = writer_->Exec(m.sql);
      if (s) {
        std::string record = "INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) +
                             ", CAST(strftime('%s','now') AS INTEGER) * 1000)";
        s = writer_->Exec(record.c_str());
      }
      if (!s) {
        (void)writer_->Exec("ROLLBACK");
        return s.take_error();
      }
      if (auto c = writer_->Exec("COMMIT"); !c) return c.take_error();
      current = m.version;
    }
    if (durability_) durability_->SyncNow();  // the migrations on disk before anything runs
    return current;
  }

  Result<std::unique_ptr<WriteTx>> BeginWrite() override {
    writer_mu_.lock();  // released by the session's destructor
    auto session = std::make_unique<Session>(this, std::move(writer_), true);
    if (auto s = session->Begin(); !s) {
      session.reset();
      return s.take_error();
    }
    return std::unique_ptr<WriteTx>(std::move(session));
  }

  Result<std::unique_ptr<ReadView>> Read() override {
    std::unique_ptr<Conn> conn;
    {
      std::lock_guard lock(pool_mu_);
      if (!pool_.empty()) {
        conn = std::move(pool_.back());
        pool_.pop_back();
      }
    }
    if (!conn) {
      auto c = Conn::Open(options_.path, false, durability_.get());
      if (!c) return c.take_error();
      conn = std::move(*c);
    }
    return std::unique_ptr<ReadView>(std::make_unique<Session>(this, std::move(conn), false));
  }

  std::string Describe() const override { return "sqlite:" + options_.path; }

  void Return(std::unique_ptr<Conn> conn, bool writer, bool committed) {
    if (writer) {
      if (!committed) (void)conn->Exec("ROLLBACK");
      writer_ = std::move(conn);
      writer_mu_.unlock();
      return;
    }
    std::lock_guard lock(pool_mu_);
    if (static_cast<int>(pool_.size()) < options_.read_pool_max_idle) pool_.push_back(std::move(conn));
  }

 private:
  // Called by SQLite after each commit with the WAL's size in frames.
  static int OnWal(void* self, sqlite3*, const char*, int frames) {
    auto* store = static_cast<SqliteStore*>(self);
    store->wal_frames_.store(frames, std::memory_order_relaxed);
    if (frames >= kCheckpointFrames) store->checkpoint_cv_.notify_one();
    return SQLITE_OK;
  }

  // PASSIVE checkpoints never block the writer or readers, and copy the WAL
  // into the database as it grows. But the WAL only starts again from its
  // beginning when a writer finds every frame copied and no reader in it, and
  // under steady load (the event hub reads after every commit) that moment may
  // never come: the WAL then grows without end (879 MB after a million orders),
  // and every read that misses it searches more of its index. So once it is
  // past kRestartFrames, a RESTART checkpoint waits for the readers of the
  // moment (milliseconds), holding the next commit back meanwhile, copies the
  // few frames not yet copied, and lets the WAL start over (truncated to
  // journal_size_limit).
  void Checkpointer() {
    std::unique_lock lock(checkpoint_mu_);
    while (!checkpoint_stop_) {
      checkpoint_cv_.wait_for(lock, std::chrono::seconds(1));
      if (checkpoint_stop_) break;
      lock.unlock();
      sqlite3_wal_checkpoint_v2(checkpoint_conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      if (wal_frames_.load(std::memory_order_relaxed) >= kRestartFrames) {
        sqlite3_wal_checkpoint_v2(checkpoint_conn_->db(), nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
      }
      lock.lock();
    }
  }

  static constexpr int kCheckpointFrames = 2000;
  static constexpr int kRestartFrames = 16384;  // 64 MiB of 4 KiB pages
  std::atomic<int> wal_frames_{0};
  SqliteOptions options_;
  std::unique_ptr<Durability> durability_;  // pipelined sync; nullptr when off
  RowCache cache_;
  std::unique_ptr<Conn> checkpoint_conn_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_stop_ = false;
  std::thread checkpointer_;
  std::mutex writer_mu_;
  std::unique_ptr<Conn> writer_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Conn>> pool_;
};

Session::~Session() { store_->Return(std::move(conn_), writer_, done_); }

Result<WriteTx::BatchRows> Session::LoadForBatch(const std::vector<std::string>& skus, bool optimistic) {
  if (!writer_) return WriteTx::LoadForBatch(skus, optimistic);
  auto version = DataVersion();
  if (!version) return version.take_error();
  RowCache& cache = store_->cache();
  std::int64_t epoch = 0;
  if (auto rows = cache.Rows(skus, &epoch); rows && epoch == *version) return std::move(*rows);
  auto rows = WriteTx::LoadForBatch(skus, optimistic);
  if (rows) cache.Fill(*version, *rows, skus);
  return rows;
}

Status Session::Commit() {
  if (!writer_ || done_) return Error::Internal("commit without a write transaction");
  Durability* d = store_->durability();
  if (d) d->Begin();
  Status s = conn_->Exec("COMMIT");
  if (d) d->End();
  store_->cache().AfterCommit(s.ok(), cache_changes_);
  if (!s) return s;
  done_ = true;
  return Ok();
}

Result<std::vector<Violation>> Session::CheckInvariants() {
  static constexpr InvariantCheck kChecks[] = {
      kStockWithinBounds,
      kReservedIsPendingSum,
      {kReservationsMatchLinesName,
       ORDO_RESERVATIONS_MATCH_LINES("l AS (SELECT o.id AS order_id, j.value ->> 'sku' AS sku, j.value ->> 'quantity' AS q"
                                     " FROM orders o, json_each(o.body, '$.lines') j)")},
      kClosedOrdersHoldNothing,
      {kEventsGapFreeName, ORDO_EVENTS_GAP_FREE_SQL},
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
    ORDO_PREPARE(s, c.sql);
    int n = 0;
    while (s.Step() && n++ < 100) out.push_back({c.name, s.Text(0)});
    if (s.failed()) return SqlError(conn_->db(), c.name);
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqlite(const SqliteOptions& options) {
  // SQLite's memory statistics take a global mutex on every allocation and
  // free; nothing here reads them. This works only before SQLite initialises
  // itself (the first open in the process); later calls change nothing.
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  if (options.path.empty() || options.path == ":memory:")
    return Error::Invalid("/data", "the SQLite store needs a file path");
  auto store = std::make_unique<SqliteStore>(options);
  if (auto s = store->Open(); !s) return s.take_error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace ordo::store
