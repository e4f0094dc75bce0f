#include "domain/workflow/workflow.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace ordo::domain {
namespace {

std::string Pointer(const Status& s) { return s.ok() ? "ok" : s.error().pointer; }

std::size_t IndexOf(const Workflow& w, const std::string& name) {
  for (std::size_t i = 0; i < w.statuses.size(); ++i)
    if (w.statuses[i].name == name) return i;
  ADD_FAILURE() << "no status " << name;
  return 0;
}

// Appends a transition and returns the pointer of its `end` (0 from, 1 to).
std::string AddEdge(Workflow& w, std::string from, std::string to, int end) {
  w.transitions.emplace_back(std::move(from), std::move(to));
  return "/transitions/" + std::to_string(w.transitions.size() - 1) + "/" + std::to_string(end);
}

void RemoveEdge(Workflow& w, const std::string& from, const std::string& to) {
  auto it = std::find(w.transitions.begin(), w.transitions.end(), std::pair(from, to));
  ASSERT_NE(it, w.transitions.end()) << from << " → " << to;
  w.transitions.erase(it);
}

// Drops a status and every transition that names it.
void RemoveStatus(Workflow& w, const std::string& name) {
  std::erase_if(w.statuses, [&](const StatusDef& s) { return s.name == name; });
  std::erase_if(w.transitions, [&](const auto& t) { return t.first == name || t.second == name; });
}

TEST(WorkflowTest, EffectsParseAndFormat) {
  for (Effect e : {Effect::kNone, Effect::kConfirm, Effect::kPay, Effect::kShip, Effect::kDeliver, Effect::kCancel,
                   Effect::kFail, Effect::kExpire}) {
    Effect parsed = Effect::kNone;
    ASSERT_TRUE(ParseEffect(ToString(e), &parsed)) << ToString(e);
    EXPECT_EQ(parsed, e);
  }
  EXPECT_STREQ(ToString(Effect::kExpire), "expire");
  Effect untouched = Effect::kShip;
  EXPECT_FALSE(ParseEffect("Ship", &untouched));
  EXPECT_FALSE(ParseEffect("", &untouched));
  EXPECT_EQ(untouched, Effect::kShip);
}

TEST(WorkflowTest, DefaultWorkflowIsValidAndHasTheDocumentedEdges) {
  Workflow w = DefaultWorkflow();
  ASSERT_TRUE(ValidateWorkflow(w).ok()) << ValidateWorkflow(w).error().message;
  EXPECT_EQ(w.initial, "pending");
  EXPECT_TRUE(w.Allows("pending", "confirmed"));
  EXPECT_TRUE(w.Allows("pending", "paid"));
  EXPECT_TRUE(w.Allows("confirmed", "paid"));
  EXPECT_TRUE(w.Allows("paid", "fulfilling"));
  EXPECT_TRUE(w.Allows("paid", "shipped"));
  EXPECT_TRUE(w.Allows("fulfilling", "shipped"));
  EXPECT_TRUE(w.Allows("shipped", "delivered"));
  EXPECT_TRUE(w.Allows("paid", "cancelled"));
  EXPECT_FALSE(w.Allows("fulfilling", "cancelled"));  // the warehouse has it
  EXPECT_FALSE(w.Allows("shipped", "cancelled"));
  EXPECT_FALSE(w.Allows("paid", "expired"));  // paid orders never expire
  EXPECT_FALSE(w.Allows("paid", "failed"));
  EXPECT_FALSE(w.Allows("pending", "shipped"));
  EXPECT_FALSE(w.Allows("delivered", "pending"));
  EXPECT_EQ(w.Find("fulfilling")->actions, std::vector<std::string>{"wms.push"});
  EXPECT_EQ(w.Find("shipped")->effect, Effect::kShip);
  EXPECT_EQ(w.Find("nope"), nullptr);
}

TEST(WorkflowTest, TerminalAndSuccessors) {
  Workflow w = DefaultWorkflow();
  for (const char* s : {"delivered", "cancelled", "failed", "expired"}) EXPECT_TRUE(w.Terminal(s)) << s;
  for (const char* s : {"pending", "confirmed", "paid", "fulfilling", "shipped"}) EXPECT_FALSE(w.Terminal(s)) << s;
  EXPECT_FALSE(w.Terminal("unknown"));
  EXPECT_EQ(w.Successors("paid"), (std::vector<std::string>{"fulfilling", "shipped", "cancelled"}));
  EXPECT_TRUE(w.Successors("delivered").empty());
}

TEST(WorkflowTest, ConfigurationMayRelabelAddAndRestrict) {
  Workflow w = DefaultWorkflow();
  w.statuses[IndexOf(w, "paid")].label = "Bezahlt";
  w.statuses[IndexOf(w, "paid")].actions = {"email", "webhook"};
  // An on-hold loop before payment and a custom status that ships.
  w.statuses.push_back({"on_hold", "On hold", Effect::kNone, {"email"}});
  w.statuses.push_back({"dispatched", "Dispatched", Effect::kShip, {"webhook"}});
  AddEdge(w, "confirmed", "on_hold", 0);
  AddEdge(w, "on_hold", "confirmed", 0);
  AddEdge(w, "fulfilling", "dispatched", 0);
  AddEdge(w, "dispatched", "delivered", 0);
  RemoveEdge(w, "pending", "paid");  // confirmation becomes mandatory
  EXPECT_TRUE(ValidateWorkflow(w).ok()) << ValidateWorkflow(w).error().message;

  // confirmed is optional: a shop without seller confirmation.
  Workflow no_confirm = DefaultWorkflow();
  RemoveStatus(no_confirm, "confirmed");
  EXPECT_TRUE(ValidateWorkflow(no_confirm).ok()) << ValidateWorkflow(no_confirm).error().message;
}

TEST(WorkflowTest, StatusNamesAreCheckedWhereTheClientSentThem) {
  Workflow w = DefaultWorkflow();
  w.statuses[3].name = "Fulfilling";
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses/3/name");
  w.statuses[3].name = "";
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses/3/name");
  w.statuses[3].name = "9lives";
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses/3/name");
  w.statuses[3].name = "with-dash";
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses/3/name");
  w.statuses[3].name = std::string(65, 'a');
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses/3/name");
  w.statuses[3].name = "paid";  // a duplicate
  auto dup = ValidateWorkflow(w);
  EXPECT_EQ(Pointer(dup), "/statuses/3/name");
  EXPECT_NE(dup.error().message.find("twice"), std::string::npos);
  w.statuses[3].name = std::string(64, 'a');  // the longest name is fine
  std::replace(w.transitions.begin(), w.transitions.end(), std::pair<std::string, std::string>("paid", "fulfilling"),
               std::pair<std::string, std::string>("paid", std::string(64, 'a')));
  std::replace(w.transitions.begin(), w.transitions.end(),
               std::pair<std::string, std::string>("fulfilling", "shipped"),
               std::pair<std::string, std::string>(std::string(64, 'a'), "shipped"));
  EXPECT_TRUE(ValidateWorkflow(w).ok()) << ValidateWorkflow(w).error().message;

  w = DefaultWorkflow();
  w.statuses[1].label = "Con\nfirmed";
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses/1/label");
}

TEST(WorkflowTest, TransitionsNameKnownStatusesOnce) {
  Workflow w = DefaultWorkflow();
  std::string p = AddEdge(w, "limbo", "paid", 0);
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), p);
  w = DefaultWorkflow();
  p = AddEdge(w, "pending", "limbo", 1);
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), p);
  w = DefaultWorkflow();
  p = AddEdge(w, "confirmed", "confirmed", 1);
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), p);
  w = DefaultWorkflow();
  AddEdge(w, "pending", "confirmed", 0);
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/transitions/" + std::to_string(w.transitions.size() - 1));
}

