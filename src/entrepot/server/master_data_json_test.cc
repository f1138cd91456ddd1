#include "entrepot/server/master_data_json.h"

#include <string>
#include <vector>

#include "entrepot/core/site.h"
#include "entrepot/core/site_test_util.h"
#include "gtest/gtest.h"

namespace entrepot::server {
namespace {

using nlohmann::json;

template <typename T>
T Parsed(MasterDataKind kind, std::string_view id, std::string_view body) {
  StatusOr<core::MasterDataChange> change = ParseMasterDataChange(kind, id, body);
  EXPECT_TRUE(change.ok()) << change.status().ToString();
  return change.ok() ? std::get<T>(*change) : T{};
}

TEST(MasterDataJsonTest, ParsesEveryKind) {
  auto zone = Parsed<domain::Zone>(MasterDataKind::kZone, "B", R"({"name":"Stow B"})");
  EXPECT_EQ(zone.code, "B");
  EXPECT_EQ(zone.name, "Stow B");

  auto location = Parsed<domain::Location>(
      MasterDataKind::kLocation, "B-01-002-3-4",
      R"({"zone":"B","type":"pick_face","capacity_units":40,"aisle":1,"bay":2,"level":3,
          "position":4})");
  EXPECT_EQ(location.code, "B-01-002-3-4");
  EXPECT_EQ(location.zone, "B");
  EXPECT_EQ(location.type, domain::LocationType::kPickFace);
  EXPECT_EQ(location.capacity_units, 40);
  EXPECT_EQ(location.aisle, 1);
  EXPECT_EQ(location.bay, 2);
  EXPECT_EQ(location.level, 3);
  EXPECT_EQ(location.position, 4);

  auto product = Parsed<domain::Product>(MasterDataKind::kProduct, "9506000134352",
                                         R"({"description":"Kettle","home_zone":"A"})");
  EXPECT_EQ(product.gtin, "09506000134352");
  EXPECT_EQ(product.home_zone, "A");

