#include "entrepot/sim/floor_model.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <functional>
#include <set>
#include <sstream>

#include "entrepot/core/events.h"
#include "entrepot/core/site.h"
#include "entrepot/domain/layout.h"
#include "entrepot/sim/site_at_start.h"

namespace entrepot::sim {
namespace {

// Two docks, two doors, 80 bins of 20 units, 12 products, 40 totes.
domain::Layout TestLayout() {
  std::ostringstream toml;
  toml << "[site]\ncode = \"FR-SIM1\"\nname = \"Simulated\"\n"
       << "[[zones]]\ncode = \"INB\"\nname = \"In\"\n[[zones]]\ncode = \"A\"\nname = \"A\"\n"
       << "[[zones]]\ncode = \"OUT\"\nname = \"Out\"\n";
  for (const char* dock : {"DOCK-01", "DOCK-02"}) {
    toml << "[[locations]]\ncode = \"" << dock << "\"\nzone = \"INB\"\ntype = \"dock\"\n";
  }
  for (const char* door : {"DOOR-01", "DOOR-02"}) {
    toml << "[[locations]]\ncode = \"" << door << "\"\nzone = \"OUT\"\ntype = \"outbound_door\"\n";
  }
  toml << "[[location_ranges]]\nzone = \"A\"\ntype = \"stow_bin\"\naisles = [1, 4]\n"
       << "bays = [1, 20]\nlevels = [1, 1]\ncapacity = 20\n";
  for (int i = 1; i <= 12; ++i) {
    std::string body = "950600000" + std::string(i < 10 ? "0" : "") + std::to_string(i) + "0";
    // GTIN-13 9506000000xx0 + check digit, computed by the layout parser's rules below.
    int sum = 0;
    for (size_t d = 0; d < 12; ++d)
      sum += (body[d] - '0') * (d % 2 == 0 ? 1 : 3);
    toml << "[[products]]\ngtin = \"" << body << (10 - sum % 10) % 10 << "\"\ndescription = \"P"
         << i << "\"\nhome_zone = \"A\"\n";
  }
  toml << "[[container_ranges]]\ntype = \"tote\"\nprefix = \"T\"\nfrom = 1\nto = 40\ndigits = 4\n";
  StatusOr<domain::Layout> layout = domain::ParseLayoutToml(toml.str());
  EXPECT_TRUE(layout.ok()) << layout.status().ToString();
  return layout.ok() ? *layout : domain::Layout{};
}

Scenario FreeScenario(uint64_t seed) {
  Scenario scenario;
  scenario.seed = seed;
  scenario.minutes = 120;
  scenario.directed_picking = false;
  scenario.receivers = 1;
  scenario.stowers = 2;
  scenario.pickers = 2;
  scenario.packers = 1;
  scenario.shippers = 1;
  scenario.trucks = 3;
  scenario.pallets_per_truck = 2;
  scenario.products_per_pallet = 3;
  scenario.units_per_product = 5;
  scenario.orders_per_hour = 60;
  scenario.wrong_bin = 0.05;
  scenario.wrong_unit = 0.05;
  scenario.damaged_label = 0.05;
  return scenario;
}

// Runs the model open-loop, feeding back its own predictions; returns every action.
std::vector<Action> RunOpenLoop(FloorModel& model) {
  std::vector<Action> actions;
  while (std::optional<Action> action = model.Next()) {
    model.Complete(action->id, FloorModel::Predicted(*action));
    actions.push_back(*action);
  }
  return actions;
}

// The site's decision on a scan action, as the model's result; the device is the model's
// handheld name after `device_prefix`.
Result Decide(core::Site& site, uint64_t& seq, const Action& action,
              const std::string& device_prefix = "") {
  core::ScanCommand command{action.scan_id, device_prefix + action.device,
                            *core::ParseMode(action.mode), action.code, action.at_ms};
  Result result;
  result.outcome = std::string(core::OutcomeName(site.Execute(command, seq++).entry.reply.outcome));
  return result;
}

// As a driver with several connections does: each action is performed when taken, and its
// result reaches the model only after `depth` - 1 more actions were taken.
void RunWithActionsInFlight(FloorModel& model, size_t depth,
                            const std::function<Result(const Action&)>& perform) {
  std::deque<std::pair<int64_t, Result>> in_flight;
  while (true) {
    std::optional<Action> action = in_flight.size() < depth ? model.Next() : std::nullopt;
    if (!action) {
      if (in_flight.empty())
        break;
      model.Complete(in_flight.front().first, in_flight.front().second);
      in_flight.pop_front();
      continue;
    }
    in_flight.emplace_back(action->id, perform(*action));
  }
}

std::string Describe(const Action& action) {
  return action.scan_id + " " + action.device + " " + action.mode + " " + action.code + " " +
         std::to_string(action.at_ms);
}

TEST(FloorModelTest, SameSeedGivesTheSameScansAndAnotherSeedOthers) {
  domain::Layout layout = TestLayout();
  auto stream = [&](uint64_t seed) {
    std::unique_ptr<FloorModel> model = *FloorModel::Create(layout, FreeScenario(seed));
    std::vector<std::string> lines;
    for (const Action& action : RunOpenLoop(*model))
      lines.push_back(Describe(action));
    return lines;
  };
  std::vector<std::string> first = stream(7);
  EXPECT_GT(first.size(), 500u);
  EXPECT_EQ(first, stream(7));
  EXPECT_NE(first, stream(8));
}

// The model's predictions are checked against the real decision logic: every scan of a
// free-picking shift goes through core::Site, whose outcome must be the predicted one, and
// at the end the site's stock equals the model's belief, holder by holder.
TEST(FloorModelTest, FreeShiftPredictionsMatchTheSiteAndSoDoesTheStock) {
  domain::Layout layout = TestLayout();
  core::Site site;
  std::vector<core::Entry> loaded = site.LoadLayout(layout, 1);
  uint64_t seq = loaded.size() + 1;
  std::unique_ptr<FloorModel> model = *FloorModel::Create(layout, FreeScenario(11));
  std::map<std::string, int> refusals;
  while (std::optional<Action> action = model->Next()) {
    ASSERT_EQ(action->kind, Action::Kind::kScan);
    Result result = Decide(site, seq, *action);
    if (result.outcome != "ok")
      ++refusals[result.outcome];
    model->Complete(action->id, result);
  }
  EXPECT_EQ(model->tally().surprises, 0)
      << ::testing::PrintToString(model->tally().surprise_examples);
  EXPECT_TRUE(model->Done());
  EXPECT_GT(refusals["bad_check_digit"], 0);
  EXPECT_GT(refusals["wrong_location"], 0);
  EXPECT_GT(model->tally().units_received, 0);
  EXPECT_GT(model->tally().orders_shipped, 0);
  EXPECT_EQ(
      model->tally().units_shipped, model->tally().units_packed - [&] {
        int64_t waiting = 0;
        for (const auto& [id, order] : model->orders()) {
          if (order.shipped == 0)
            waiting += order.packed;
        }
        return waiting;
      }());

  for (const auto& [holder, items] : model->stock()) {
    domain::Holder where{holder.find(':') == std::string::npos ? domain::Holder::Kind::kLocation
                                                               : domain::Holder::Kind::kContainer,
                         holder};
    std::map<Item, int64_t> actual;
    for (const auto& [key, units] : site.state().StockIn(where)) {
      // The site keeps expiry dates as YYYY-MM-DD; the model as scanned, YYMMDD.
      actual[{key.gtin, key.lot, ModelExpiry(key.expiry)}] += units;
    }
    EXPECT_EQ(actual, items) << holder;
  }
  for (const std::string& parcel : model->shipped_containers()) {
    EXPECT_TRUE(site.state().StockIn({domain::Holder::Kind::kContainer, parcel}).empty());
  }
}

// As a driver with several connections does: each action is decided by the site when taken,
// its result reaches the model only after three more actions were taken.
TEST(FloorModelTest, ActionsInFlightKeepPredictionsAndStockRight) {
  domain::Layout layout = TestLayout();
  core::Site site;
  uint64_t seq = site.LoadLayout(layout, 1).size() + 1;
  std::unique_ptr<FloorModel> model = *FloorModel::Create(layout, FreeScenario(13));
  int64_t scans = 0;
  RunWithActionsInFlight(*model, 4, [&](const Action& action) {
    ++scans;
    return Decide(site, seq, action);
  });
  EXPECT_TRUE(model->Done());
  EXPECT_GT(scans, 500);
  EXPECT_GT(model->tally().orders_shipped, 0);
  EXPECT_EQ(model->tally().surprises, 0)
      << ::testing::PrintToString(model->tally().surprise_examples);
}

// Receivers must not idle through the shift while the truck's announcement (ASN) that
// gives them work is still in flight.
TEST(FloorModelTest, WorkersWaitForTheCallThatGivesThemWork) {
  Scenario scenario = FreeScenario(17);
  scenario.directed_picking = true;
  std::unique_ptr<FloorModel> model = *FloorModel::Create(TestLayout(), scenario);
  int64_t received = 0;
  RunWithActionsInFlight(*model, 4, [&](const Action& action) {
    if (action.mode == "receive" && action.code.starts_with("]d2"))
      ++received;
    return action.kind == Action::Kind::kTakeTask ? Result{"no_work", {}}
                                                  : FloorModel::Predicted(action);
  });
  EXPECT_GT(received, 10);
  EXPECT_GT(model->tally().units_stowed, 0);
}

TEST(FloorModelTest, DirectedShiftStartsWithCarriersAndAsksForTasks) {
  Scenario scenario = FreeScenario(3);
  scenario.directed_picking = true;
  std::unique_ptr<FloorModel> model = *FloorModel::Create(TestLayout(), scenario);
  std::optional<Action> first = model->Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->kind, Action::Kind::kDefineCarrier);
  EXPECT_EQ(first->carrier, "CARRIER");
  EXPECT_EQ(first->doors, (std::vector<std::string>{"DOOR-01", "DOOR-02"}));
  model->Complete(first->id, FloorModel::Predicted(*first));
  bool asked = false;
  for (int i = 0; i < 200 && !asked; ++i) {
    std::optional<Action> action = model->Next();
    ASSERT_TRUE(action.has_value());
    asked = action->kind == Action::Kind::kTakeTask;
    Result result = FloorModel::Predicted(*action);
    if (asked)
      result.outcome = "no_work";
    model->Complete(action->id, result);
  }
  EXPECT_TRUE(asked);
  EXPECT_EQ(model->tally().surprises, 0);
}

// A picker told there is no work asks again after a while, not at once: a shift of idle
// pickers is a few requests a minute each, not a flood.
TEST(FloorModelTest, PickersWithoutWorkAskAgainAfterAWhile) {
  Scenario scenario = FreeScenario(3);
  scenario.directed_picking = true;
  scenario.minutes = 30;
  scenario.trucks = 0;  // Nothing ever arrives: nothing to pick all shift.
  std::unique_ptr<FloorModel> model = *FloorModel::Create(TestLayout(), scenario);
  int64_t asks = 0;
  while (std::optional<Action> action = model->Next()) {
    Result result = FloorModel::Predicted(*action);
    if (action->kind == Action::Kind::kTakeTask) {
      result.outcome = "no_work";
      ++asks;
    }
    model->Complete(action->id, result);
  }
  // Two pickers, one ask per 30 s, for the 15 minutes before their 20-minute break at
  // mid-shift: about 60 (asking at once would be about 1,800).
  EXPECT_GE(asks, 50);
  EXPECT_LE(asks, 2 * 62);
}

TEST(FloorModelTest, LayoutWithoutADockIsRefused) {
  domain::Layout layout = TestLayout();
  std::erase_if(layout.locations, [](const domain::Location& location) {
    return location.type == domain::LocationType::kDock;
  });
  StatusOr<std::unique_ptr<FloorModel>> model = FloorModel::Create(layout, FreeScenario(1));
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().reason(), "bad_scenario");
  EXPECT_NE(model.status().message().find("no dock"), std::string::npos);
}