TEST(WorkflowTest, SystemStatusesKeepTheirEffects) {
  Workflow w = DefaultWorkflow();
  RemoveStatus(w, "expired");
  auto missing = ValidateWorkflow(w);
  EXPECT_EQ(Pointer(missing), "/statuses");
  EXPECT_NE(missing.error().message.find("expired"), std::string::npos);

  w = DefaultWorkflow();
  w.statuses[IndexOf(w, "shipped")].effect = Effect::kNone;  // shipping that commits no stock
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses/" + std::to_string(IndexOf(w, "shipped")) + "/effect");
  w = DefaultWorkflow();
  w.statuses[IndexOf(w, "confirmed")].effect = Effect::kNone;
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses/1/effect");

  // A custom status may not take a system effect.
  for (Effect e : {Effect::kPay, Effect::kCancel, Effect::kFail, Effect::kExpire, Effect::kDeliver, Effect::kConfirm}) {
    w = DefaultWorkflow();
    w.statuses.push_back({"custom", "", e, {}});
    AddEdge(w, "pending", "custom", 1);
    EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses/9/effect") << ToString(e);
  }
}

TEST(WorkflowTest, InitialStatusExistsWithEffectNone) {
  Workflow w = DefaultWorkflow();
  w.initial = "draft";
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/initial");
  w.initial = "confirmed";
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/initial");
  // Another initial status with effect none that leads to pending is fine.
  w = DefaultWorkflow();
  w.statuses.push_back({"draft", "Draft", Effect::kNone, {}});
  w.initial = "draft";
  AddEdge(w, "draft", "pending", 0);
  EXPECT_TRUE(ValidateWorkflow(w).ok()) << ValidateWorkflow(w).error().message;
}

