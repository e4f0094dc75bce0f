// The write path without HTTP: how many orders per second one engine (one
// writer thread, SQLite WAL + synchronous=FULL) places with `outstanding`
// commands in flight. Run: build/bench/ordo_engine_bench
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "engine/engine.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace ordo;

struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<store::Store> store;
  SystemClock clock;
  std::unique_ptr<engine::Engine> engine;

  Fixture() {
    dir = std::filesystem::temp_directory_path() / ("ordo-engine-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    store = std::move(store::OpenSqlite({(dir / "ordo.db").string()}).value());
    (void)store->Migrate();
    engine = std::make_unique<engine::Engine>(*store, clock, engine::Options{});
    engine->Start();
    for (int l = 0; l < 6; ++l)
      Run(engine::PutLocation{{"loc" + std::to_string(l), "L", domain::LocationKind::kWarehouse, 48.0 + l, 9.0 + l, true, 0}});
    for (int i = 0; i < 60; ++i) {
      std::string sku = "SKU-" + std::to_string(i);
      Run(engine::PutProduct{{sku, "Thing", {1999, "EUR"}, "", "{}", 0}});
      for (int l = 0; l < 6; ++l) Run(engine::SetStock{"loc" + std::to_string(l), sku, 100'000'000, std::nullopt});
    }
  }
  ~Fixture() {
    engine.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
  void Run(engine::CommandBody body) {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    engine->Submit({std::move(body), {}, [](const engine::Outcome&) { return engine::Reply{}; }, [&](engine::Completion) {
                      std::lock_guard lock(mu);
                      done = true;
                      cv.notify_one();
                    }});
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done; });
  }
};

void BM_PlaceOrders(benchmark::State& state) {
  static Fixture fixture;
  const int outstanding = static_cast<int>(state.range(0));
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  std::uint64_t n = 0, placed = 0;
  std::atomic<std::uint64_t> ok{0};
  for (auto _ : state) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight < outstanding; });
      ++in_flight;
    }
    domain::OrderRequest r;
    r.currency = "EUR";
    r.lines = {{"SKU-" + std::to_string(n++ % 60), 1}};
    r.shipping_address = {"A", "x", "", "Berlin", "", "", "DE", 52.5, 13.4};
    fixture.engine->Submit({engine::PlaceOrder{r, {52.5, 13.4}}, {}, [](const engine::Outcome&) { return engine::Reply{}; },
                            [&](engine::Completion c) {
                              if (c.outcome.result.ok()) ok.fetch_add(1);
                              std::lock_guard lock(mu);
                              --in_flight;
                              cv.notify_one();
                            }});
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return in_flight == 0; });
  placed = ok.load();
  state.counters["orders_per_s"] = benchmark::Counter(static_cast<double>(placed), benchmark::Counter::kIsRate);
  if (placed != static_cast<std::uint64_t>(state.iterations())) state.SkipWithError("some orders were not placed");
}
BENCHMARK(BM_PlaceOrders)->Arg(1)->Arg(64)->UseRealTime()->MinTime(3);

// A fixed number of orders (ORDO_BENCH_ORDERS, 64 in flight) for instruction
// counts that compare across builds, e.g.
//   ORDO_BENCH_ORDERS=20000 valgrind --tool=callgrind build/bench/ordo_engine_bench --benchmark_filter=fixed
// Run it with two counts and divide the difference by the difference in orders
// to leave the fixture's set-up out.
[[maybe_unused]] const bool kFixedRegistered = [] {
  const char* n = std::getenv("ORDO_BENCH_ORDERS");
  if (n && std::atoi(n) > 0)
    benchmark::RegisterBenchmark("BM_PlaceOrders_fixed", BM_PlaceOrders)->Arg(64)->Iterations(std::atoi(n))->UseRealTime();
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