TEST(FloorModelTest, CarrierAtAnUnknownDoorIsRefused) {
  Scenario scenario = FreeScenario(1);
  scenario.carriers.push_back({"DPD", {"DOOR-99"}, {scenario.end_ms()}});
  StatusOr<std::unique_ptr<FloorModel>> model = FloorModel::Create(TestLayout(), scenario);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("DOOR-99"), std::string::npos);
}

// The test layout's totes label:T0001 ... label:T<last>.
std::set<std::string> TotesUpTo(int last) {
  std::set<std::string> totes;
  for (int i = 1; i <= last; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "label:T%04d", i);
    totes.insert(id);
  }
  return totes;
}

// Runs the model open-loop and counts the totes its pickers scan, each expected to be T0040.
int PickToteScansAllIntoT0040(FloorModel& model) {
  int scans = 0;
  for (const Action& action : RunOpenLoop(model)) {
    if (action.mode == "pick" && action.code.starts_with("C.")) {
      EXPECT_TRUE(action.code.starts_with("C.T0040.")) << action.code;
      ++scans;
    }
  }
  return scans;
}

TEST(FloorModelTest, TotesInUseAreLeftAlone) {
  SiteAtStart at_start;
  at_start.totes_in_use = TotesUpTo(39);
  std::unique_ptr<FloorModel> model = *FloorModel::Create(TestLayout(), FreeScenario(5), at_start);
  // The one free tote, used again once packed out.
  EXPECT_GT(PickToteScansAllIntoT0040(*model), 1);
  at_start.totes_in_use.insert("label:T0040");
  StatusOr<std::unique_ptr<FloorModel>> none =
      FloorModel::Create(TestLayout(), FreeScenario(5), at_start);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no free tote"), std::string::npos);
}

