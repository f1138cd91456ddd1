#include "entrepot/cli/line_reader.h"

#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace entrepot::cli {
namespace {

TEST(LineReaderTest, ReadsLinesAndCountsThem) {
  std::istringstream in("a\nbb\n\nccc");
  LineReader reader(in, 10);
  std::string line;
  ASSERT_EQ(reader.Next(line), LineReader::Result::kLine);
  EXPECT_EQ(line, "a");
  ASSERT_EQ(reader.Next(line), LineReader::Result::kLine);
  EXPECT_EQ(line, "bb");
  ASSERT_EQ(reader.Next(line), LineReader::Result::kLine);
  EXPECT_EQ(line, "");
  ASSERT_EQ(reader.Next(line), LineReader::Result::kLine);
  EXPECT_EQ(line, "ccc");
  EXPECT_EQ(reader.line_number(), 4u);
  EXPECT_EQ(reader.Next(line), LineReader::Result::kEnd);
}

TEST(LineReaderTest, OverlongLineIsReportedAndSkippedToItsEnd) {
  std::istringstream in(std::string(100, 'x') + "\nnext\n");
  LineReader reader(in, 8);
  std::string line;
  EXPECT_EQ(reader.Next(line), LineReader::Result::kTooLong);
  EXPECT_EQ(line.size(), 8u);
  ASSERT_EQ(reader.Next(line), LineReader::Result::kLine);
  EXPECT_EQ(line, "next");
  EXPECT_EQ(reader.line_number(), 2u);
}

}  // namespace
}  // namespace entrepot::cli