  auto container = Parsed<domain::ContainerSpec>(
      MasterDataKind::kContainer, core::testing::ContainerLabel("T00042"), R"({"type":"cart"})");
  EXPECT_EQ(container.id, "label:T00042");
  EXPECT_EQ(container.type, domain::ContainerType::kCart);
}

TEST(MasterDataJsonTest, OptionalFieldsTakeLayoutDefaults) {
  auto location = Parsed<domain::Location>(MasterDataKind::kLocation, "DOCK-09",
                                           R"({"zone":"INB","type":"dock"})");
  EXPECT_EQ(location.capacity_units, 0);
  EXPECT_EQ(location.aisle, 0);
  EXPECT_EQ(location.position, 0);
  auto product =
      Parsed<domain::Product>(MasterDataKind::kProduct, "09506000134352", R"({"description":"K"})");
  EXPECT_EQ(product.home_zone, "");
}

TEST(MasterDataJsonTest, KeyFieldMayRepeatThePathInAnyForm) {
  Parsed<domain::Zone>(MasterDataKind::kZone, "B", R"({"code":"B","name":"Stow B"})");
  auto product = Parsed<domain::Product>(MasterDataKind::kProduct, "09506000134352",
                                         R"({"gtin":"9506000134352","description":"Kettle"})");
  EXPECT_EQ(product.gtin, "09506000134352");
  Parsed<domain::ContainerSpec>(
      MasterDataKind::kContainer, "label:T00042",
      R"({"id":")" + core::testing::ContainerLabel("T00042") + R"(","type":"tote"})");
}

TEST(MasterDataJsonTest, WhatGetReturnsPutAccepts) {
  core::Site site;
  site.LoadLayout(core::testing::SmallLayout(), 1);
  const core::SiteState& state = site.state();
  StatusOr<json> zone = ZoneJson(state, "A");
  ASSERT_TRUE(zone.ok());
  EXPECT_EQ(*zone, json({{"code", "A"}, {"name", "Stow A"}}));
  EXPECT_TRUE(ParseMasterDataChange(MasterDataKind::kZone, "A", zone->dump()).ok());

  StatusOr<json> location = LocationJson(state, "A-01-001-1-1");
  ASSERT_TRUE(location.ok());
  EXPECT_EQ((*location)["capacity_units"], 2);
  EXPECT_EQ((*location)["type"], "stow_bin");
  StatusOr<core::MasterDataChange> back =
      ParseMasterDataChange(MasterDataKind::kLocation, "A-01-001-1-1", location->dump());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(MasterDataObjectJson(*back), *location);

  StatusOr<json> product = ProductJson(state, core::testing::kKettle);
  ASSERT_TRUE(product.ok());
  EXPECT_EQ((*product)["description"], "Kettle 1.7 L");
  back = ParseMasterDataChange(MasterDataKind::kProduct, core::testing::kKettle, product->dump());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(MasterDataObjectJson(*back), *product);
}

TEST(MasterDataJsonTest, GetViewsFindByLabelAndReportUnknowns) {
  core::Site site;
  site.LoadLayout(core::testing::SmallLayout(), 1);
  const core::SiteState& state = site.state();
  json zones = ZonesJson(state);
  ASSERT_EQ(zones["zones"].size(), 5u);
  EXPECT_EQ(zones["zones"][0]["code"], "A");  // In code order.
  StatusOr<json> by_label = LocationJson(state, core::testing::LocationLabel("DOCK-01"));
  ASSERT_TRUE(by_label.ok());
  EXPECT_EQ((*by_label)["code"], "DOCK-01");
  EXPECT_EQ(ZoneJson(state, "Q").status().reason(), "unknown_zone");
  EXPECT_EQ(ZoneJson(state, "Q").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(LocationJson(state, "NOPE").status().reason(), "unknown_location");
  EXPECT_EQ(ProductJson(state, core::testing::kUnknownGtin).status().reason(), "unknown_product");
  EXPECT_EQ(ProductJson(state, "123").status().reason(), "bad_gtin");
}

TEST(MasterDataJsonTest, ReplyCarriesOutcomeSeqAndTheStoredObject) {
  engine::MasterDataReply created{core::MasterDataOutcome::kCreated,
                                  domain::ContainerSpec{"label:T9", domain::ContainerType::kTote},
                                  42};
  EXPECT_EQ(MasterDataReplyJson(created), json::parse(R"({"outcome":"created","seq":42,
                            "container":{"id":"label:T9","type":"tote"}})"));
  engine::MasterDataReply unchanged{core::MasterDataOutcome::kUnchanged,
                                    domain::Zone{"B", "Stow B"}, 0};
  EXPECT_EQ(MasterDataReplyJson(unchanged), json::parse(R"({"outcome":"unchanged","seq":null,
                            "zone":{"code":"B","name":"Stow B"}})"));
}

struct BadBody {
  std::string name;
  MasterDataKind kind;
  std::string id;
  std::string body;
  std::string reason;
};

TEST(MasterDataJsonTest, MalformedBodiesAreRefusedWithStableReasons) {
  const std::string gtin = core::testing::kKettle;
  const std::vector<BadBody> cases = {
      {"not json", MasterDataKind::kZone, "B", R"({"name":)", "bad_json"},
      {"empty body", MasterDataKind::kZone, "B", "", "bad_json"},
      {"trailing data", MasterDataKind::kZone, "B", R"({"name":"B"} x)", "bad_json"},
      {"array", MasterDataKind::kZone, "B", R"(["B"])", "bad_json"},
      {"invalid utf-8", MasterDataKind::kZone, "B", "{\"name\":\"\xff\"}", "bad_json"},
      {"unknown field", MasterDataKind::kZone, "B", R"({"name":"B","colour":"red"})",
       "unknown_field"},
      {"typo", MasterDataKind::kLocation, "B-1", R"({"zone":"B","type":"dock","capcity":3})",
       "unknown_field"},
      {"worker identity", MasterDataKind::kProduct, gtin, R"({"description":"K","user":"jo"})",
       "unknown_field"},
      {"duplicate", MasterDataKind::kZone, "B", R"({"name":"B","name":"C"})", "duplicate_field"},
      {"missing name", MasterDataKind::kZone, "B", R"({})", "missing_field"},
      {"missing zone", MasterDataKind::kLocation, "B-1", R"({"type":"dock"})", "missing_field"},
      {"missing type", MasterDataKind::kContainer, "label:T1", R"({})", "missing_field"},
      {"name not string", MasterDataKind::kZone, "B", R"({"name":7})", "bad_field"},
      {"null", MasterDataKind::kProduct, gtin, R"({"description":"K","home_zone":null})",
       "bad_field"},
      {"capacity string", MasterDataKind::kLocation, "B-1",
       R"({"zone":"B","type":"dock","capacity_units":"3"})", "bad_field"},
      {"capacity fraction", MasterDataKind::kLocation, "B-1",
       R"({"zone":"B","type":"dock","capacity_units":2.5})", "bad_field"},
      {"capacity negative", MasterDataKind::kLocation, "B-1",
       R"({"zone":"B","type":"dock","capacity_units":-1})", "bad_capacity"},
      {"capacity huge", MasterDataKind::kLocation, "B-1",
       R"({"zone":"B","type":"dock","capacity_units":18446744073709551615})", "bad_capacity"},
      {"aisle negative", MasterDataKind::kLocation, "B-1",
       R"({"zone":"B","type":"dock","aisle":-3})", "bad_coordinate"},
      {"bay over int32", MasterDataKind::kLocation, "B-1",
       R"({"zone":"B","type":"dock","bay":2147483648})", "bad_coordinate"},
      {"location type", MasterDataKind::kLocation, "B-1", R"({"zone":"B","type":"shelf"})",
       "unknown_location_type"},
      {"container type", MasterDataKind::kContainer, "label:T1", R"({"type":"box"})",
       "unknown_container_type"},
      {"zone code mismatch", MasterDataKind::kZone, "B", R"({"code":"C","name":"C"})",
       "id_mismatch"},
      {"location code mismatch", MasterDataKind::kLocation, "B-1",
       R"({"code":"B-2","zone":"B","type":"dock"})", "id_mismatch"},
      {"gtin mismatch", MasterDataKind::kProduct, gtin,
       R"({"gtin":"09506000134369","description":"K"})", "id_mismatch"},
      {"container mismatch", MasterDataKind::kContainer, "label:T1",
       R"({"id":"label:T2","type":"tote"})", "id_mismatch"},
      {"bad gtin in path", MasterDataKind::kProduct, "12345", R"({"description":"K"})", "bad_gtin"},
      {"check digit in path", MasterDataKind::kProduct, "09506000134353", R"({"description":"K"})",
       "bad_check_digit"},
      {"container id in path", MasterDataKind::kContainer, "T1", R"({"type":"tote"})",
       "bad_container_id"},
  };
  for (const BadBody& bad : cases) {
    SCOPED_TRACE(bad.name);
    StatusOr<core::MasterDataChange> change = ParseMasterDataChange(bad.kind, bad.id, bad.body);
    ASSERT_FALSE(change.ok());
    EXPECT_EQ(change.status().reason(), bad.reason) << change.status().message();
    EXPECT_FALSE(change.status().message().empty());
  }
}

TEST(MasterDataJsonTest, UnknownFieldMessageNamesTheFieldsThatExist) {
  StatusOr<core::MasterDataChange> change =
      ParseMasterDataChange(MasterDataKind::kZone, "B", R"({"nme":"B"})");
  EXPECT_EQ(change.status().message(), "unknown field \"nme\" (the fields are: code, name)");
}

TEST(MasterDataJsonTest, OversizedBodyIsRefusedBeforeParsing) {
  std::string body = R"({"name":")" + std::string(kMaxMasterDataBodyBytes, 'x') + R"("})";
  StatusOr<core::MasterDataChange> change = ParseMasterDataChange(MasterDataKind::kZone, "B", body);
  EXPECT_EQ(change.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(change.status().reason(), "body_too_large");
}

TEST(MasterDataJsonTest, DeepNestingIsRefusedWithoutCrashing) {
  std::string body = R"({"name":)" + std::string(8000, '[') + std::string(8000, ']') + "}";
  StatusOr<core::MasterDataChange> change = ParseMasterDataChange(MasterDataKind::kZone, "B", body);
  EXPECT_EQ(change.status().reason(), "bad_field");
}

TEST(MasterDataJsonTest, DuplicateInsideANestedValueIsNotTheBodysDuplicate) {
  // Only top-level fields count; the nested object is then refused for its type.
  StatusOr<core::MasterDataChange> change =
      ParseMasterDataChange(MasterDataKind::kZone, "B", R"({"name":{"a":1,"a":2}})");
  EXPECT_EQ(change.status().reason(), "bad_field");
}

}  // namespace
}  // namespace entrepot::server
