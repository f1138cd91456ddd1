#include "entrepot/base/status.h"

#include "absl/status/statusor.h"
#include "entrepot/base/status_macros.h"
#include "gtest/gtest.h"

namespace entrepot {
namespace {

TEST(StatusTest, ErrorCarriesCodeReasonAndMessage) {
  absl::Status status =
      Error(absl::StatusCode::kInvalidArgument, "bad_check_digit", "AI (01): expected 2");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "AI (01): expected 2");
  EXPECT_EQ(ReasonOf(status), "bad_check_digit");
}

TEST(StatusTest, ReasonOfPlainStatusIsSnakeCaseCode) {
  EXPECT_EQ(ReasonOf(absl::NotFoundError("x")), "not_found");
  EXPECT_EQ(ReasonOf(absl::ResourceExhaustedError("x")), "resource_exhausted");
  EXPECT_EQ(ReasonOf(absl::OkStatus()), "ok");
}

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) {
    return Error(absl::StatusCode::kInvalidArgument, "odd", "odd number");
  }
  return n / 2;
}

absl::StatusOr<int> Quarter(int n) {
  ENTREPOT_ASSIGN_OR_RETURN(int half, Half(n));
  ENTREPOT_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckEven(int n) {
  ENTREPOT_RETURN_IF_ERROR(Half(n).status());
  return absl::OkStatus();
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(ReasonOf(Quarter(6).status()), "odd");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(ReasonOf(CheckEven(3)), "odd");
}

}  // namespace
}  // namespace entrepot