// Every tote in use, one of them waiting to be packed (where a shift that picked faster than
// it packed stops): the next shift starts, packs it, and picks into it again.
TEST(FloorModelTest, ShiftStartsWithEveryToteInUseWhenOneWaitsToBePacked) {
  SiteAtStart at_start;
  at_start.totes_in_use = TotesUpTo(40);
  const Item item{TestLayout().products.front().gtin, "L1", "271231"};
  at_start.stock["label:T0040"][item] = 2;
  at_start.open_orders["O-1"].lines.push_back({item.gtin, 2});
  at_start.open_orders["O-1"].units = 2;
  at_start.open_orders["O-1"].picked = 2;
  at_start.totes_to_pack.emplace_back("O-1", "label:T0040");
  StatusOr<std::unique_ptr<FloorModel>> model =
      FloorModel::Create(TestLayout(), FreeScenario(5), at_start);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_GT(PickToteScansAllIntoT0040(**model), 0);
}

// A shift stopped halfway, then the next shift on the same site: it starts from what the
// site holds (bins, pallets left at the docks, totes in use) and meets no surprise.
TEST(FloorModelTest, NextShiftCarriesOnFromWhatTheSiteHolds) {
  domain::Layout layout = TestLayout();
  core::Site site;
  uint64_t seq = site.LoadLayout(layout, 1).size() + 1;
  // Each shift's handhelds are other devices (as the demo's runs are: DEMO1-R01, DEMO2-R01,
  // ...), so no scan sequence a handheld left half-done is carried into the next shift.
  auto run = [&](FloorModel& model, int64_t max_actions, const std::string& devices) {
    for (int64_t n = 0; n < max_actions; ++n) {
      std::optional<Action> action = model.Next();
      if (!action)
        break;
      model.Complete(action->id, Decide(site, seq, *action, devices));
    }
  };
  std::unique_ptr<FloorModel> first = *FloorModel::Create(layout, FreeScenario(21));
  run(*first, 400, "DAY1-");  // Stopped mid-shift: pallets half stowed, totes half picked.
  SiteAtStart at_start = ReadSiteAtStart(site.state());
  EXPECT_FALSE(at_start.stock.empty());
  Scenario next_day = FreeScenario(22);
  next_day.MoveStart(next_day.start_ms + 86'400'000);
  std::unique_ptr<FloorModel> second = *FloorModel::Create(layout, next_day, at_start);
  run(*second, 1'000'000, "DAY2-");
  EXPECT_TRUE(second->Done());
  EXPECT_EQ(second->tally().surprises, 0)
      << ::testing::PrintToString(second->tally().surprise_examples);
  EXPECT_GT(second->tally().units_stowed, 0);
  for (const auto& [holder, items] : second->stock()) {
    domain::Holder where{holder.find(':') == std::string::npos ? domain::Holder::Kind::kLocation
                                                               : domain::Holder::Kind::kContainer,
                         holder};
    int64_t believed = 0;
    int64_t held = 0;
    for (const auto& [item, units] : items)
      believed += units;
    for (const auto& [key, units] : site.state().StockIn(where))
      held += units;
    EXPECT_EQ(believed, held) << holder;
  }
}

TEST(FloorModelTest, MovingTheStartMovesTheCutoffs) {
  Scenario scenario = FreeScenario(1);
  scenario.carriers.push_back({"DPD", {"DOOR-01"}, {scenario.start_ms + 3'600'000}});
  scenario.MoveStart(scenario.start_ms + 86'400'000);
  EXPECT_EQ(scenario.carriers[0].cutoffs_ms[0], scenario.start_ms + 3'600'000);
}

}  // namespace
}  // namespace entrepot::sim
