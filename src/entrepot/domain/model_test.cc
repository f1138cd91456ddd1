#include "entrepot/domain/model.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace entrepot::domain {
namespace {

constexpr LocationType kAllLocationTypes[] = {LocationType::kDock, LocationType::kStowBin,
                                              LocationType::kPickFace, LocationType::kPackStation,
                                              LocationType::kOutboundDoor};
constexpr ContainerType kAllContainerTypes[] = {ContainerType::kTote, ContainerType::kCrate,
                                                ContainerType::kPallet, ContainerType::kCart,
                                                ContainerType::kParcel};

TEST(ModelTest, LocationTypeNamesRoundTrip) {
  std::set<std::string_view> seen;
  for (LocationType type : kAllLocationTypes) {
    std::string_view name = LocationTypeName(type);
    EXPECT_TRUE(seen.insert(name).second) << "duplicate name " << name;
    StatusOr<LocationType> parsed = ParseLocationType(name);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(*parsed, type);
  }
}

TEST(ModelTest, LocationTypeNamesAreTheDocumentedOnes) {
  EXPECT_EQ(LocationTypeName(LocationType::kDock), "dock");
  EXPECT_EQ(LocationTypeName(LocationType::kStowBin), "stow_bin");
  EXPECT_EQ(LocationTypeName(LocationType::kPickFace), "pick_face");
  EXPECT_EQ(LocationTypeName(LocationType::kPackStation), "pack_station");
  EXPECT_EQ(LocationTypeName(LocationType::kOutboundDoor), "outbound_door");
}

TEST(ModelTest, ContainerTypeNamesRoundTrip) {
  std::set<std::string_view> seen;
  for (ContainerType type : kAllContainerTypes) {
    std::string_view name = ContainerTypeName(type);
    EXPECT_TRUE(seen.insert(name).second) << "duplicate name " << name;
    StatusOr<ContainerType> parsed = ParseContainerType(name);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(*parsed, type);
  }
  EXPECT_EQ(ContainerTypeName(ContainerType::kTote), "tote");
  EXPECT_EQ(ContainerTypeName(ContainerType::kParcel), "parcel");
}

TEST(ModelTest, UnknownLocationTypeIsInvalidArgumentNamingTheInput) {
  for (std::string_view bad : {"", "bin", "Stow_Bin", "stow_bin ", "STOW_BIN"}) {
    StatusOr<LocationType> parsed = ParseLocationType(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().reason(), "unknown_location_type");
    EXPECT_NE(parsed.status().message().find("\"" + std::string(bad) + "\""), std::string::npos);
    EXPECT_NE(parsed.status().message().find("stow_bin"), std::string::npos);
  }
}

TEST(ModelTest, UnknownContainerTypeIsInvalidArgumentNamingTheInput) {
  for (std::string_view bad : {"", "box", "Tote", "totes"}) {
    StatusOr<ContainerType> parsed = ParseContainerType(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().reason(), "unknown_container_type");
    EXPECT_NE(parsed.status().message().find("tote, crate, pallet, cart, parcel"),
              std::string::npos);
  }
}

TEST(ModelTest, HolderOrdersLocationsBeforeContainers) {
  Holder at = Holder::AtLocation("A-01-001-1-1");
  Holder in = Holder::InContainer("label:T00001");
  EXPECT_TRUE(at.IsLocation());
  EXPECT_FALSE(in.IsLocation());
  EXPECT_LT(at, in);
  EXPECT_EQ(at, Holder::AtLocation("A-01-001-1-1"));
}

}  // namespace
}  // namespace entrepot::domain
