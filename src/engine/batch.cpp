#include "engine/batch.h"

#include <algorithm>

#include "base/money.h"
#include "store/codec.h"

namespace ordo::engine {
namespace {

bool IsStoreFailure(const Error& e) { return e.code == Code::kInternal || e.code == Code::kUnavailable; }

// The outcomes stored for replay: successes and business rejections. Invalid
// input and store failures change nothing and are not remembered.
bool Remembered(const Outcome& o) {
  return o.result.ok() || o.result.error().code == Code::kFailedPrecondition;
}

#define ORDO_TRY(expr)                      \
  do {                                      \
    if (auto _s = (expr); !_s) return {_s.take_error()}; \
  } while (0)

// The scopes of other systems' identifiers (store::WriteTx::InsertExternalRef).
std::string ErpScope(const domain::ErpReference& ref) { return "erp:" + ref.organization_id; }
constexpr const char* kWmsEventScope = "wms-event";

template <typename T>
void SortUnique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

const std::string* OrderIdOf(const CommandBody& body) {
  return std::visit(
      [](const auto& c) -> const std::string* {
        if constexpr (requires { c.order_id; }) return &c.order_id;
        else return nullptr;
      },
      body);
}

// ---------------------------------------------------------------- BatchState

Result<const std::vector<domain::Subscription>*> BatchState::Subscriptions() {
  if (!subscriptions_) {
    auto doc = Config("webhooks");
    if (!doc) return doc.take_error();
    subscriptions_.emplace();
    if (*doc) {
      auto subs = store::DecodeSubscriptions((*doc)->body);
      if (!subs) return subs.take_error();
      subscriptions_ = std::move(*subs);
      subscriptions_version_ = (*doc)->version;
    }
  }
  return &*subscriptions_;
}

Result<const domain::Workflow*> BatchState::Workflow() {
  if (!workflow_) {
    auto doc = Config("workflow");
    if (!doc) return doc.take_error();
    if (!*doc) {
      workflow_ = domain::DefaultWorkflow();
    } else {
      auto wf = store::DecodeWorkflow((*doc)->body);
      if (!wf) return Error::Internal("the stored workflow does not decode: " + wf.error().message);
      wf->version = (*doc)->version;
      workflow_ = std::move(*wf);
    }
  }
  return &*workflow_;
}

Status BatchState::Prepare(const std::vector<Command>& batch, bool optimistic) {
  std::vector<std::pair<std::string, std::string>> keys;
  std::vector<std::string> orders, skus, job_ids;
  bool expire = false;
  for (const Command& c : batch) {
    if (!c.meta.idempotency_key.empty()) keys.emplace_back(c.meta.principal, c.meta.idempotency_key);
    if (auto* place = std::get_if<PlaceOrder>(&c.body)) {
      for (const auto& line : place->request.lines) skus.push_back(line.sku);
    } else if (auto* erp = std::get_if<IntakeErpOrder>(&c.body)) {
      for (const auto& line : erp->place.request.lines) skus.push_back(line.sku);
      // Two nodes handed the same ERP order take turns: the second finds the first's.
      keys.emplace_back(ErpScope(erp->ref), erp->place.request.external_id);
    } else if (auto* set = std::get_if<SetStock>(&c.body)) {
      skus.push_back(set->sku), optimistic = false;
    } else if (auto* adjust = std::get_if<AdjustStock>(&c.body)) {
      skus.push_back(adjust->sku), optimistic = false;
    } else if (auto* product = std::get_if<PutProduct>(&c.body)) {
      skus.push_back(product->product.sku);
    } else if (const std::string* id = OrderIdOf(c.body)) {
      orders.push_back(*id);
      // The same callback on two nodes: the second waits, then finds it recorded.
      if (auto* wms = std::get_if<ApplyWmsEvent>(&c.body)) keys.emplace_back(kWmsEventScope, wms->callback.event_id);
    } else if (std::holds_alternative<ExpireReservations>(c.body)) {
      expire = true;
    } else if (std::holds_alternative<ResetDemo>(c.body)) {
      optimistic = false;
    } else if (auto* complete = std::get_if<CompleteJob>(&c.body)) {
      job_ids.push_back(complete->job_id);
    } else if (auto* retry = std::get_if<RetryJob>(&c.body)) {
      job_ids.push_back(retry->job_id);
    }
  }
  // A job's result changes its order: that order is locked with the others.
  for (const std::string& id : job_ids) {
    auto job = tx_.GetJob(id);
    if (!job) return job.take_error();
    if (*job && !(*job)->order_id.empty()) orders.push_back((*job)->order_id);
  }
  SortUnique(keys);
  if (auto s = tx_.LockIdempotencyKeys(keys); !s) return s;
  SortUnique(orders);
  if (auto s = tx_.LockOrders(orders); !s) return s;
  if (expire) {
    auto due = tx_.ClaimExpiredOrders(now_, kExpiryBatch);
    if (!due) return due.take_error();
    claimed_ = std::move(*due);
    orders.insert(orders.end(), claimed_.begin(), claimed_.end());
  }
  // The stock rows an order command will release are locked with the rest.
  for (const std::string& id : orders) {
    auto reservations = tx_.ListReservations(id, "pending");
    if (!reservations) return reservations.take_error();
    for (const auto& r : *reservations) skus.push_back(r.sku);
  }
  SortUnique(skus);
  auto rows = tx_.LoadForBatch(skus, optimistic);
  if (!rows) return rows.take_error();
  cached_ = rows->cached;
  loaded_skus_.insert(skus.begin(), skus.end());
  for (auto& p : rows->products) products_[p.sku] = std::move(p);
  for (auto& r : rows->stock) stock_[{r.sku, r.location_id}] = std::move(r);
  locations_ = std::move(rows->locations);
  locations_loaded_ = true;
  for (auto& doc : rows->configs) configs_[doc.name] = std::move(doc);
  configs_loaded_ = true;
  return Ok();
}

Result<store::OpenHolds*> BatchState::Holds(const std::string& customer_id) {
  auto it = holds_.find(customer_id);
  if (it == holds_.end()) {
    auto counted = tx_.CountOpenHolds(customer_id, now_);
    if (!counted) return counted.take_error();
    it = holds_.emplace(customer_id, *counted).first;
  }
  return &it->second;
}

void BatchState::AddHold(const std::string& customer_id, std::int64_t units) {
  auto it = holds_.find(customer_id);
  if (it == holds_.end()) return;  // never read: nobody capped in this batch
  it->second.orders += 1;
  it->second.units += units;
}

// A configuration document: from Prepare's read when it made one (no extra
// round trip), else from the store.
Result<std::optional<store::ConfigDoc>> BatchState::Config(const std::string& name) {
  if (!configs_loaded_) return tx_.GetConfig(name);
  auto it = configs_.find(name);
  if (it == configs_.end()) return std::optional<store::ConfigDoc>();
  return std::optional<store::ConfigDoc>(it->second);
}

void BatchState::ForgetAll() {
  loaded_skus_.clear();
  products_.clear();
  stock_.clear();
  deltas_.clear();
  locations_.clear();
  locations_loaded_ = false;
  workflow_.reset();
  configs_.clear();
  configs_loaded_ = false;
  holds_.clear();
  subscriptions_.reset();
  subscriptions_version_ = 0;
}

Status BatchState::LoadSkus(const std::vector<std::string>& skus) {
  std::vector<std::string> missing;
  for (const auto& sku : skus)
    if (loaded_skus_.insert(sku).second) missing.push_back(sku);
  if (missing.empty()) return Ok();
  std::sort(missing.begin(), missing.end());
  auto products = tx_.GetProducts(missing);
  if (!products) return products.take_error();
  for (auto& p : *products) products_[p.sku] = std::move(p);
  auto rows = tx_.GetStockForSkus(missing);
  if (!rows) return rows.take_error();
  for (auto& r : *rows) {
    Key key{r.sku, r.location_id};
    if (!stock_.contains(key)) stock_[key] = std::move(r);
  }
  return Ok();
}

Result<const std::vector<domain::Location>*> BatchState::Locations() {
  if (!locations_loaded_) {
    auto all = tx_.ListLocations();
    if (!all) return all.take_error();
    locations_ = std::move(*all);
    locations_loaded_ = true;
  }
  return &locations_;
}

Result<const domain::Product*> BatchState::Product(const std::string& sku) {
  if (auto s = LoadSkus({sku}); !s) return s.take_error();
  auto it = products_.find(sku);
  return it == products_.end() ? nullptr : &it->second;
}

Result<std::optional<domain::StockLevel>> BatchState::Stock(const std::string& location_id, const std::string& sku) {
  Key key{sku, location_id};
  auto it = stock_.find(key);
  if (it != stock_.end()) return it->second;
  if (!loaded_skus_.contains(sku)) {
    if (auto s = LoadSkus({sku}); !s) return s.take_error();
    it = stock_.find(key);
    if (it != stock_.end()) return it->second;
  }
  stock_[key] = std::nullopt;
  return std::optional<domain::StockLevel>();
}

Status BatchState::EnsureRow(const std::string& location_id, const std::string& sku) {
  auto current = Stock(location_id, sku);
  if (!current) return current.take_error();
  if (current->has_value()) return Ok();
  domain::StockLevel zero{location_id, sku, 0, 0, 0};
  if (auto s = tx_.CreateStockRow(zero, now_); !s) return s;
  stock_[{sku, location_id}] = zero;
  return Ok();
}

void BatchState::Apply(const domain::StockDelta& d) {
  Key key{d.sku, d.location_id};
  auto& row = stock_[key];
  if (!row) row = domain::StockLevel{d.location_id, d.sku, 0, 0, 0};
  row->on_hand += d.on_hand;
  row->reserved += d.reserved;
  ++row->version;
  Pending& p = deltas_[key];
  p.delta.location_id = d.location_id;
  p.delta.sku = d.sku;
  p.delta.on_hand += d.on_hand;
  p.delta.reserved += d.reserved;
  ++p.changes;
}

Status BatchState::Flush() {
  std::vector<store::WriteTx::StockChange> changes;
  changes.reserve(deltas_.size());
  for (auto& [key, p] : deltas_) changes.push_back({p.delta, p.changes});  // (sku, location) order
  deltas_.clear();
  return tx_.ApplyStockDeltas(changes, now_);
}

// ---------------------------------------------------------------- Executor

Completion Executor::Run(Command& command, bool* fatal) {
  const Meta& meta = command.meta;
  if (meta.idempotency_key.empty()) {
    Outcome outcome = Execute(command.body, meta);
    if (!outcome.result.ok() && IsStoreFailure(outcome.result.error())) *fatal = true;
    return {std::move(outcome), std::nullopt};
  }
  auto stored = tx_.GetIdempotency(meta.principal, meta.idempotency_key);
  if (!stored) {
    *fatal = true;
    return {{stored.take_error()}, std::nullopt};
  }
  if (*stored) {
    if ((*stored)->request_hash != meta.request_hash)
      return {{Error{Code::kInvalidArgument, "idempotency-key-reused",
                     "this Idempotency-Key was used with a different request", "", {}}},
              std::nullopt};
    return {{}, Reply{(*stored)->status, (*stored)->body, true}};
  }
  Outcome outcome = Execute(command.body, meta);
  if (!outcome.result.ok() && IsStoreFailure(outcome.result.error())) {
    *fatal = true;
    return {std::move(outcome), std::nullopt};
  }
  if (!Remembered(outcome)) return {std::move(outcome), std::nullopt};
  // The exact bytes are stored in the same commit as the change they describe.
  Reply reply = command.render(outcome);
  if (auto s = tx_.PutIdempotency({meta.principal, meta.idempotency_key, meta.request_hash, reply.status, reply.body, now_});
      !s) {
    *fatal = true;
    return {{s.take_error()}, std::nullopt};
  }
  return {std::move(outcome), std::move(reply)};
}

Outcome Executor::Execute(CommandBody& body, const Meta& meta) {
  return std::visit([&](auto& c) { return Do(c, meta); }, body);
}

Status Executor::AppendEvents(const std::vector<domain::Event>& events, const Meta& meta) {
  std::vector<domain::JobRequest> deliveries;
  for (const domain::Event& e : events) {
    // Every event names who caused it (audit): a user, an API key, or "system".
    store::StoredEvent stored{0, e.type, e.order_id, store::EncodeEventData(e, meta.principal), now_,
                              meta.correlation_id, meta.causation_id};
    if (auto s = tx_.AppendEvent(stored); !s) return s;
    // Each subscriber of this type gets a delivery job in the same transaction.
    if (auto st = AddDeliveries(e.type, e.order_id, stored.data, ids_.Next("msg", now_), meta, deliveries); !st)
      return st;
    if (e.type == "reservation.created") ++counters_.created;
    else if (e.type == "reservation.committed") ++counters_.committed;
    else if (e.type == "reservation.released") ++counters_.released;
    else if (e.type == "reservation.expired") ++counters_.expired;
  }
  return deliveries.empty() ? Ok() : ScheduleJobs(deliveries, meta);
}

Status Executor::WriteChange(const domain::Change& change, const Meta& meta) {
  for (const auto& d : change.deltas) state_.Apply(d);
  if (auto s = AppendEvents(change.events, meta); !s) return s;
  return ScheduleJobs(change.jobs, meta);
}

Status Executor::AddDeliveries(const std::string& type, const std::string& order_id, const std::string& data,
                               const std::string& suffix, const Meta& meta, std::vector<domain::JobRequest>& out) {
  auto subscriptions = state_.Subscriptions();
  if (!subscriptions) return subscriptions.take_error();
  for (const domain::Subscription& sub : **subscriptions)
    if (domain::Matches(sub, type))
      out.push_back({domain::kWebhookDeliveryJob, order_id, "webhook-" + sub.id + "-" + suffix,
                     {{"subscription_id", sub.id},
                      {"type", type},
                      {"time", FormatTimestamp(now_)},
                      {"data", data},
                      {"correlation_id", meta.correlation_id}}});
  return Ok();
}

// The workflow action "webhook" bound to a status: subscribers of
// "workflow.<status>" (or "workflow.*") each get a delivery of
// {status, from, order_id}.
Status Executor::WorkflowWebhooks(const domain::JobRequest& action, const Meta& meta,
                                  std::vector<domain::JobRequest>& out) {
  std::string status, from;
  for (const auto& [k, v] : action.payload) {
    if (k == "status") status = std::get<std::string>(v);
    if (k == "from") from = std::get<std::string>(v);
  }
  domain::Event e{"workflow." + status, action.order_id, {}};
  e.With("status", status).With("from", from);
  return AddDeliveries(e.type, action.order_id, store::EncodeEventData(e), action.step, meta, out);
}

Status Executor::ScheduleJobs(const std::vector<domain::JobRequest>& requested, const Meta& meta) {
  std::vector<domain::JobRequest> jobs;
  for (const domain::JobRequest& r : requested) {
    if (r.kind != domain::action::kWebhook) {
      jobs.push_back(r);
      continue;
    }
    if (auto st = WorkflowWebhooks(r, meta, jobs); !st) return st;
  }
  for (const domain::JobRequest& r : jobs) {
    store::Job job;
    job.id = ids_.Next("job", now_);
    job.kind = r.kind;
    job.order_id = r.order_id;
    job.step = r.step;
    job.max_attempts = options_.job_max_attempts;
    job.run_at = now_;
    job.payload = store::EncodeValues(r.payload);
    job.created_at = job.updated_at = now_;
    auto s = tx_.InsertJob(job);
    // The same step of an order is scheduled once; asking again changes nothing.
    if (!s && s.error().code == Code::kAlreadyExists) continue;
    if (!s) return s;
    ++counters_.jobs_queued;
    domain::Event e{"job.scheduled", job.order_id, {}};
    e.With("job_id", job.id).With("kind", job.kind).With("step", job.step);
    if (auto st = JobEvent(job, std::move(e), meta); !st) return st;
  }
  return Ok();
}

Status Executor::JobEvent(const store::Job& job, domain::Event event, const Meta& meta) {
  if (job.kind == domain::kWebhookDeliveryJob) return Ok();
  return AppendEvents({std::move(event)}, meta);
}

Status Executor::WriteResolved(const std::vector<domain::Reservation>& before,
                               const std::vector<domain::Reservation>& after) {
  for (std::size_t i = 0; i < after.size(); ++i)
    if (after[i].state != before[i].state || after[i].expires_at != before[i].expires_at)
      if (auto s = tx_.UpdateReservation(after[i]); !s) return s;
  return Ok();
}

Outcome Executor::Do(PutProduct& c, const Meta& meta) {
  auto existing = state_.Product(c.product.sku);
  if (!existing) return {existing.take_error()};
  bool created = *existing == nullptr;
  c.product.updated_at = now_;
  ORDO_TRY(tx_.PutProduct(c.product));
  state_.ForgetProduct(c.product.sku);
  state_.products()[c.product.sku] = c.product;
  domain::Event e{"product.upserted", "", {}};
  e.With("sku", c.product.sku)
      .With("price", FormatDecimal(c.product.price.minor, CurrencyExponent(c.product.price.currency)))
      .With("currency", c.product.price.currency)
      .With("created", created);
  ORDO_TRY(AppendEvents({e}, meta));
  return {Outcome::Value{c.product}, created};
}

Outcome Executor::Do(PutLocation& c, const Meta& meta) {
  auto existing = tx_.GetLocation(c.location.id);
  if (!existing) return {existing.take_error()};
  bool created = !existing->has_value();
  c.location.updated_at = now_;
  ORDO_TRY(tx_.PutLocation(c.location));
  state_.ForgetLocations();
  domain::Event e{"location.upserted", "", {}};
  e.With("location_id", c.location.id).With("active", c.location.active).With("created", created);
  ORDO_TRY(AppendEvents({e}, meta));
  return {Outcome::Value{c.location}, created};
}

namespace {
Status CheckStockTarget(BatchState& state, store::WriteTx& tx, const std::string& location_id, const std::string& sku) {
  auto product = state.Product(sku);
  if (!product) return product.take_error();
  if (!*product) return Error::NotFound("no product with sku " + sku, "/sku");
  auto location = tx.GetLocation(location_id);
  if (!location) return location.take_error();
  if (!location->has_value()) return Error::NotFound("no location " + location_id, "/location_id");
  return Ok();
}
}  // namespace

Outcome Executor::Do(SetStock& c, const Meta& meta) {
  ORDO_TRY(CheckStockTarget(state_, tx_, c.location_id, c.sku));
  auto current = state_.Stock(c.location_id, c.sku);
  if (!current) return {current.take_error()};
  auto next = domain::SetOnHand(*current, c.location_id, c.sku, c.on_hand, c.expected_on_hand);
  if (!next) return {next.take_error()};
  std::int64_t previous = current->has_value() ? (*current)->on_hand : 0;
  ORDO_TRY(state_.EnsureRow(c.location_id, c.sku));
  state_.Apply({c.location_id, c.sku, next->on_hand - previous, 0});
  domain::Event e{"stock.set", "", {}};
  e.With("location_id", c.location_id).With("sku", c.sku).With("on_hand", next->on_hand).With("previous_on_hand", previous);
  ORDO_TRY(AppendEvents({e}, meta));
  auto after = state_.Stock(c.location_id, c.sku);
  if (!after) return {after.take_error()};
  return {Outcome::Value{**after}, false};
}

Outcome Executor::Do(AdjustStock& c, const Meta& meta) {
  ORDO_TRY(CheckStockTarget(state_, tx_, c.location_id, c.sku));
  auto current = state_.Stock(c.location_id, c.sku);
  if (!current) return {current.take_error()};
  auto next = domain::Adjust(*current, c.location_id, c.sku, c.delta);
  if (!next) return {next.take_error()};
  ORDO_TRY(state_.EnsureRow(c.location_id, c.sku));
  state_.Apply({c.location_id, c.sku, c.delta, 0});
  domain::Event e{"stock.adjusted", "", {}};
  e.With("location_id", c.location_id).With("sku", c.sku).With("delta", c.delta).With("reason", c.reason)
      .With("on_hand", next->on_hand);
  ORDO_TRY(AppendEvents({e}, meta));
  auto after = state_.Stock(c.location_id, c.sku);
  if (!after) return {after.take_error()};
  return {Outcome::Value{**after}, false};
}

Result<domain::Placement> Executor::Place(const PlaceOrder& c, bool allow_split) {
  std::vector<std::string> skus;
  std::int64_t units = 0;
  for (const auto& line : c.request.lines) skus.push_back(line.sku), units += line.quantity;
  if (c.limit.any() && !c.request.customer_id.empty()) {
    auto holds = state_.Holds(c.request.customer_id);
    if (!holds) return holds.take_error();
    const store::OpenHolds& h = **holds;
    if ((c.limit.max_orders > 0 && h.orders + 1 > c.limit.max_orders) ||
        (c.limit.max_units > 0 && h.units + units > c.limit.max_units))
      return Error::Exhausted("too-many-open-reservations",
                              "you hold " + std::to_string(h.orders) + " unpaid orders with " + std::to_string(h.units) +
                                  " units reserved; the limit is " + std::to_string(c.limit.max_orders) + " orders and " +
                                  std::to_string(c.limit.max_units) + " units: pay or cancel one first");
  }
  if (auto s = state_.LoadSkus(skus); !s) return s.take_error();
  auto locations = state_.Locations();
  if (!locations) return locations.take_error();
  domain::PlaceContext ctx;
  ctx.products = &state_.products();
  ctx.ship_to = c.ship_to;
  ctx.now = now_;
  ctx.reservation_ttl_ms = options_.reservation_ttl_ms;
  ctx.policy.allow_split = allow_split;
  auto workflow = state_.Workflow();
  if (!workflow) return workflow.take_error();
  ctx.initial_status = (*workflow)->initial;
  ctx.next_reservation_id = [this] { return ids_.Next("res", now_); };
  for (const domain::Location& l : **locations) {
    if (!l.active) continue;
    domain::Candidate candidate{l.id, {l.lat, l.lng}, {}};
    for (const auto& sku : skus) {
      auto level = state_.Stock(l.id, sku);
      if (!level) return level.take_error();
      if (level->has_value() && (*level)->available() > 0) candidate.available[sku] = (*level)->available();
    }
    if (!candidate.available.empty()) ctx.candidates.push_back(std::move(candidate));
  }
  auto placed = domain::PlaceOrder(c.request, ids_.Next("ord", now_), ctx);
  // On cached stock only an outcome that no other row's amount could change
  // may stand (the chosen rows are checked when written; which rows exist is
  // checked with the catalogue).
  if (state_.cached()) {
    auto keeps = [this](const std::string& location_id, const std::string& sku) {
      auto level = state_.Stock(location_id, sku);
      return !level || level->has_value();  // unknown counts as kept: the safe side
    };
    if (placed ? !domain::AmountsElsewhereDidNotDecide(placed->order, **locations, keeps)
               : placed.error().code == Code::kFailedPrecondition)
      return Error{Code::kUnavailable, store::kStale, "decided on cached stock", "", {}};
  }
  if (!placed && placed.error().code == Code::kFailedPrecondition) ++counters_.rejected;
  return placed;
}

Status Executor::WritePlacement(const domain::Placement& placed, const Meta& meta) {
  if (auto s = tx_.InsertOrder(placed.order); !s) return s;
  for (const auto& r : placed.reservations)
    if (auto s = tx_.InsertReservation(r); !s) return s;
  if (auto s = WriteChange(placed.change, meta); !s) return s;
  ++counters_.placed;
  return Ok();
}

Outcome Executor::Do(PlaceOrder& c, const Meta& meta) {
  auto placed = Place(c, options_.allow_split);
  if (!placed) return {placed.take_error()};
  ORDO_TRY(WritePlacement(*placed, meta));
  std::int64_t units = 0;
  for (const auto& line : c.request.lines) units += line.quantity;
  state_.AddHold(placed->order.customer_id, units);
  return {Outcome::Value{std::move(placed->order)}, true};
}

// The original of a duplicate: the order an ERP order id or a callback was recorded with.
Result<std::optional<domain::Order>> Executor::Recorded(const std::string& scope, const std::string& ref) {
  auto known = tx_.GetExternalRef(scope, ref);
  if (!known) return known.take_error();
  if (!*known) return std::optional<domain::Order>();
  auto order = tx_.GetOrder(**known);
  if (!order) return order.take_error();
  if (!*order) return Error::Internal(scope + " " + ref + " is recorded for a missing order " + **known);
  return order;
}

Outcome Executor::Do(IntakeErpOrder& c, const Meta& meta) {
  const std::string scope = ErpScope(c.ref);
  const std::string& ref = c.place.request.external_id;
  auto original = Recorded(scope, ref);
  if (!original) return {original.take_error()};
  if (*original) return {Outcome::Value{std::move(**original)}, false};  // a duplicate changes nothing
  auto placed = Place(c.place, false);
  if (!placed) return {placed.take_error()};
  auto workflow = state_.Workflow();
  if (!workflow) return {workflow.take_error()};
  ORDO_TRY(domain::AcceptFromErp(*placed, **workflow, c.ref, now_, meta.principal));
  domain::HoldReservations(placed->order, placed->reservations);
  if (auto recorded = tx_.InsertExternalRef(scope, ref, placed->order.id, now_); !recorded) {
    if (recorded.error().code != Code::kAlreadyExists) return {recorded.take_error()};
    // Another writer recorded it first (the unique key is the backstop of the lock): its order stands.
    auto theirs = Recorded(scope, ref);
    if (!theirs) return {theirs.take_error()};
    // Not visible yet: the batch runs again (nothing of it was acknowledged) and then finds it.
    if (!*theirs) return {Error{Code::kUnavailable, store::kConflict, "ERP order " + ref + " is being recorded", "", {}}};
    return {Outcome::Value{std::move(**theirs)}, false};
  }
  ORDO_TRY(WritePlacement(*placed, meta));
  return {Outcome::Value{std::move(placed->order)}, true};
}

Outcome Executor::Do(ApplyWmsEvent& c, const Meta& meta) {
  WmsEventResult out{"duplicate", "", c.order_id, ""};
  auto original = Recorded(kWmsEventScope, c.callback.event_id);
  if (!original) return {original.take_error()};
  if (*original) {  // seen before: answered again, nothing changes
    out.order_id = (*original)->id;
    out.order_status = (*original)->status;
    return {Outcome::Value{std::move(out)}, false};
  }
  auto order = tx_.GetOrder(c.order_id);
  if (!order) return {order.take_error()};
  if (!order->has_value()) return {Error::NotFound("no order " + c.order_id, "/order_id")};
  domain::Order& o = **order;
  bool applied = false;
  auto change = Decided(o, true, meta, [&](domain::Order& x, auto& rs, const domain::Workflow& wf) -> Result<domain::Change> {
    auto decided = domain::ApplyWmsCallback(x, rs, wf, c.callback, now_, meta.principal);
    if (!decided) return decided.take_error();
    applied = decided->applied;
    out.reason = decided->reason;
    return std::move(decided->change);
  });
  if (!change) return {change.take_error()};
  ORDO_TRY(tx_.InsertExternalRef(kWmsEventScope, c.callback.event_id, o.id, now_));
  out.result = applied ? "applied" : "ignored";
  out.order_status = o.status;
  return {Outcome::Value{std::move(out)}, false};
}

Result<domain::Change> Executor::Decided(domain::Order& o, bool found, const Meta& meta, const Decide& decide) {
  auto reservations = tx_.ListReservations(o.id, "");
  if (!reservations) return reservations.take_error();
  for (const auto& r : *reservations)
    if (auto st = state_.Stock(r.location_id, r.sku); !st) return st.take_error();
  auto workflow = state_.Workflow();
  if (!workflow) return workflow.take_error();
  auto before = *reservations;
  auto change = decide(o, *reservations, **workflow);
  if (!change) return change;
  if (change->events.empty() && change->jobs.empty() && change->deltas.empty()) return change;
  if (found) domain::HoldReservations(o, *reservations);
  if (auto s = WriteResolved(before, *reservations); !s) return s.take_error();
  o.updated_at = now_;
  if (found)
    if (auto s = tx_.UpdateOrder(o); !s) return s.take_error();
  if (auto s = WriteChange(*change, meta); !s) return s.take_error();
  return change;
}

Outcome Executor::OnOrder(const std::string& order_id, const Meta& meta, const Decide& decide) {
  auto order = tx_.GetOrder(order_id);
  if (!order) return {order.take_error()};
  if (!order->has_value()) return {Error::NotFound("no order " + order_id)};
  domain::Order& o = **order;
  auto change = Decided(o, true, meta, decide);
  if (!change) return {change.take_error()};
  return {Outcome::Value{std::move(o)}, false};
}

Outcome Executor::Do(CancelOrder& c, const Meta& meta) {
  return OnOrder(c.order_id, meta, [&](domain::Order& o, auto& rs, const domain::Workflow& wf) {
    return domain::Cancel(o, rs, wf, c.reason, now_, meta.principal);
  });
}

Outcome Executor::Do(ConfirmOrder& c, const Meta& meta) {
  return OnOrder(c.order_id, meta, [&](domain::Order& o, auto&, const domain::Workflow& wf) {
    return domain::Confirm(o, wf, now_, meta.principal);
  });
}

Outcome Executor::Do(PayOrder& c, const Meta& meta) {
  return OnOrder(c.order_id, meta, [&](domain::Order& o, auto&, const domain::Workflow& wf) {
    return domain::RequestPayment(o, wf, c.request, now_);
  });
}

Outcome Executor::Do(ShipOrder& c, const Meta& meta) {
  return OnOrder(c.order_id, meta, [&](domain::Order& o, auto& rs, const domain::Workflow& wf) {
    return domain::Ship(o, rs, wf, c.carrier, c.tracking, now_, meta.principal);
  });
}

Outcome Executor::Do(DeliverOrder& c, const Meta& meta) {
  return OnOrder(c.order_id, meta, [&](domain::Order& o, auto&, const domain::Workflow& wf) {
    return domain::Deliver(o, wf, now_, meta.principal);
  });
}

Outcome Executor::Do(RefundOrder& c, const Meta& meta) {
  return OnOrder(c.order_id, meta, [&](domain::Order& o, auto&, const domain::Workflow&) {
    return domain::RequestRefund(o, c.request, now_);
  });
}

Outcome Executor::Do(SetOrderStatus& c, const Meta& meta) {
  return OnOrder(c.order_id, meta, [&](domain::Order& o, auto& rs, const domain::Workflow& wf) {
    return domain::TransitionTo(o, rs, wf, c.status, now_, meta.principal);
  });
}

Outcome Executor::Do(PutWorkflow& c, const Meta& meta) {
  ORDO_TRY(domain::ValidateWorkflow(c.workflow));
  auto current = tx_.GetConfig("workflow");
  if (!current) return {current.take_error()};
  std::int64_t version = *current ? (*current)->version : 1;  // the built-in default is version 1
  if (c.expected_version && *c.expected_version != version)
    return {Error::Precondition("version-conflict", "the workflow is at version " + std::to_string(version) +
                                                        ", not " + std::to_string(*c.expected_version))};
  c.workflow.version = version + 1;
  store::ConfigDoc doc{"workflow", c.workflow.version, store::EncodeWorkflow(c.workflow), now_};
  if (!*current) {  // the first stored workflow follows the built-in version 1
    store::ConfigDoc first{"workflow", 1, store::EncodeWorkflow(domain::DefaultWorkflow()), now_};
    ORDO_TRY(tx_.PutConfig(first));
  }
  ORDO_TRY(tx_.PutConfig(doc));
  state_.SetWorkflow(c.workflow);
  domain::Event e{"config.workflow_changed", "", {}};
  e.With("version", c.workflow.version).With("actor", meta.principal)
      .With("statuses", static_cast<std::int64_t>(c.workflow.statuses.size()))
      .With("transitions", static_cast<std::int64_t>(c.workflow.transitions.size()));
  ORDO_TRY(AppendEvents({e}, meta));
  return {Outcome::Value{doc}, false};
}

Outcome Executor::Do(PutConfigDoc& c, const Meta& meta) {
  auto current = tx_.GetConfig(c.name);
  if (!current) return {current.take_error()};
  std::int64_t version = *current ? (*current)->version : 0;
  if (c.expected_version && *c.expected_version != version)
    return {Error::Precondition("version-conflict", "the " + c.name + " is at version " + std::to_string(version) +
                                                        ", not " + std::to_string(*c.expected_version))};
  store::ConfigDoc doc{c.name, version + 1, c.body, now_};
  ORDO_TRY(tx_.PutConfig(doc));
  domain::Event e{"config." + c.name + "_changed", "", {}};
  e.With("version", doc.version).With("actor", meta.principal);
  ORDO_TRY(AppendEvents({e}, meta));
  return {Outcome::Value{doc}, false};
}

Status Executor::StoreSubscriptions(std::vector<domain::Subscription> subs, const Meta& meta, const char* change,
                                    const std::string& id) {
  std::int64_t version = state_.subscriptions_version() + 1;
  if (auto s = tx_.PutConfig({"webhooks", version, store::EncodeSubscriptions(subs), now_}); !s) return s;
  state_.SetSubscriptions(std::move(subs), version);
  domain::Event e{change, "", {}};
  e.With("subscription_id", id).With("actor", meta.principal);
  return AppendEvents({e}, meta);
}

Outcome Executor::Do(PutSubscription& c, const Meta& meta) {
  auto current = state_.Subscriptions();
  if (!current) return {current.take_error()};
  std::vector<domain::Subscription> subs = **current;
  bool created = true;
  for (auto& s : subs)
    if (s.id == c.subscription.id) s = c.subscription, created = false;
  if (created) {
    if (subs.size() >= domain::kMaxSubscriptions)
      return {Error::Precondition("too-many-subscriptions", "at most 100 webhook subscriptions")};
    c.subscription.created_at = now_;
    subs.push_back(c.subscription);
  }
  ORDO_TRY(StoreSubscriptions(std::move(subs), meta, created ? "webhook.subscribed" : "webhook.updated",
                              c.subscription.id));
  return {Outcome::Value{c.subscription}, created};
}

Outcome Executor::Do(DeleteSubscription& c, const Meta& meta) {
  auto current = state_.Subscriptions();
  if (!current) return {current.take_error()};
  std::vector<domain::Subscription> subs = **current;
  auto gone = std::find_if(subs.begin(), subs.end(), [&](const auto& s) { return s.id == c.id; });
  if (gone == subs.end()) return {Error::NotFound("no webhook subscription " + c.id)};
  domain::Subscription removed = *gone;
  subs.erase(gone);
  ORDO_TRY(StoreSubscriptions(std::move(subs), meta, "webhook.unsubscribed", c.id));
  return {Outcome::Value{removed}, false};
}

Outcome Executor::Do(ExpireReservations&, const Meta& meta) {
  std::int64_t expired_orders = 0;
  for (const std::string& id : state_.claimed_for_expiry()) {
    auto order = tx_.GetOrder(id);
    if (!order) return {order.take_error()};
    domain::Order placeholder;
    bool found = order->has_value();
    domain::Order& o = found ? **order : placeholder;
    if (!found) {  // reservations of an unknown order: expire them all the same
      placeholder.id = id;
      placeholder.status = "unknown";
    }
    auto change = Decided(o, found, meta, [&](domain::Order& x, auto& rs, const domain::Workflow& wf) {
      return Result<domain::Change>(domain::ExpireOrder(x, rs, wf, now_));
    });
    if (!change) return {change.take_error()};
    if (!change->events.empty()) ++expired_orders;
  }
  return {Outcome::Value{expired_orders}, false};
}

Outcome Executor::Do(ClaimJobs& c, const Meta&) {
  auto claimed = tx_.ClaimJobs(c.kinds, c.limit, now_, now_ + c.lease_ms, c.owner);
  if (!claimed) return {claimed.take_error()};
  return {Outcome::Value{std::move(*claimed)}, false};
}

Outcome Executor::Do(CompleteJob& c, const Meta& meta) {
  auto found = tx_.GetJob(c.job_id);
  if (!found) return {found.take_error()};
  if (!found->has_value()) return {Error::NotFound("no job " + c.job_id)};
  store::Job job = std::move(**found);
  const JobResult& r = c.result;
  using Kind = JobResult::Kind;
  static constexpr const char* kOutcome[] = {"done", "declined", "failed", "retry", "exhausted"};
  store::JobAttempt attempt{job.id, c.attempt, c.started_at, now_, kOutcome[static_cast<int>(r.kind)], r.http_status,
                            r.error};
  // A result from a claim that is no longer the job's (its lease ran out and
  // another runner took it over, or it was finished meanwhile) goes to the
  // log only: the current claim decides.
  if (job.state != store::job_state::kRunning || job.attempts != c.attempt || job.owner != c.owner) {
    attempt.outcome = std::string("stale:") + attempt.outcome;
    ORDO_TRY(tx_.InsertJobAttempt(attempt));
    return {Outcome::Value{std::move(job)}, false};
  }
  ORDO_TRY(tx_.InsertJobAttempt(attempt));
  counters_.job_attempts.emplace_back(job.kind, attempt.outcome);
  if (job.kind == domain::action::kWmsPush && r.kind == Kind::kDone)
    counters_.wms_synced.push_back(static_cast<double>(now_ - job.created_at) / 1000.0);
  job.updated_at = now_;
  job.owner.clear();
  job.lease_until = 0;
  job.last_error = r.error;
  switch (r.kind) {
    case Kind::kDone:
    case Kind::kDeclined:
      job.state = store::job_state::kDone;
      break;
    case Kind::kRetry: {
      job.state = store::job_state::kQueued;
      job.run_at = r.retry_at;
      ++counters_.jobs_queued;
      domain::Event e{"job.attempt_failed", job.order_id, {}};
      e.With("job_id", job.id).With("kind", job.kind).With("attempt", std::int64_t{c.attempt}).With("error", r.error)
          .With("retry_at", FormatTimestamp(r.retry_at));
      ORDO_TRY(JobEvent(job, std::move(e), meta));
      break;
    }
    case Kind::kFailed:
    case Kind::kExhausted: {
      job.state = store::job_state::kDead;
      domain::Event e{"job.dead", job.order_id, {}};
      e.With("job_id", job.id).With("kind", job.kind).With("attempts", std::int64_t{job.attempts})
          .With("error", r.error);
      ORDO_TRY(JobEvent(job, std::move(e), meta));
      break;
    }
  }
  ORDO_TRY(tx_.UpdateJob(job));
  if (job.kind == domain::action::kWmsPush) {
    ORDO_TRY(ApplyWmsPushResult(job, c, meta));  // every attempt shows on the order's timeline
  } else if (r.kind == Kind::kDone || r.kind == Kind::kDeclined || r.kind == Kind::kFailed) {
    ORDO_TRY(ApplyJobResult(job, r, meta));
  }
  return {Outcome::Value{std::move(job)}, false};
}

Outcome Executor::Do(RetryJob& c, const Meta& meta) {
  auto found = tx_.GetJob(c.job_id);
  if (!found) return {found.take_error()};
  if (!found->has_value()) return {Error::NotFound("no job " + c.job_id)};
  store::Job job = std::move(**found);
  if (job.state != store::job_state::kDead)
    return {Error::Precondition("job-not-dead", "only a dead job can be retried; this one is " + job.state)};
  ORDO_TRY(Requeue(job, meta));
  if (job.kind == domain::action::kWmsPush) {
    Decide requeue = [&](domain::Order& o, auto&, const domain::Workflow&) {
      return Result<domain::Change>(domain::RequeueWmsPush(o, job.step, now_));
    };
    ORDO_TRY(OnJobOrder(job, meta, requeue));
  }
  return {Outcome::Value{std::move(job)}, false};
}

Status Executor::Requeue(store::Job& job, const Meta& meta) {
  job.state = store::job_state::kQueued;
  job.run_at = now_;
  job.max_attempts = job.attempts + options_.job_max_attempts;  // a fresh set of attempts
  job.updated_at = now_;
  if (auto s = tx_.UpdateJob(job); !s) return s;
  ++counters_.jobs_queued;
  domain::Event e{"job.retried", job.order_id, {}};
  e.With("job_id", job.id).With("kind", job.kind).With("actor", meta.principal);
  return JobEvent(job, std::move(e), meta);
}

namespace {
std::string Text(const std::vector<std::pair<std::string, domain::EventValue>>& data, const char* key) {
  for (const auto& [k, v] : data)
    if (k == key)
      if (auto* s = std::get_if<std::string>(&v)) return *s;
  return {};
}
std::int64_t Int(const std::vector<std::pair<std::string, domain::EventValue>>& data, const char* key) {
  for (const auto& [k, v] : data)
    if (k == key)
      if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
  return 0;
}
}  // namespace

Outcome Executor::Do(SweepStuck& c, const Meta& meta) {
  auto overdue = tx_.OverdueJobs(now_ - c.stuck_after_ms, c.limit);
  if (!overdue) return {overdue.take_error()};
  for (store::Job& job : *overdue) {
    bool lease_lost = job.state == store::job_state::kRunning;
    Timestamp since = lease_lost ? job.lease_until : job.run_at;
    std::string why = lease_lost ? "its runner's lease ran out (" + job.owner + ")" : "no runner took it";
    ORDO_TRY(tx_.InsertJobAttempt({job.id, job.attempts, since, now_, "stuck", 0, why}));
    counters_.job_attempts.emplace_back(job.kind, "stuck");
    if (lease_lost) {  // heal: back in the queue for any node's runner
      job.state = store::job_state::kQueued;
      job.run_at = now_;
      job.owner.clear();
      job.lease_until = 0;
      job.updated_at = now_;
      ORDO_TRY(tx_.UpdateJob(job));
      ++counters_.jobs_queued;
    }
    domain::Event e{"job.stuck", job.order_id, {}};
    e.With("job_id", job.id).With("kind", job.kind).With("reason", why).With("overdue_ms", now_ - since)
        .With("requeued", lease_lost);
    ORDO_TRY(JobEvent(job, std::move(e), meta));
  }
  return {Outcome::Value{static_cast<std::int64_t>(overdue->size())}, false};
}

Status Executor::ApplyJobResult(const store::Job& job, const JobResult& r, const Meta& meta) {
  using Kind = JobResult::Kind;
  Decide decide;
  if (job.kind == "payment.charge") {
    domain::PaymentResult p;
    p.outcome = r.kind == Kind::kDone       ? domain::PaymentResult::Outcome::kCaptured
                : r.kind == Kind::kDeclined ? domain::PaymentResult::Outcome::kDeclined
                                            : domain::PaymentResult::Outcome::kFailed;
    p.payment_id = Text(r.data, "payment_id");
    p.amount_minor = Int(r.data, "amount_minor");
    p.decline_code = Text(r.data, "decline_code");
    p.message = r.error;
    decide = [p, this](domain::Order& o, auto& rs, const domain::Workflow& wf) {
      return domain::ApplyPaymentResult(o, rs, wf, p, now_);
    };
  } else if (job.kind == "payment.refund") {
    std::int64_t amount = Int(store::DecodeValues(job.payload), "amount_minor");
    decide = [amount, &r, this](domain::Order& o, auto&, const domain::Workflow&) {
      return domain::ApplyRefundResult(o, amount, r.kind == Kind::kDone, r.error, now_);
    };
  } else if (job.kind == "payment.void") {
    decide = [&r, this](domain::Order& o, auto&, const domain::Workflow&) {
      return domain::ApplyVoidResult(o, r.kind == Kind::kDone, r.error, now_);
    };
  } else {
    return Ok();  // webhooks, e-mail: nothing to record on the order
  }
  return OnJobOrder(job, meta, decide);
}

Status Executor::ApplyWmsPushResult(const store::Job& job, const CompleteJob& c, const Meta& meta) {
  using Kind = JobResult::Kind;
  using Outcome = domain::WmsPushResult::Outcome;
  const JobResult& r = c.result;
  domain::WmsPushResult p;
  p.outcome = r.kind == Kind::kDone ? Outcome::kAcknowledged : r.kind == Kind::kRetry ? Outcome::kRetrying : Outcome::kFailed;
  p.attempt = c.attempt;
  p.http_status = r.http_status;
  p.permanent = r.kind == Kind::kFailed || r.kind == Kind::kDeclined;
  p.wms_order_id = Text(r.data, "wms_order_id");
  p.warehouse = Text(r.data, "warehouse");
  p.error = r.error;
  p.sent_at = c.started_at;
  p.retry_at = r.retry_at;
  return OnJobOrder(job, meta, [&](domain::Order& o, auto&, const domain::Workflow&) {
    return Result<domain::Change>(domain::ApplyWmsPushResult(o, p, now_));
  });
}

Status Executor::OnJobOrder(const store::Job& job, const Meta& meta, const Decide& decide) {
  if (job.order_id.empty()) return Ok();
  auto order = tx_.GetOrder(job.order_id);
  if (!order) return order.take_error();
  if (!order->has_value()) return Ok();
  auto change = Decided(**order, true, meta, decide);
  // A result the order no longer expects (a late duplicate) is only logged.
  if (!change && change.error().code != Code::kFailedPrecondition) return change.take_error();
  return Ok();
}

Outcome Executor::Do(ReconcileOrder& c, const Meta& meta) {
  using domain::reconcile::Heal;
  auto skipped = [](std::string why) { return Outcome{Outcome::Value{ReconcileResult{"skipped", std::move(why)}}, false}; };
  auto order = tx_.GetOrder(c.order_id);
  if (!order) return {order.take_error()};
  if (!order->has_value()) return skipped("the order is gone");
  domain::Order& o = **order;
  if (o.version != c.seen_version) return skipped("the order changed after it was compared");
  if (c.found.heal == Heal::kNone) {
    // Flagged before and nothing happened to the order since: not again on its timeline.
    auto events = tx_.OrderEvents(o.id);
    if (!events) return {events.take_error()};
    if (!events->empty() && events->back().type == "reconciliation.discrepancy_detected" &&
        Text(store::DecodeValues(events->back().data), "kind") == domain::reconcile::KindName(c.found.kind))
      return {Outcome::Value{ReconcileResult{"flagged", "on the order's timeline already"}}, false};
  }
  // The WMS does not hold it: a dead push job is queued again rather than a second one made.
  std::optional<store::Job> dead;
  if (c.found.heal == Heal::kRepush) {
    auto jobs = tx_.ListJobs({store::job_state::kDead, domain::action::kWmsPush, o.id, {1, ""}, ""});
    if (!jobs) return {jobs.take_error()};
    if (!jobs->items.empty()) dead = std::move(jobs->items.front());
  }
  ReconcileResult out{"flagged", ""};
  auto change = Decided(o, true, meta, [&](domain::Order& x, auto& rs, const domain::Workflow& wf) -> Result<domain::Change> {
    domain::Change all = domain::reconcile::RecordDiscrepancy(x, c.found, c.run_id, now_);
    auto add = [&all](domain::Change more) {
      for (auto& d : more.deltas) all.deltas.push_back(std::move(d));
      for (auto& e : more.events) all.events.push_back(std::move(e));
      for (auto& j : more.jobs) all.jobs.push_back(std::move(j));
    };
    switch (c.found.heal) {
      case Heal::kNone: break;
      case Heal::kRepush:
        add(dead ? domain::RequeueWmsPush(x, dead->step, now_, c.run_id)
                 : domain::RepushToWms(x, "wms.push-reconcile-" + c.run_id, c.run_id, now_));
        out = {"healed", dead ? "its dead push job " + dead->id + " is queued again" : "pushed to the WMS again"};
        break;
      case Heal::kApplyShipped:
      case Heal::kApplyDelivered: {
        // The WMS's state, as the callback that was lost would have told it.
        domain::WmsCallback cb{"reconcile-" + c.run_id + "-" + x.id, x.wms.order_id,
                               c.found.heal == Heal::kApplyShipped ? "shipped" : "delivered", c.found.carrier,
                               c.found.tracking, FormatTimestamp(now_)};
        auto applied = domain::ApplyWmsCallback(x, rs, wf, cb, now_, meta.principal);
        if (!applied) {
          out = {"failed", applied.error().message};
          break;
        }
        add(std::move(applied->change));
        out = applied->applied ? ReconcileResult{"healed", "the WMS's " + cb.status + " applied"}
                               : ReconcileResult{"failed", applied->reason};
        break;
      }
    }
    return all;
  });
  if (!change) return {change.take_error()};
  if (dead) ORDO_TRY(Requeue(*dead, meta));
  return {Outcome::Value{std::move(out)}, false};
}

Outcome Executor::Do(RecordReconciliation& c, const Meta&) {
  ORDO_TRY(tx_.InsertReconciliation(c.record));
  return {Outcome::Value{}, true};
}

Outcome Executor::Do(ClaimReconciliation& c, const Meta&) {
  auto claimed = tx_.InsertExternalRef("reconciliation-timer", c.slot, "", now_);
  if (!claimed && claimed.error().code != Code::kAlreadyExists) return {claimed.take_error()};
  return {Outcome::Value{std::int64_t{claimed ? 1 : 0}}, false};
}

Outcome Executor::Do(ResetDemo&, const Meta&) {
  ORDO_TRY(state_.Flush());  // what this batch changed before goes with the rest
  ORDO_TRY(tx_.ResetForDemo());
  state_.ForgetAll();
  return {Outcome::Value{}, false};
}

Outcome Executor::Do(PruneIdempotency&, const Meta&) {
  auto pruned = tx_.PruneIdempotency(now_ - options_.idempotency_ttl_ms);
  if (!pruned) return {pruned.take_error()};
  return {Outcome::Value{*pruned}, false};
}

}  // namespace ordo::engine