TEST(WorkflowTest, TerminalStatusesHaveNoWayOut) {
  for (const char* terminal : {"delivered", "cancelled", "failed", "expired"}) {
    Workflow w = DefaultWorkflow();
    w.statuses.push_back({"archived", "", Effect::kNone, {}});
    std::string p = AddEdge(w, terminal, "archived", 0);
    EXPECT_EQ(Pointer(ValidateWorkflow(w)), p) << terminal;
  }
}

TEST(WorkflowTest, NothingAfterShippingTakesOrGivesUpMoneyOrShipsAgain) {
  for (const char* target : {"paid", "cancelled", "failed", "expired"}) {
    Workflow w = DefaultWorkflow();
    std::string p = AddEdge(w, "shipped", target, 1);
    EXPECT_EQ(Pointer(ValidateWorkflow(w)), p) << target;
  }
  // Reachable after shipping through a custom status still counts.
  Workflow w = DefaultWorkflow();
  w.statuses.push_back({"in_transit", "", Effect::kNone, {}});
  AddEdge(w, "shipped", "in_transit", 0);
  std::string p = AddEdge(w, "in_transit", "cancelled", 1);
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), p);
  // A second ship would commit the stock twice.
  w = DefaultWorkflow();
  w.statuses.push_back({"dispatched", "", Effect::kShip, {}});
  AddEdge(w, "paid", "dispatched", 0);
  p = AddEdge(w, "dispatched", "shipped", 1);
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), p);
}

TEST(WorkflowTest, DeliveryFollowsShipping) {
  Workflow w = DefaultWorkflow();
  std::string p = AddEdge(w, "paid", "delivered", 0);  // delivered with its stock still reserved
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), p);
}

TEST(WorkflowTest, EveryStatusIsReachable) {
  Workflow w = DefaultWorkflow();
  RemoveEdge(w, "pending", "failed");
  RemoveEdge(w, "confirmed", "failed");
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses/" + std::to_string(IndexOf(w, "failed")) + "/name");
  w = DefaultWorkflow();
  w.statuses.push_back({"orphan", "", Effect::kNone, {}});
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses/9/name");
}

TEST(WorkflowTest, ActionsAreKnownAndFew) {
  Workflow w = DefaultWorkflow();
  w.statuses[2].actions = {"email", "sms"};
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses/2/actions/1");
  w.statuses[2].actions = {"payment.capture"};  // implied by pay, never bound
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses/2/actions/0");
  w.statuses[2].actions = {"email", "webhook", "email"};
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses/2/actions/2");
  w.statuses[2].actions = std::vector<std::string>(9, "email");
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses/2/actions");
  EXPECT_TRUE(IsKnownAction("wms.push"));
  EXPECT_FALSE(IsKnownAction("WMS.push"));
}

TEST(WorkflowTest, SizesAreBounded) {
  Workflow w = DefaultWorkflow();
  while (w.statuses.size() <= kMaxWorkflowStatuses) {
    std::string name = "extra_" + std::to_string(w.statuses.size());
    w.statuses.push_back({name, "", Effect::kNone, {}});
    w.transitions.emplace_back("pending", name);
  }
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/statuses");
  w.statuses.pop_back();
  w.transitions.pop_back();
  EXPECT_TRUE(ValidateWorkflow(w).ok()) << ValidateWorkflow(w).error().message;  // 64 is the limit

  w = DefaultWorkflow();
  while (w.transitions.size() <= kMaxWorkflowTransitions) w.transitions.emplace_back("pending", "confirmed");
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/transitions");
  w = DefaultWorkflow();
  w.version = 0;
  EXPECT_EQ(Pointer(ValidateWorkflow(w)), "/version");
  EXPECT_EQ(Pointer(ValidateWorkflow(Workflow{})), "/statuses");
}

TEST(WorkflowTest, PatchMayNotReachPayFailOrExpire) {
  Workflow w = DefaultWorkflow();
  for (const char* s : {"pending", "confirmed", "fulfilling", "shipped", "delivered", "cancelled"})
    EXPECT_TRUE(SettableByPatch(*w.Find(s))) << s;
  for (const char* s : {"paid", "failed", "expired"}) EXPECT_FALSE(SettableByPatch(*w.Find(s))) << s;
}

}  // namespace
}  // namespace ordo::domain
