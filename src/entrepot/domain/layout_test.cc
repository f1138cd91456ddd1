#include "entrepot/domain/layout.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "entrepot/domain/labels.h"

namespace entrepot::domain {
namespace {

// Five lines; entries appended by tests start on line 6.
constexpr std::string_view kHeader =
    R"(zones = [{code = "A", name = "Rack A"}, {code = "INB", name = "Inbound"}]
[site]
code = "FR-TST1"
name = "Test site"
# Entries follow.
)";

StatusOr<Layout> ParseWithHeader(std::string_view entries) {
  return ParseLayoutToml(std::string(kHeader) + std::string(entries));
}

// Expects an error with this code, reason, and every one of `parts` in its message.
void ExpectError(const StatusOr<Layout>& result, std::string_view reason,
                 std::vector<std::string> parts, StatusCode code = StatusCode::kInvalidArgument) {
  ASSERT_FALSE(result.ok()) << "parsed, expected " << reason;
  EXPECT_EQ(result.status().code(), code) << result.status().ToString();
  EXPECT_EQ(result.status().reason(), reason) << result.status().ToString();
  for (const std::string& part : parts) {
    EXPECT_NE(result.status().message().find(part), std::string::npos)
        << "\"" << part << "\" not in: " << result.status().message();
  }
}

std::vector<std::string> Codes(const std::vector<Location>& locations) {
  std::vector<std::string> codes;
  for (const Location& location : locations) {
    codes.push_back(location.code);
  }
  return codes;
}

TEST(LayoutTest, MinimalLayoutHasSiteAndZones) {
  StatusOr<Layout> layout = ParseWithHeader("");
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  EXPECT_EQ(layout->site_code, "FR-TST1");
  EXPECT_EQ(layout->site_name, "Test site");
  ASSERT_EQ(layout->zones.size(), 2u);
  EXPECT_EQ(layout->zones[0].code, "A");
  EXPECT_EQ(layout->zones[1].name, "Inbound");
  EXPECT_TRUE(layout->locations.empty());
  EXPECT_TRUE(layout->products.empty());
  EXPECT_TRUE(layout->containers.empty());
}

TEST(LayoutTest, ExplicitLocationsKeepTheirFieldsAndFileOrder) {
  StatusOr<Layout> layout = ParseWithHeader(R"(
[[locations]]
code = "DOCK-03"
zone = "INB"
type = "dock"

[[locations]]
code = "A-01-002-3-4"
zone = "A"
type = "pick_face"
capacity = 120
aisle = 1
bay = 2
level = 3
position = 4
)");
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  ASSERT_EQ(layout->locations.size(), 2u);
  const Location& dock = layout->locations[0];
  EXPECT_EQ(dock.code, "DOCK-03");
  EXPECT_EQ(dock.zone, "INB");
  EXPECT_EQ(dock.type, LocationType::kDock);
  EXPECT_EQ(dock.capacity_units, 0);
  EXPECT_EQ(dock.aisle, 0);
  const Location& bin = layout->locations[1];
  EXPECT_EQ(bin.type, LocationType::kPickFace);
  EXPECT_EQ(bin.capacity_units, 120);
  EXPECT_EQ(bin.aisle, 1);
  EXPECT_EQ(bin.bay, 2);
  EXPECT_EQ(bin.level, 3);
  EXPECT_EQ(bin.position, 4);
}

TEST(LayoutTest, LocationRangeExpandsAisleMajorAfterExplicitLocations) {
  StatusOr<Layout> layout = ParseWithHeader(R"(
[[location_ranges]]
zone = "A"
type = "stow_bin"
aisles = [4, 5]
bays = [11, 12]
levels = [1, 2]
capacity = 40

[[location_ranges]]
zone = "A"
type = "stow_bin"
aisles = 7
bays = 100
levels = 9
positions = [1, 2]

[[locations]]
code = "DOCK-01"
zone = "INB"
type = "dock"
)");
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  EXPECT_EQ(
      Codes(layout->locations),
      (std::vector<std::string>{"DOCK-01", "A-04-011-1-1", "A-04-011-2-1", "A-04-012-1-1",
                                "A-04-012-2-1", "A-05-011-1-1", "A-05-011-2-1", "A-05-012-1-1",
                                "A-05-012-2-1", "A-07-100-9-1", "A-07-100-9-2"}));
  const Location& bin = layout->locations[4];
  EXPECT_EQ(bin.zone, "A");
  EXPECT_EQ(bin.type, LocationType::kStowBin);
  EXPECT_EQ(bin.aisle, 4);
  EXPECT_EQ(bin.bay, 12);
  EXPECT_EQ(bin.level, 2);
  EXPECT_EQ(bin.position, 1);
  EXPECT_EQ(bin.capacity_units, 40);
  EXPECT_EQ(layout->locations.back().capacity_units, 0);
  for (const Location& location : layout->locations) {
    EXPECT_TRUE(ValidateLabelCode(location.code).ok()) << location.code;
  }
}

TEST(LayoutTest, RackLocationCodePadsEachField) {
  EXPECT_EQ(RackLocationCode("A", 4, 12, 3, 2), "A-04-012-3-2");
  EXPECT_EQ(RackLocationCode("PICK2", 99, 999, 9, 9), "PICK2-99-999-9-9");
  EXPECT_EQ(RackLocationCode("B", 0, 0, 0, 0), "B-00-000-0-0");
}

TEST(LayoutTest, GtinsOfEveryLengthAreNormalisedToFourteenDigits) {
  StatusOr<Layout> layout = ParseWithHeader(R"(
[[products]]
gtin = "95060002"
description = "GTIN-8"
[[products]]
gtin = "036000291452"
description = "GTIN-12"
home_zone = "A"
[[products]]
gtin = "9506000000015"
description = "Bouilloire inox 1.7 L"
home_zone = ""
[[products]]
gtin = "10950600000016"
description = "GTIN-14 case"
)");
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  ASSERT_EQ(layout->products.size(), 4u);
  EXPECT_EQ(layout->products[0].gtin, "00000095060002");
  EXPECT_EQ(layout->products[1].gtin, "00036000291452");
  EXPECT_EQ(layout->products[1].home_zone, "A");
  EXPECT_EQ(layout->products[2].gtin, "09506000000015");
  EXPECT_EQ(layout->products[2].description, "Bouilloire inox 1.7 L");
  EXPECT_EQ(layout->products[2].home_zone, "");
  EXPECT_EQ(layout->products[3].gtin, "10950600000016");
}

TEST(LayoutTest, ContainersInEveryIdFormAndRanges) {
  StatusOr<Layout> layout = ParseWithHeader(R"(
[[container_ranges]]
type = "tote"
prefix = "T"
from = 1
to = 3
digits = 5
[[containers]]
id = "sscc:106141411234567897"
type = "pallet"
[[containers]]
id = "grai:09506000123455A1"
type = "crate"
[[containers]]
id = "giai:9506000-ASSET/42"
type = "cart"
[[containers]]
id = "label:K-SPARE-1"
type = "cart"
[[containers]]
label = "R0001"
type = "crate"
[[container_ranges]]
type = "cart"
prefix = "K-"
from = 98
to = 101
digits = 3
)");
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  std::vector<std::string> ids;
  for (const ContainerSpec& container : layout->containers) {
    ids.push_back(container.id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{
                     "sscc:106141411234567897", "grai:09506000123455A1", "giai:9506000-ASSET/42",
                     "label:K-SPARE-1", "label:R0001", "label:T00001", "label:T00002",
                     "label:T00003", "label:K-098", "label:K-099", "label:K-100", "label:K-101"}));
  EXPECT_EQ(layout->containers[0].type, ContainerType::kPallet);
  EXPECT_EQ(layout->containers[4].type, ContainerType::kCrate);
  EXPECT_EQ(layout->containers[5].type, ContainerType::kTote);
  EXPECT_EQ(layout->containers.back().type, ContainerType::kCart);
}

// ---- Errors -------------------------------------------------------------------------------

TEST(LayoutErrorTest, TomlSyntaxErrorGivesLineAndColumn) {
  ExpectError(ParseWithHeader("[[locations]]\ncode = \"A\nzone = \"A\"\n"), "bad_toml",
              {"(line 7, column"});
  ExpectError(ParseLayoutToml("[site\n"), "bad_toml", {"line 1"});
}

TEST(LayoutErrorTest, SiteIsRequiredAndChecked) {
  ExpectError(ParseLayoutToml(""), "bad_layout", {"layout: a [site] table"});
  ExpectError(ParseLayoutToml("site = \"X\""), "bad_layout", {"[site]", "line 1, column 8"});
  ExpectError(ParseLayoutToml("[site]\nname = \"X\""), "bad_layout",
              {"site: missing key \"code\""});
  ExpectError(ParseLayoutToml("[site]\ncode = \"fr\"\nname = \"X\""), "bad_layout",
              {"site: site label code \"fr\"", "lower-case", "line 2, column 8"});
  ExpectError(ParseLayoutToml("[site]\ncode = \"FR\"\nname = \"\""), "bad_layout",
              {"site: name must have 1 to 200 bytes, not 0"});
  ExpectError(ParseLayoutToml("[site]\ncode = \"FR\"\nname = \"X\"\ncity = \"Lyon\""), "bad_layout",
              {"site: unknown key \"city\"", "line 4, column 8"});
}

TEST(LayoutErrorTest, UnknownTopLevelKeyIsNamed) {
  ExpectError(ParseWithHeader("[[locatoins]]\ncode = \"X\"\n"), "bad_layout",
              {"layout: unknown key \"locatoins\"", "line 6"});
}

TEST(LayoutErrorTest, EntriesMustBeArraysOfTables) {
  ExpectError(ParseWithHeader("[locations]\ncode = \"X\"\n"), "bad_layout",
              {"\"locations\" must be an array of tables, written [[locations]], not a table"});
  ExpectError(ParseLayoutToml("products = [1, 2]\n" + std::string(kHeader)), "bad_layout",
              {"\"products\" must be an array of tables", "not an array", "line 1"});
  StatusOr<Layout> empty = ParseLayoutToml("products = []\n" + std::string(kHeader));
  EXPECT_TRUE(empty.ok()) << empty.status().ToString();
}

TEST(LayoutErrorTest, ZoneErrors) {
  // Six lines, so the entry under test starts on line 7.
  const std::string head =
      "[site]\ncode = \"S\"\nname = \"S\"\n[[zones]]\ncode = \"A\"\nname = \"A\"\n";
  ExpectError(ParseLayoutToml(head + "[[zones]]\ncode = \"A\"\nname = \"Again\"\n"), "bad_layout",
              {"zones[1]: zone \"A\" is already defined by zones[0]", "line 8, column 8"});
  ExpectError(ParseLayoutToml(head + "[[zones]]\ncode = \"b-1\"\nname = \"B\"\n"), "bad_layout",
              {"zones[1]: zone code \"b-1\" must be 1 to 16 upper-case letters and digits"});
  ExpectError(ParseLayoutToml(head + "[[zones]]\ncode = \"B\"\n"), "bad_layout",
              {"zones[1]: missing key \"name\"", "line 7, column 1"});
  ExpectError(ParseLayoutToml(head + "[[zones]]\ncode = 7\nname = \"B\"\n"), "bad_layout",
              {"zones[1]: code must be a string, not an integer", "line 8, column 8"});
  ExpectError(ParseLayoutToml(head + "[[zones]]\ncode = \"ABCDEFGHIJKLMNOPQ\"\nname = \"B\"\n"),
              "bad_layout", {"zones[1]: zone code \"ABCDEFGHIJKLMNOPQ\" must be 1 to 16"});
}

TEST(LayoutErrorTest, TooManyZonesIsLayoutTooLarge) {
  std::string text = "[site]\ncode = \"S\"\nname = \"S\"\n";
  for (size_t i = 0; i <= kMaxLayoutZones; ++i) {
    text += "[[zones]]\ncode = \"Z" + std::to_string(i) + "\"\nname = \"z\"\n";
  }
  ExpectError(ParseLayoutToml(text), "layout_too_large", {"1001 [[zones]] entries; at most 1000"},
              StatusCode::kResourceExhausted);
}

TEST(LayoutErrorTest, LocationNamesAnUndefinedZone) {
  ExpectError(ParseWithHeader(R"([[locations]]
code = "DOCK-01"
zone = "INB"
type = "dock"
[[locations]]
code = "Q-01"
zone = "Q"
type = "dock"
)"),
              "bad_layout", {"locations[1]: zone \"Q\" is not defined (line 12, column 8)"});
}

TEST(LayoutErrorTest, LocationErrors) {
  ExpectError(ParseWithHeader("[[locations]]\ncode = \"X-1\"\nzone = \"A\"\ntype = \"shelf\"\n"),
              "unknown_location_type",
              {"locations[0]: unknown location type \"shelf\"", "line 9, column 8"});
  ExpectError(ParseWithHeader("[[locations]]\ncode = \"x-1\"\nzone = \"A\"\ntype = \"dock\"\n"),
              "bad_label_code", {"locations[0]: label code \"x-1\"", "line 7, column 8"});
  ExpectError(ParseWithHeader("[[locations]]\nzone = \"A\"\ntype = \"dock\"\n"), "bad_layout",
              {"locations[0]: missing key \"code\""});
  ExpectError(ParseWithHeader("[[locations]]\ncode = \"X\"\ntype = \"dock\"\n"), "bad_layout",
              {"locations[0]: missing key \"zone\""});
  ExpectError(ParseWithHeader("[[locations]]\ncode = \"X\"\nzone = \"A\"\n"), "bad_layout",
              {"locations[0]: missing key \"type\""});
  ExpectError(ParseWithHeader(
                  "[[locations]]\ncode = \"X\"\nzone = \"A\"\ntype = \"dock\"\ncapacity = -1\n"),
              "bad_layout", {"locations[0]: capacity is -1; it must be in [0, 1000000000]"});
  ExpectError(ParseWithHeader(
                  "[[locations]]\ncode = \"X\"\nzone = \"A\"\ntype = \"dock\"\ncapacity = 2.5\n"),
              "bad_layout", {"locations[0]: capacity must be an integer, not a float"});
  ExpectError(
      ParseWithHeader("[[locations]]\ncode = \"X\"\nzone = \"A\"\ntype = \"dock\"\nlevel = -2\n"),
      "bad_layout", {"locations[0]: level is -2"});
  ExpectError(
      ParseWithHeader("[[locations]]\ncode = \"X\"\nzone = \"A\"\ntype = \"dock\"\ncapcity = 2\n"),
      "bad_layout", {"locations[0]: unknown key \"capcity\"", "line 10, column 11"});
}

TEST(LayoutErrorTest, DuplicateLocationsNameTheFirstDefinition) {
  ExpectError(ParseWithHeader(R"([[locations]]
code = "DOCK-01"
zone = "INB"
type = "dock"
[[locations]]
code = "DOCK-01"
zone = "INB"
type = "dock"
)"),
              "bad_layout",
              {"locations[1]: location \"DOCK-01\" is already defined by locations[0]",
               "line 11, column 8"});
  ExpectError(ParseWithHeader(R"([[locations]]
code = "A-01-001-1-1"
zone = "A"
type = "stow_bin"
[[location_ranges]]
zone = "A"
type = "stow_bin"
aisles = [1, 1]
bays = [1, 2]
levels = [1, 1]
)"),
              "bad_layout",
              {"location_ranges[0]: location \"A-01-001-1-1\" is already defined by locations[0]",
               "line 10, column 1"});
  ExpectError(ParseWithHeader(R"([[location_ranges]]
zone = "A"
type = "stow_bin"
aisles = [1, 2]
bays = [1, 10]
levels = [1, 3]
[[location_ranges]]
zone = "INB"
type = "dock"
aisles = 1
bays = 1
levels = 1
[[location_ranges]]
zone = "A"
type = "stow_bin"
aisles = [2, 3]
bays = 10
levels = 3
)"),
              "bad_layout",
              {"location_ranges[2]: location \"A-02-010-3-1\" is already defined by "
               "location_ranges[0]"});
}

TEST(LayoutErrorTest, LocationRangeErrors) {
  const std::string head = "[[location_ranges]]\nzone = \"A\"\ntype = \"stow_bin\"\n";
  ExpectError(ParseWithHeader(head + "aisles = [5, 2]\nbays = 1\nlevels = 1\n"), "bad_layout",
              {"location_ranges[0]: aisles goes from 5 down to 2; from must be <= to",
               "line 9, column 10"});
  ExpectError(ParseWithHeader(head + "aisles = [1, 100]\nbays = 1\nlevels = 1\n"), "bad_layout",
              {"location_ranges[0]: aisles to is 100; it must be in [1, 99]"});
  ExpectError(ParseWithHeader(head + "aisles = 1\nbays = [0, 3]\nlevels = 1\n"), "bad_layout",
              {"location_ranges[0]: bays from is 0; it must be in [1, 999]"});
  ExpectError(ParseWithHeader(head + "aisles = 1\nbays = 1\nlevels = [1, 10]\n"), "bad_layout",
              {"levels to is 10; it must be in [1, 9]"});
  ExpectError(ParseWithHeader(head + "aisles = 1\nbays = 1\nlevels = 1\npositions = [1, 2, 3]\n"),
              "bad_layout", {"positions must be [from, to] or one integer, not an array"});
  ExpectError(ParseWithHeader(head + "aisles = 1\nbays = 1\nlevels = 1\npositions = \"1-2\"\n"),
              "bad_layout", {"positions must be [from, to] or one integer, not a string"});
  ExpectError(ParseWithHeader(head + "aisles = 1\nlevels = 1\n"), "bad_layout",
              {"location_ranges[0]: missing key \"bays\""});
  ExpectError(ParseWithHeader(head + "aisles = 1\nbays = 1\nlevels = 1\ncapacity = -5\n"),
              "bad_layout", {"location_ranges[0]: capacity is -5"});
  ExpectError(ParseWithHeader("[[location_ranges]]\nzone = \"Q\"\ntype = \"stow_bin\"\n"
                              "aisles = 1\nbays = 1\nlevels = 1\n"),
              "bad_layout", {"location_ranges[0]: zone \"Q\" is not defined"});
  ExpectError(ParseWithHeader("[[location_ranges]]\nzone = \"A\"\ntype = \"bin\"\n"
                              "aisles = 1\nbays = 1\nlevels = 1\n"),
              "unknown_location_type", {"location_ranges[0]: unknown location type \"bin\""});
}

TEST(LayoutErrorTest, LocationRangeBeyondTheLimitIsRefusedBeforeExpanding) {
  ExpectError(ParseWithHeader("[[location_ranges]]\nzone = \"A\"\ntype = \"stow_bin\"\n"
                              "aisles = [1, 99]\nbays = [1, 999]\nlevels = [1, 9]\n"
                              "positions = [1, 2]\n"),
              "layout_too_large",
              {"location_ranges[0]: this range brings the site to 1780218 locations; at most "
               "1000000"},
              StatusCode::kResourceExhausted);
}

TEST(LayoutErrorTest, ProductGtinErrors) {
  ExpectError(
      ParseWithHeader("[[products]]\ngtin = \"95060000000\"\ndescription = \"d\"\n"), "bad_gtin",
      {"products[0]: GTIN \"95060000000\" must be 8, 12, 13 or 14 digits", "line 7, column 8"});
  ExpectError(ParseWithHeader("[[products]]\ngtin = \"950600000001X\"\ndescription = \"d\"\n"),
              "bad_gtin", {"products[0]: GTIN \"950600000001X\""});
  ExpectError(ParseWithHeader("[[products]]\ngtin = \"9506000000016\"\ndescription = \"d\"\n"),
              "bad_check_digit",
              {"products[0]: GTIN-13 check digit is 6, expected 5", "line 7, column 8"});
  ExpectError(ParseWithHeader("[[products]]\ngtin = 9506000000015\ndescription = \"d\"\n"),
              "bad_gtin", {"products[0]: gtin must be a quoted string"});
  ExpectError(ParseWithHeader("[[products]]\ndescription = \"d\"\n"), "bad_layout",
              {"products[0]: missing key \"gtin\""});
}

TEST(LayoutErrorTest, ProductOtherErrors) {
  const std::string first = "[[products]]\ngtin = \"9506000000015\"\ndescription = \"first\"\n";
  ExpectError(
      ParseWithHeader(first + "[[products]]\ngtin = \"09506000000015\"\ndescription = \"d\"\n"),
      "bad_layout",
      {"products[1]: GTIN 09506000000015 is already defined by products[0]", "line 10, column 8"});
  ExpectError(ParseWithHeader("[[products]]\ngtin = \"9506000000015\"\n"), "bad_layout",
              {"products[0]: missing key \"description\""});
  ExpectError(ParseWithHeader("[[products]]\ngtin = \"9506000000015\"\ndescription = \"" +
                              std::string(501, 'x') + "\"\n"),
              "bad_layout", {"products[0]: description must have 1 to 500 bytes, not 501"});
  ExpectError(ParseWithHeader(first + "home_zone = \"Z\"\n"), "bad_layout",
              {"products[0]: home_zone \"Z\" is not defined", "line 9, column 13"});
}

TEST(LayoutErrorTest, ContainerErrors) {
  ExpectError(
      ParseWithHeader("[[containers]]\nid = \"label:T1\"\nlabel = \"T1\"\ntype = \"tote\"\n"),
      "bad_layout", {"containers[0]: give exactly one of \"id\" and \"label\""});
  ExpectError(ParseWithHeader("[[containers]]\ntype = \"tote\"\n"), "bad_layout",
              {"containers[0]: give exactly one of"});
  ExpectError(
      ParseWithHeader("[[containers]]\nid = \"sscc:106141411234567890\"\ntype = \"pallet\"\n"),
      "bad_check_digit",
      {"containers[0]: container id \"sscc:106141411234567890\": AI (00) SSCC: check digit is 0, "
       "expected 7"});
  ExpectError(ParseWithHeader("[[containers]]\nid = \"sscc:1234\"\ntype = \"pallet\"\n"),
              "bad_layout", {"containers[0]: container id \"sscc:1234\": an SSCC has 18 digits"});
  ExpectError(ParseWithHeader("[[containers]]\nid = \"grai:19506000123455\"\ntype = \"crate\"\n"),
              "bad_layout", {"a GRAI is 0, 13 digits"});
  ExpectError(ParseWithHeader("[[containers]]\nid = \"grai:09506000123456\"\ntype = \"crate\"\n"),
              "bad_check_digit", {"AI (8003) GRAI: check digit is 6, expected 5"});
  ExpectError(ParseWithHeader("[[containers]]\nid = \"giai:\"\ntype = \"cart\"\n"), "bad_layout",
              {"a GIAI is 1-30 characters"});
  ExpectError(ParseWithHeader("[[containers]]\nid = \"giai:A B\"\ntype = \"cart\"\n"), "bad_layout",
              {"a GIAI is 1-30 characters"});
  ExpectError(ParseWithHeader("[[containers]]\nid = \"T00001\"\ntype = \"tote\"\n"), "bad_layout",
              {"containers[0]: container id \"T00001\": expected sscc:, grai:, giai: or label:",
               "line 7, column 6"});
  ExpectError(ParseWithHeader("[[containers]]\nlabel = \"t1\"\ntype = \"tote\"\n"),
              "bad_label_code", {"containers[0]: label code \"t1\"", "line 7, column 9"});
  ExpectError(ParseWithHeader("[[containers]]\nlabel = \"T1\"\ntype = \"box\"\n"),
              "unknown_container_type", {"containers[0]: unknown container type \"box\""});
  ExpectError(ParseWithHeader("[[containers]]\nlabel = \"T1\"\ntype = \"tote\"\n"
                              "[[containers]]\nid = \"label:T1\"\ntype = \"tote\"\n"),
              "bad_layout",
              {"containers[1]: container \"label:T1\" is already defined by containers[0]",
               "line 9, column 1"});
}

TEST(LayoutErrorTest, ContainerRangeErrors) {
  const std::string type = "[[container_ranges]]\ntype = \"tote\"\n";
  ExpectError(ParseWithHeader(type + "prefix = \"T\"\nfrom = 9\nto = 2\ndigits = 3\n"),
              "bad_layout", {"container_ranges[0]: from 9 is greater than to 2", "line 10"});
  ExpectError(ParseWithHeader(type + "prefix = \"T\"\nfrom = 1\nto = 1000\ndigits = 3\n"),
              "bad_layout", {"container_ranges[0]: to 1000 does not fit in 3 digits"});
  ExpectError(ParseWithHeader(type + "prefix = \"T\"\nfrom = 1\nto = 5\ndigits = 0\n"),
              "bad_layout", {"container_ranges[0]: digits is 0; it must be in [1, 9]"});
  ExpectError(ParseWithHeader(type + "prefix = \"T\"\nfrom = -1\nto = 5\ndigits = 2\n"),
              "bad_layout", {"container_ranges[0]: from is -1"});
  ExpectError(ParseWithHeader(type + "prefix = \"t\"\nfrom = 1\nto = 5\ndigits = 2\n"),
              "bad_label_code", {"container_ranges[0]: label code \"t01\"", "line 8, column 10"});
  ExpectError(ParseWithHeader(type + "prefix = \"T\"\nfrom = 1\nto = 5\n"), "bad_layout",
              {"container_ranges[0]: missing key \"digits\""});
  ExpectError(ParseWithHeader(type + "from = 1\nto = 5\ndigits = 2\n"), "bad_layout",
              {"container_ranges[0]: missing key \"prefix\""});
  ExpectError(ParseWithHeader("[[container_ranges]]\ntype = \"bag\"\nprefix = \"T\"\nfrom = 1\n"
                              "to = 5\ndigits = 2\n"),
              "unknown_container_type", {"container_ranges[0]: unknown container type \"bag\""});
  ExpectError(ParseWithHeader("[[containers]]\nlabel = \"T03\"\ntype = \"tote\"\n" + type +
                              "prefix = \"T\"\nfrom = 1\nto = 5\ndigits = 2\n"),
              "bad_layout",
              {"container_ranges[0]: container \"label:T03\" is already defined by containers[0]"});
  ExpectError(ParseWithHeader(type + "prefix = \"T\"\nfrom = 1\nto = 5\ndigits = 2\n" + type +
                              "prefix = \"T\"\nfrom = 5\nto = 9\ndigits = 2\n"),
              "bad_layout",
              {"container_ranges[1]: container \"label:T05\" is already defined by "
               "container_ranges[0]"});
}

TEST(LayoutErrorTest, ContainerRangeBeyondTheLimitIsRefusedBeforeExpanding) {
  ExpectError(ParseWithHeader("[[container_ranges]]\ntype = \"tote\"\nprefix = \"T\"\n"
                              "from = 0\nto = 1000000\ndigits = 7\n"),
              "layout_too_large",
              {"container_ranges[0]: this range brings the site to 1000001 containers"},
              StatusCode::kResourceExhausted);
}

TEST(LayoutErrorTest, OversizedFileIsRefusedBeforeParsing) {
  std::string text(kMaxLayoutTomlBytes + 1, ' ');
  ExpectError(ParseLayoutToml(text), "layout_too_large", {"at most 268435456"},
              StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace entrepot::domain
