// What a batch reads (WriteTx::LoadForBatch), kept by the writer between
// batches, so that a batch of placements need not read its rows again. Only
// the writer uses it, under its store's writer lock. The adapter says what the
// `epoch` is and when it may use the rows:
//
// - PostgreSQL: products, locations, the batch configuration and the set of
//   stock rows are kept with the catalogue's change count (catalogue_epoch,
//   migration 7: every change to those tables, and every stock row created or
//   deleted, bumps it when it commits). A batch that used them checks the
//   count in its write round trip, before COMMIT, and fails with kStale when
//   it moved. The stock rows' amounts are kept with this node's own changes
//   applied; other nodes' changes to them are not seen, which the stock guard
//   and the engine's rule (domain::AmountsElsewhereDidNotDecide) make safe
//   (store.h, BatchRows::cached).
// - SQLite: the node's writer is the only writer, so the rows with its own
//   committed changes applied are exact. The epoch is `PRAGMA data_version`,
//   which moves if another process commits to the file all the same.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/store.h"

namespace ordo::store {

class RowCache {
 public:
  // The rows of `skus` (sorted, distinct), when every one is here.
  std::optional<WriteTx::BatchRows> Rows(const std::vector<std::string>& skus, std::int64_t* epoch) const {
    if (!valid_) return std::nullopt;
    WriteTx::BatchRows out;
    for (const std::string& sku : skus) {
      auto it = skus_.find(sku);
      if (it == skus_.end()) return std::nullopt;
      if (it->second.product) out.products.push_back(*it->second.product);
      out.stock.insert(out.stock.end(), it->second.stock.begin(), it->second.stock.end());
    }
    out.locations = locations_;
    out.configs = configs_;
    *epoch = epoch_;
    return out;
  }

  // Rows just read for `skus` (sorted, distinct), with the epoch read before
  // them: a change committed in between leaves rows newer than the epoch,
  // which only costs a retry (PostgreSQL) or a read (SQLite).
  void Fill(std::int64_t epoch, const WriteTx::BatchRows& rows, const std::vector<std::string>& skus) {
    if (!valid_ || epoch != epoch_ || skus_.size() > kMaxSkus) Clear();
    valid_ = true;
    epoch_ = epoch;
    locations_ = rows.locations;
    configs_ = rows.configs;
    auto product = rows.products.begin();  // in the order of `skus`
    auto stock = rows.stock.begin();       // in (sku, location) order
    for (const std::string& sku : skus) {
      Entry& e = skus_[sku];
      e.product.reset();
      e.stock.clear();
      if (product != rows.products.end() && product->sku == sku) e.product = *product++;
      while (stock != rows.stock.end() && stock->sku < sku) ++stock;
      for (; stock != rows.stock.end() && stock->sku == sku; ++stock) e.stock.push_back(*stock);
    }
  }

  // What one write transaction did to the kept rows, taken in once its
  // COMMIT is known (AfterCommit).
  struct Changes {
    std::vector<WriteTx::StockChange> applied;  // relative stock changes
    bool spoilt = false;  // rows changed in another way: catalogue, config, absolute stock
  };
  // The kept rows follow what was committed; after a failed COMMIT (one in
  // doubt included) nothing is known, and rows changed in another way than
  // by deltas are read again.
  void AfterCommit(bool committed, const Changes& changes) {
    if (!committed || changes.spoilt) Clear();
    else Apply(changes.applied);
  }

  void Clear() {
    valid_ = false;
    skus_.clear();
    locations_.clear();
    configs_.clear();
  }

 private:
  // The writer's committed stock changes.
  void Apply(const std::vector<WriteTx::StockChange>& changes) {
    for (const auto& c : changes) {
      auto it = skus_.find(c.delta.sku);
      if (it == skus_.end()) continue;
      auto row = std::find_if(it->second.stock.begin(), it->second.stock.end(),
                              [&](const domain::StockLevel& l) { return l.location_id == c.delta.location_id; });
      if (row == it->second.stock.end()) {
        skus_.erase(it);  // a row this batch created: read it next time
        continue;
      }
      row->on_hand += c.delta.on_hand;
      row->reserved += c.delta.reserved;
      row->version += c.changes;
    }
  }

  static constexpr std::size_t kMaxSkus = 100000;
  struct Entry {
    std::optional<domain::Product> product;  // none: no such SKU (at this count)
    std::vector<domain::StockLevel> stock;   // every location's row, in location order
  };
  bool valid_ = false;
  std::int64_t epoch_ = 0;
  std::vector<domain::Location> locations_;
  std::vector<ConfigDoc> configs_;
  std::unordered_map<std::string, Entry> skus_;
};

}  // namespace ordo::store
