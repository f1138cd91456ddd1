#include "entrepot/base/status.h"

#include <memory>
#include <string>

#include "entrepot/base/status_macros.h"
#include "gtest/gtest.h"

namespace entrepot {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.reason(), "ok");
  EXPECT_EQ(status.ToString(), "ok");
}

TEST(StatusTest, ErrorCarriesCodeReasonAndMessage) {
  Status status = Error(StatusCode::kInvalidArgument, "bad_check_digit", "AI (01): expected 2");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.reason(), "bad_check_digit");
  EXPECT_EQ(status.message(), "AI (01): expected 2");
  EXPECT_EQ(status.ToString(), "bad_check_digit: AI (01): expected 2");
}

TEST(StatusTest, ShorthandUsesCodeNameAsReason) {
  EXPECT_EQ(NotFoundError("x").reason(), "not_found");
  EXPECT_EQ(ResourceExhaustedError("x").reason(), "resource_exhausted");
  EXPECT_EQ(DataLossError("x").code(), StatusCode::kDataLoss);
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsReason) {
  Status status = InvalidArgumentError("missing field").WithContext("line 12");
  EXPECT_EQ(status.message(), "line 12: missing field");
  EXPECT_EQ(status.reason(), "invalid_argument");
  EXPECT_TRUE(OkStatus().WithContext("x").ok());
}

StatusOr<int> Half(int n) {
  if (n % 2 != 0) {
    return Error(StatusCode::kInvalidArgument, "odd", "odd number");
  }
  return n / 2;
}

StatusOr<int> Quarter(int n) {
  ENTREPOT_ASSIGN_OR_RETURN(int half, Half(n));
  ENTREPOT_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int n) {
  ENTREPOT_RETURN_IF_ERROR(Half(n).status());
  return OkStatus();
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().reason(), "odd");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(3).reason(), "odd");
}

TEST(StatusOrTest, HoldsMoveOnlyValues) {
  StatusOr<std::unique_ptr<int>> result = std::make_unique<int>(7);
  ASSERT_TRUE(result.ok());
  std::unique_ptr<int> taken = std::move(result).value();
  EXPECT_EQ(*taken, 7);
}

TEST(StatusOrTest, ConvertsFromCompatibleValue) {
  StatusOr<std::string> result = "text";
  EXPECT_EQ(*result, "text");
}

}  // namespace
}  // namespace entrepot
