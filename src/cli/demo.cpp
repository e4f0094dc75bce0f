#include "cli/demo.h"

#include <random>

namespace ordo::cli {
namespace {

struct City {
  const char* id;
  const char* name;
  domain::LocationKind kind;
  double lat, lng;
};

constexpr City kLocations[] = {
    {"berlin-dc", "Berlin distribution centre", domain::LocationKind::kWarehouse, 52.5200, 13.4050},
    {"hamburg-dc", "Hamburg port warehouse", domain::LocationKind::kWarehouse, 53.5511, 9.9937},
    {"munich-store", "Munich flagship store", domain::LocationKind::kStore, 48.1351, 11.5820},
    {"paris-dc", "Paris Nord warehouse", domain::LocationKind::kWarehouse, 48.8566, 2.3522},
    {"amsterdam-store", "Amsterdam canal store", domain::LocationKind::kStore, 52.3676, 4.9041},
    {"vienna-dc", "Vienna east warehouse", domain::LocationKind::kWarehouse, 48.2082, 16.3738},
};

constexpr const char* kKinds[] = {"Mug", "T-shirt", "Hoodie", "Notebook", "Water bottle", "Tote bag",
                                  "Cap", "Sticker pack", "Poster", "Socks"};
constexpr const char* kColours[] = {"black", "white", "red", "blue", "green", "grey"};

engine::Reply Run(engine::Engine& engine, engine::CommandBody body) {
  engine::Outcome o = engine.Call(std::move(body), {"demo", "demo", "system", "", ""});
  return engine::Reply{o.result.ok() ? 200 : 500, o.result.ok() ? "" : o.result.error().message};
}

}  // namespace

Result<int> LoadDemo(engine::Engine& engine, DemoSize size) {
  {
    auto view = engine.Read();
    if (!view) return view.take_error();
    auto existing = (*view)->ListProducts({1, ""});
    if (!existing) return existing.take_error();
    if (!existing->items.empty()) return 0;
  }
  for (const City& c : kLocations) {
    auto r = Run(engine, engine::PutLocation{{c.id, c.name, c.kind, c.lat, c.lng, true, 0}});
    if (r.status != 200) return Error::Internal("demo location: " + r.body);
  }
  std::mt19937 rng(20261122);  // the same demo every time
  for (int i = 0; i < size.skus; ++i) {
    const char* kind = kKinds[i % std::size(kKinds)];
    const char* colour = kColours[(i / std::size(kKinds)) % std::size(kColours)];
    char sku[32];
    std::snprintf(sku, sizeof sku, "SKU-%04d", i + 1);
    std::int64_t price = 499 + static_cast<std::int64_t>(rng() % 60) * 100 + 90;  // 5.89 … 64.89
    domain::Product p{sku, std::string(kind) + " (" + colour + ")", {price, "EUR"}, "6109.10", "{\"colour\":\"" + std::string(colour) + "\"}", 0};
    if (auto r = Run(engine, engine::PutProduct{p}); r.status != 200) return Error::Internal("demo product: " + r.body);
    for (std::size_t l = 0; l < std::size(kLocations); ++l) {
      if ((i + static_cast<int>(l)) % 3 == 2) continue;  // not every SKU everywhere
      std::int64_t units = 200 + static_cast<std::int64_t>(rng() % 800);
      if (size.units > 0) units = size.units;
      auto r = Run(engine, engine::SetStock{kLocations[l].id, sku, units, std::nullopt});
      if (r.status != 200) return Error::Internal("demo stock: " + r.body);
    }
  }
  return size.skus;
}

}  // namespace ordo::cli
