// Test harness: a real `ordo serve` process on a temporary SQLite directory,
// or (Backend::kPostgres) on a fresh schema of the PostgreSQL server named by
// the ORDO_TEST_PG environment variable (a libpq conninfo or URI; CTest sets it
// and starts that server, see tests/integration/CMakeLists.txt).
//
// Each OrdoServer owns a fresh temp dir (<tmp>/ordo-it-XXXXXX) holding the
// data directory (data/) and the server's stdout+stderr (server.log). The
// process is started with fork/exec on a free loopback port and is always
// reaped by the destructor (SIGKILL if still running), so a failed assertion
// never leaves an orphan server behind. The child also gets
// PR_SET_PDEATHSIG(SIGKILL): if the test binary itself dies, so does the server.
// Call Start()/Restart() from the test's main thread (the death signal is tied
// to the thread that forked).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace ordo::itest {

enum class Backend { kSqlite, kPostgres };

// "sqlite" / "postgres" (also the suffix of the parameterized test names).
std::string BackendName(Backend backend);

// ORDO_TEST_PG, or "" when the tests were started without it.
std::string TestPgConninfo();

struct StopResult {
  bool exited = false;        // the process ended before the timeout
  int exit_code = -1;         // when it exited normally
  int signal = 0;             // when a signal ended it
  std::chrono::milliseconds took{0};
  std::string Describe() const;
};

struct CheckResult {
  int exit_code = -1;
  std::string output;
};

class OrdoServer {
 public:
  // Extra arguments for `ordo serve` besides --data/--db and --listen, e.g. {"--demo"}.
  // kPostgres: creates the schema it_<pid>_<n> on TestPgConninfo() (dropped by
  // the destructor); serve and check then use `--db` with search_path set to it.
  // A failure to create it is reported by Start().
  explicit OrdoServer(std::vector<std::string> serve_args = {"--demo"}, Backend backend = Backend::kSqlite);
  // A second node on the same PostgreSQL schema as `first` (which owns and
  // drops it; `first` must outlive this one).
  OrdoServer(std::vector<std::string> serve_args, const OrdoServer& first);
  ~OrdoServer();
  OrdoServer(const OrdoServer&) = delete;
  OrdoServer& operator=(const OrdoServer&) = delete;

  // Starts the server on a free port and waits (≤ 20 s) until GET /readyz is 200.
  ::testing::AssertionResult Start();
  // Starts it again on the same data dir (and, if it is still free, the same port).
  ::testing::AssertionResult Restart();
  // SIGKILL, then reap.
  void Kill9();
  // SIGTERM, then wait up to `timeout` for the exit (SIGKILL after that).
  StopResult Terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True while the process has not exited (reaps it when it has).
  bool Alive();
  // `ordo check DATA_DIR` (or `ordo check --db CONNINFO`): its exit code and combined output.
  CheckResult RunCheck() const;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& dir() const { return dir_; }
  Backend backend() const { return backend_; }
  // kPostgres: the schema and the conninfo given to --db ("" for SQLite).
  const std::string& schema() const { return schema_; }
  const std::string& db_conninfo() const { return db_; }
  std::filesystem::path data_dir() const { return dir_ / "data"; }
  std::filesystem::path log_path() const { return dir_ / "server.log"; }
  std::string LogTail(std::size_t lines = 40) const;
  // The exit of the last process that ended (after Terminate/Kill9/Alive()==false).
  const StopResult& last_exit() const { return last_exit_; }

 private:
  ::testing::AssertionResult Launch(bool keep_port);
  bool Spawn(std::string* error);
  void Reap(bool block, std::chrono::milliseconds timeout);

  // --data DIR or --db CONNINFO.
  std::vector<std::string> StoreArgs() const;

  std::vector<std::string> serve_args_;
  Backend backend_;
  std::string schema_, db_, setup_error_;
  bool owns_schema_ = true;
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  StopResult last_exit_;
  std::chrono::steady_clock::time_point signalled_at_{};
};

// Every OrdoServer is started with this --jwt-secret (unless its arguments
// give one) and without rate limits (unless they set some).
inline constexpr const char* kTestJwtSecret = "integration-tests-signing-secret-0123456789";
// A token signed with kTestJwtSecret: role admin, seller or customer; for a
// customer the subject is also the customer id.
std::string TestToken(const std::string& role, const std::string& subject,
                      const std::vector<std::string>& locations = {}, int ttl_s = 3600);
std::string Bearer(const std::string& token);

// A free TCP port on 127.0.0.1 (bind port 0, read it back, close).
int FreePort();

// A fresh directory <tmp>/ordo-it-XXXXXX.
std::filesystem::path MakeTempDir();
std::string ReadFile(const std::filesystem::path& path);
// The last `lines` lines of a file.
std::string FileTail(const std::filesystem::path& path, std::size_t lines);
// Fork and exec `args` (args[0] is a path) with stdout+stderr appended to
// `out_path`, stdin from /dev/null, and PR_SET_PDEATHSIG(SIGKILL); -1 and
// `error` on failure. Call it from the test's main thread.
pid_t SpawnProcess(const std::vector<std::string>& args, const std::filesystem::path& out_path, std::string* error);

// A real `ordo sim` process (payment gateway, webhook receiver, chaos knobs)
// on a free loopback port; killed and reaped by the destructor.
class SimProcess {
 public:
  explicit SimProcess(std::vector<std::string> args = {});
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;
  // Starts it and waits (≤ 10 s) until GET /livez answers.
  ::testing::AssertionResult Start();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string LogTail() const;

 private:
  std::vector<std::string> args_;
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace ordo::itest
